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
 * service that could reach the network turned off (`scrollbars`: drawn, as in a headed browser).
 * A missing chromium fails the test (it is installed by .ci/run: apt-get install -y chromium).
 */
export async function launchChromium(options: { readonly scrollbars?: boolean } = {}): Promise<BrowserContext> {
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
    // Playwright hides scrollbars in headless Chromium; a test of how tables scroll wants them drawn.
    ignoreDefaultArgs: options.scrollbars ? ['--hide-scrollbars'] : [],
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

/** The page's globals as the in-page callbacks use them (the tests are type-checked without DOM types). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface SvgNode {
  getAttribute(name: string): string | null;
  getBBox(): Box;
}
export interface ChartNode {
  querySelectorAll(selector: string): ArrayLike<SvgNode>;
}
export interface PageGlobals {
  document: { getElementById(id: string): ChartNode };
  echarts: {
    getInstanceByDom(el: ChartNode): {
      getModel(): { getSeries(): { getData(): { count(): number } }[]; getComponent(type: string): { coordinateSystem: { getRect(): Box } } };
    };
  };
}

/** Items of each series of the ECharts instance in `#id` (what the chart holds and draws). */
export function seriesCounts(page: Page, id: string): Promise<number[]> {
  return page.evaluate((id) => {
    const g = globalThis as typeof globalThis & PageGlobals;
    return g.echarts
      .getInstanceByDom(g.document.getElementById(id))
      .getModel()
      .getSeries()
      .map((s) => s.getData().count());
  }, id);
}

/**
 * SVG paths in `#id` whose `attr` is `value` and that lie inside the chart's first grid (so legend
 * icons of the same colour are not counted): the drawn data elements (cells, bars, window bars).
 */
export function pathsInGrid(page: Page, id: string, attr: 'fill' | 'stroke', values: string[]): Promise<number> {
  return page.evaluate(
    ({ id, attr, values }) => {
      const g = globalThis as typeof globalThis & PageGlobals;
      const el = g.document.getElementById(id);
      const r = g.echarts.getInstanceByDom(el).getModel().getComponent('grid').coordinateSystem.getRect();
      return Array.from(el.querySelectorAll('svg path')).filter((p) => {
        if (!values.includes(p.getAttribute(attr) ?? '')) return false;
        const b = p.getBBox();
        return b.width > 0 && b.height > 0 && b.x >= r.x - 2 && b.y >= r.y - 2 && b.x + b.width <= r.x + r.width + 2 && b.y + b.height <= r.y + r.height + 2;
      }).length;
    },
    { id, attr, values },
  );
}

export function rendered(page: Page): Promise<Record<string, unknown>> {
  return page.evaluate(
    () => (globalThis as typeof globalThis & { fanfoldReport: { rendered: Record<string, Record<string, unknown>> } }).fanfoldReport.rendered['0'],
  );
}
