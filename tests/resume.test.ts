import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../src/types.js';
import { countRows } from './helpers.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'fanfold-resume-'));
const config = join(tmp, 'long.yaml');
// Long enough (a few seconds on two workers) to be stopped in the middle.
writeFileSync(
  config,
  `name: long
data: {synthetic: {bars: 30000, seed: 17}}
strategy: {type: sma_crossover, fast: "range(2, 60, 2)", slow: "range(20, 200, 10)"}
search: {constraints: ["strategy.fast < strategy.slow"]}
results: {storage: disk, store_trades: true}
execution: {executor: pool, workers: 2}
`,
);

type Row = Record<string, unknown>;
function storedRows(dir: string): Row[] {
  const db = new Database(join(dir, 'results.db'), { readonly: true });
  const rows = db
    .prepare(`SELECT trial_key, phase, window_start, window_end, trial, params, status, trades_file, ${METRIC_NAMES.join(', ')} FROM trials ORDER BY trial_key`)
    .all() as Row[];
  db.close();
  return rows;
}

function runDirOf(out: string): string {
  const dirs = readdirSync(join(out, 'long'));
  expect(dirs).toHaveLength(1);
  return join(out, 'long', dirs[0]);
}

/** Starts a run and stops it with `signal` once some (not all) trials are stored. */
async function interruptedRun(
  out: string,
  signal: NodeJS.Signals,
  total: number,
): Promise<{ code: number | null; stderr: string; dir: string; storedAtStop: number }> {
  const child = spawn(process.execPath, [CLI, 'run', config, '--out', out, '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let storedAtStop: number;
  for (;;) {
    await new Promise((r) => setTimeout(r, 25));
    if (child.exitCode !== null) throw new Error(`the run ended (code ${child.exitCode}) before it could be stopped: ${stderr}`);
    const dirs = existsSync(join(out, 'long')) ? readdirSync(join(out, 'long')) : [];
    if (dirs.length === 0) continue;
    storedAtStop = countRows(join(out, 'long', dirs[0]));
    if (storedAtStop > 0) break;
  }
  expect(storedAtStop).toBeLessThan(total);
  child.kill(signal);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { code, stderr, dir: runDirOf(out), storedAtStop };
}

describe('resume', () => {
  const referenceOut = join(tmp, 'reference');
  let reference: Row[] = [];
  let referencePhases: unknown = null;

  it('an uninterrupted run stores every trial', () => {
    const r = spawnSync(process.execPath, [CLI, 'run', config, '--out', referenceOut, '--quiet', '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    reference = storedRows(runDirOf(referenceOut));
    referencePhases = JSON.parse(r.stdout).phases;
    // The robustness figures are part of what a resume must reproduce (compared whole below).
    expect((referencePhases as { robustness: { trials: number; pbo: { value: number } } }[])[0].robustness.trials).toBe(reference.length);
    expect(reference.length).toBe(JSON.parse(r.stdout).phases[0].trials);
    expect(reference.length).toBeGreaterThan(300);
  }, 120_000);

  it('after kill -9 mid-sweep, --resume ends with exactly the rows of an uninterrupted run', async () => {
    const out = join(tmp, 'killed');
    const { dir, storedAtStop } = await interruptedRun(out, 'SIGKILL', reference.length);
    const afterKill = countRows(dir);
    expect(afterKill).toBeGreaterThanOrEqual(storedAtStop);
    expect(afterKill).toBeLessThan(reference.length);
    const r = spawnSync(process.execPath, [CLI, 'run', config, '--resume', dir, '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`${afterKill} trials already stored, not recomputed`);
    expect(JSON.parse(r.stdout).results_dir).toBe(dir);
    expect(JSON.parse(r.stdout).phases).toEqual(referencePhases);
    const rows = storedRows(dir);
    expect(rows).toEqual(reference);
  }, 120_000);

  it('Ctrl-C tells the resume command at once; a second Ctrl-C abandons the batches in flight and marks run.json interrupted', async () => {
    const out = join(tmp, 'abandoned');
    const child = spawn(process.execPath, [CLI, 'run', config, '--out', out, '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    for (;;) {
      await new Promise((r) => setTimeout(r, 25));
      if (child.exitCode !== null) throw new Error(`the run ended before it could be stopped: ${stderr}`);
      const dirs = existsSync(join(out, 'long')) ? readdirSync(join(out, 'long')) : [];
      if (dirs.length > 0 && countRows(join(out, 'long', dirs[0])) > 0) break;
    }
    const dir = runDirOf(out);
    const hint = `resume with: npx fanfold run ${config} --resume ${dir}`;
    child.kill('SIGINT');
    // The hint comes with the first Ctrl-C, before anything in flight has finished.
    for (let i = 0; i < 200 && !stderr.includes(hint); i++) await new Promise((r) => setTimeout(r, 10));
    expect(stderr).toContain(`stopping: finishing the batches in flight (Ctrl-C again to abandon them; at most 30 s)\n${hint}\n`);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(stderr).toContain(`abandoning the batches in flight; finished trials are stored\n${hint}\n`);
    const record = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { status: string; abandoned?: boolean; finished?: string };
    expect(record.status).toBe('interrupted');
    expect(record.abandoned).toBe(true);
    expect(typeof record.finished).toBe('string');
    const r = spawnSync(process.execPath, [CLI, 'run', config, '--resume', dir, '--quiet'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(storedRows(dir)).toEqual(reference);
    expect((JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { status: string }).status).toBe('completed');
  }, 120_000);

  it('Ctrl-C stops dispatching, exits 130 with the resume command, and the resumed run is complete', async () => {
    const out = join(tmp, 'interrupted');
    const { code, stderr, dir } = await interruptedRun(out, 'SIGINT', reference.length);
    expect(code).toBe(130);
    expect(stderr).toContain('stopping: finishing the batches in flight');
    expect(stderr).toContain(`resume with: npx fanfold run ${config} --resume ${dir}`);
    const r = spawnSync(process.execPath, [CLI, 'run', config, '--resume', dir, '--quiet'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(storedRows(dir)).toEqual(reference);
  }, 120_000);
});
