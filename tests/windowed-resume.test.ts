import { mkdtempSync } from 'node:fs';
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
      first = await runWorkflow(await openWorkflow(config), { out: tmp, executor: 'pool', workers: 2, maxBatch: 2, resultsThread: true, signal: stop.signal, onRunDirectory: (d) => (dir = d) });
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
