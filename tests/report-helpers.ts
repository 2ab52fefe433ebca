import Database from 'better-sqlite3';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { openWorkflow } from '../src/coordinator/open.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';
import type { ResultJson } from '../src/contract.js';

export const root = join(import.meta.dirname, '..');
export const fixtures = join(root, 'tests', 'fixtures', 'report');
export const artifacts = join(root, 'test-artifacts');

/** Runs a workflow of tests/fixtures/report (inline executor) into a fresh folder; returns its run directory. */
export async function runFixture(name: string, out = mkdtempSync(join(tmpdir(), `fanfold-report-${name}-`))): Promise<{ dir: string; result: ResultJson }> {
  const workflow = await openWorkflow(join(fixtures, `${name}.yaml`));
  const { result } = await runWorkflow(workflow, { out, executor: 'inline' });
  return { dir: result.results_dir, result };
}

/** Reads rows of a run's results.db directly (the independent path the report is checked against). */
export function queryDb<T>(dir: string, sql: string, ...args: unknown[]): T[] {
  const db = new Database(join(dir, 'results.db'), { readonly: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Debian's chromium driven by playwright-core, headless, with a fresh profile and every background
 * service that could reach the network turned off. A missing chromium fails the test (it is
 * installed by .ci/run: apt-get install -y chromium).
 */
export async function launchChromium(): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install it with apt-get update && apt-get install -y chromium (as .ci/run does)`);
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'fanfold-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1360, height: 900 },
  });
}

export interface OpenedReport {
  readonly page: Page;
  /** Console errors and warnings, uncaught page errors. */
  readonly problems: string[];
  /** Every URL the page requested. */
  readonly requests: string[];
}

export async function openReport(context: BrowserContext, file: string): Promise<OpenedReport> {
  const page = await context.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`file://${file}`);
  await page.waitForFunction(() => (globalThis as typeof globalThis & { fanfoldReport?: { ready?: boolean } }).fanfoldReport?.ready === true);
  return { page, problems, requests };
}
