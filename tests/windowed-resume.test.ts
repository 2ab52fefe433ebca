import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openWorkflow } from '../src/coordinator/open.js';
import { runWorkflow, type RunOptions } from '../src/coordinator/run-workflow.js';
import { countRows, writeIn } from './helpers.js';

/**
 * Windowed sequences on the pool with the results store in its own thread: every window's search
 * and test run at once, in small batches, must give exactly the inline executor's JSON; and a run
 * stopped part-way, then resumed, must give it too, recomputing nothing it had stored.
 */

const tmp = mkdtempSync(join(tmpdir(), 'fanfold-windowed-'));
const CLI = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');
const body = `data: {synthetic: {bars: 2400, symbols: [A, B], seed: 31}}
strategy: {type: sma_crossover, fast: [3, 5, 8, 13], slow: [21, 34, 55]}
risk: {sizing: {percent_equity: 0.5}, stop_loss: [null, 0.05]}
broker: {commission: {percent: 0.001}}
search: {objective: sharpe}
results: {storage: memory, store_trades: true}
`;
const configs = {
  walk_forward: writeIn(tmp, 'wf.yaml', `name: wf\n${body}sequence: {type: walk_forward, train: 600, test: 200}\n`),
  k_fold: writeIn(tmp, 'kf.yaml', `name: kf\n${body}sequence: {type: k_fold, folds: 4, purge: 10, embargo: 10}\n`),
};

async function json(config: string, options: RunOptions): Promise<{ json: unknown; dir: string; log: string[] }> {
  const log: string[] = [];
  const { result } = await runWorkflow(await openWorkflow(config), { out: tmp, log: (l) => log.push(l), ...options });
  const { run_id: _id, results_dir: dir, ...rest } = result;
  return { json: rest, dir, log };
}

describe.each(Object.entries(configs))('%s on the pool, results in their own thread', (_name, config) => {
  it('equals inline; stopped part-way and resumed, equals it again and recomputes nothing stored', async () => {
    const reference = await json(config, { executor: 'inline' });
    const pooled = await json(config, { executor: 'pool', workers: 2, maxBatch: 3, resultsThread: true });
    expect(pooled.json).toEqual(reference.json);

    const stop = new AbortController();
    let dir = '';
    const watch = setInterval(() => {
      if (dir !== '' && countRows(dir) > 40) stop.abort();
    }, 5);
    let first;
    try {
      first = await runWorkflow(await openWorkflow(config), {
        out: tmp,
        executor: 'pool',
        workers: 2,
        maxBatch: 2,
        resultsThread: true,
        signal: stop.signal,
        onRunDirectory: (d) => (dir = d),
      });
    } finally {
      clearInterval(watch);
    }
    expect(first.interrupted).toBe(true);
    const stored = countRows(dir);
    expect(stored).toBeGreaterThan(0);
    const resumed = await json(config, { executor: 'pool', workers: 2, maxBatch: 3, resultsThread: true, resume: dir });
    expect(resumed.json).toEqual(reference.json);
    const restored = resumed.log.map((l) => /^phase \w+: (\d+) trials already stored, not recomputed$/.exec(l)).find((m) => m !== null);
    expect(Number(restored![1])).toBeGreaterThan(0);
    expect(Number(restored![1])).toBeLessThanOrEqual(stored);
  });
});

describe('resume, other storage and changed configs', () => {
  // Long enough (a second or two on two workers) to be killed in the middle.
  const single = writeIn(
    tmp,
    'single.yaml',
    `name: single\n${body.replace('bars: 2400', 'bars: 30000').replace('storage: memory', 'storage: hybrid').replace('store_trades: true', 'store_trades: true, top_k: 4').replace('fast: [3, 5, 8, 13]', 'fast: "range(2, 60, 2)"').replace('objective: sharpe', 'objective: trades')}`,
  );

  async function interrupted(config: string, atRows: number): Promise<string> {
    const stop = new AbortController();
    let dir = '';
    const watch = setInterval(() => {
      if (dir !== '' && countRows(dir) >= atRows) stop.abort();
    }, 5);
    try {
      const first = await runWorkflow(await openWorkflow(config), {
        out: tmp,
        executor: 'pool',
        workers: 2,
        maxBatch: 2,
        signal: stop.signal,
        onRunDirectory: (d) => (dir = d),
      });
      expect(first.interrupted).toBe(true);
    } finally {
      clearInterval(watch);
    }
    return dir;
  }

  it('hybrid: after kill -9, the top sets restored by the resume come back with their trades', async () => {
    const reference = await json(single, { executor: 'inline' });
    const runs = (reference.json as { phases: { runs: { trades?: unknown[] }[] }[] }).phases[0].runs;
    expect(runs).toHaveLength(4);
    expect(runs.every((r) => Array.isArray(r.trades))).toBe(true);
    // Ranked by trade count, the best sets are the fastest averages, first in grid order: killed
    // after 60 of the 174 sets, they are stored — without trades, which hybrid storage writes for
    // the top-k at the phase's end, which never came.
    const out = join(tmp, 'killed');
    const child = spawn(process.execPath, [CLI, 'run', single, '--out', out, '--quiet', '--executor', 'pool', '--workers', '2'], { stdio: 'ignore' });
    let dir = '';
    for (let waited = 0; waited < 30_000; waited += 5) {
      await new Promise((r) => setTimeout(r, 5));
      const runs = existsSync(join(out, 'single')) ? readdirSync(join(out, 'single')) : [];
      if (runs.length === 1) dir = join(out, 'single', runs[0]);
      if (dir !== '' && countRows(dir) >= 60) break;
      if (child.exitCode !== null) throw new Error('the run ended before it could be killed');
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).status).toBe('running');
    const resumed = await json(single, { executor: 'pool', workers: 2, resume: dir });
    expect(resumed.json).toEqual(reference.json);
  });

  it('a resume with a changed config recomputes the changed sets and lists only them', async () => {
    const changed = ['broker.commission.percent=0.002'];
    const dir = await interrupted(configs.walk_forward, 10);
    const log: string[] = [];
    const { result } = await runWorkflow(await openWorkflow(configs.walk_forward, changed), {
      executor: 'pool',
      workers: 2,
      resume: dir,
      log: (l) => log.push(l),
    });
    const { result: fresh } = await runWorkflow(await openWorkflow(configs.walk_forward, changed), { out: tmp, executor: 'inline' });
    const strip = ({ run_id: _a, results_dir: _b, ...rest }: typeof result) => rest;
    expect(strip(result)).toEqual(strip(fresh));
    // Every stored trial belonged to the old commission: none was reused.
    expect(log.some((l) => /trials already stored/.test(l))).toBe(false);
  });
});
