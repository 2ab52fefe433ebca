import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openWorkflow } from '../src/coordinator/open.js';
import { runWorkflow, type RunOptions } from '../src/coordinator/run-workflow.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { PoolExecutor } from '../src/executor/pool.js';
import { runWork, type WorkReply, type WorkTask } from '../src/batch/work.js';
import { writeIn, writeTwoPhaseSweep } from './helpers.js';
import { phaseOf, planFor } from './support/plan.js';

// The pool runs the compiled worker (dist/workers/entry.cjs, which imports batch.js); `npm test` builds it first.
const tmp = mkdtempSync(join(tmpdir(), 'fanfold-pool-'));

const write = (name: string, text: string): string => writeIn(tmp, name, text);

const sweep = writeTwoPhaseSweep(tmp, 'determinism');

async function runJson(options: RunOptions): Promise<unknown> {
  const { result } = await runWorkflow(await openWorkflow(sweep), { out: tmp, storage: 'memory', ...options });
  const { run_id: _id, results_dir: _dir, ...rest } = result;
  return rest;
}

/** Tasks of a small grid on generated data (plan on shared memory, as the pool gets it): points [from, from + 2). */
function tasksOf(name: string, bars: number, seed: number, strategy: string, storeTrades = false): (from: number) => WorkTask {
  const data = generateSynthetic({ bars, seed });
  const phase = phaseOf(
    tmp,
    name,
    `name: ${name}\ndata: {synthetic: {bars: ${bars}, seed: ${seed}}}\nstrategy: ${strategy}\nresults: {store_trades: ${storeTrades}}\n`,
  );
  const plan = planFor(phase, data.hash, [{ start: 0, end: bars }], { storeTrades }, true);
  return (from) => ({ plan, data, range: { from, to: from + 2, points: null }, skip: null });
}

/** A pool's reply equals the same task run in this thread (all but the time it took). */
function expectSameReply(got: WorkReply, task: WorkTask): void {
  const { ms: _a, ...expected } = runWork(task);
  const { ms: _b, ...rest } = got;
  expect(rest).toEqual(expected);
}

describe('pool executor', () => {
  it('gives the same JSON as inline for 1, 2 and 4 workers and any batch size', async () => {
    const reference = await runJson({ executor: 'inline' });
    expect((reference as { phases: { trials: number }[] }).phases.map((p) => p.trials)).toEqual([32, 16]);
    for (const [workers, maxBatch] of [
      [1, 4096],
      [2, 1],
      [2, 7],
      [4, 5],
    ] as const) {
      expect(await runJson({ executor: 'pool', workers, maxBatch })).toEqual(reference);
    }
    // inline with tiny batches too: batching never changes a set's result.
    expect(await runJson({ executor: 'inline', maxBatch: 3 })).toEqual(reference);
    // No room for shared feature columns: every batch updates its features bar by bar, same bits.
    const { result } = await runWorkflow(await openWorkflow(sweep, ['execution.feature_memory_mb=0']), {
      out: tmp,
      storage: 'memory',
      executor: 'pool',
      workers: 2,
      maxBatch: 5,
    });
    const { run_id: _id, results_dir: _dir, ...rest } = result;
    expect(rest).toEqual(reference);
  });

  it('recycled workers give the same results', async () => {
    const task = tasksOf('recycle', 800, 4, '{type: sma_crossover, fast: [5, 8, 13, 21], slow: [34, 55]}', true);
    const pool = new PoolExecutor({ workers: 2, maxTasksPerWorker: 1 });
    try {
      for (let i = 0; i < 8; i += 2) expectSameReply(await pool.run(task(i), 0), task(i));
      expect(pool.recycled).toBeGreaterThanOrEqual(3);
    } finally {
      await pool.close();
    }
  });

  it('recycling with tasks already queued on the worker loses none of them', async () => {
    const task = tasksOf('recycle-queued', 600, 6, '{type: sma_crossover, fast: 2, slow: "range(3, 62, 1)"}');
    const pool = new PoolExecutor({ workers: 2, maxTasksPerWorker: 1 });
    try {
      const got = await Promise.all(Array.from({ length: 30 }, (_, i) => pool.run(task(2 * i), 0)));
      got.forEach((reply, i) => expectSameReply(reply, task(2 * i)));
      expect(pool.recycled).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  });

  it('more tasks at once than threads queue and all equal the inline results; rows come back on buffers of their own', async () => {
    const task = tasksOf('queue', 600, 6, '{type: sma_crossover, fast: 2, slow: [3, 5, 8, 13, 21, 34, 55, 89, 144, 233]}');
    const pool = new PoolExecutor({ workers: 1 });
    try {
      const got = await Promise.all([0, 2, 4, 6, 8].map((i) => pool.run(task(i), 0)));
      for (const [n, reply] of got.entries()) {
        expectSameReply(reply, task(2 * n));
        expect(reply.rows.byteOffset).toBe(0);
        expect(reply.rows.buffer.byteLength).toBe(reply.rows.byteLength);
      }
    } finally {
      await pool.close();
    }
  });

  it('isolates a strategy that throws, one that exits its worker, one that hangs and one that runs out of memory; the rest complete', async () => {
    const plugins = join(tmp, 'faulty');
    mkdirSync(plugins, { recursive: true });
    writeFileSync(
      join(plugins, 'faulty.mjs'),
      `export const faulty = {
  kind: 'strategy', name: 'faulty', description: 'fails on purpose for some n', stateSize: 0,
  params: [{ name: 'n', type: 'int', default: 5, min: 1, description: 'n' }],
  prepare: (raw) => ({ n: raw.n ?? 5 }),
  features: (p) => [\`sma(\${p.n})\`],
  signal(f, cols, bar, p) {
    if (p.n === 7) throw new Error('seven is cursed');
    if (p.n === 9 && bar.index === 50) process.exit(3);
    if (p.n === 11 && bar.index === 50) for (;;) {}
    if (p.n === 15 && bar.index === 50) { const hoard = []; for (;;) hoard.push(new Array(1e5).fill(bar.index)); }
    return bar.close > f[cols[0]] ? 1 : 0;
  },
};`,
    );
    const config = write(
      'faulty.yaml',
      `name: faulty\nplugins: [${plugins}]\ndata: {synthetic: {bars: 400, seed: 2}}\nstrategy: {type: faulty, n: [5, 7, 9, 11, 13, 15]}\n`,
    );
    const { result } = await runWorkflow(await openWorkflow(config), {
      out: tmp,
      executor: 'pool',
      workers: 2,
      storage: 'memory',
      pool: { taskTimeoutMs: 3000, maxOldGenerationMb: 96 },
    });
    const phase = result.phases[0];
    expect(phase.trials).toBe(6);
    expect(phase.failed).toBe(4);
    expect(phase.runs!.map((r) => r.params)).toEqual([{ 'strategy.n': 5 }, { 'strategy.n': 13 }]);
    const errors = Object.fromEntries(phase.failures!.map((f) => [String(f.params['strategy.n']), f.error]));
    expect(errors['7']).toContain('seven is cursed');
    expect(errors['9']).toMatch(/exit/i);
    expect(errors['11']).toContain('timed out after 3000 ms');
    expect(errors['15']).toMatch(/memory/i);
    // The survivors equal an inline run of the same sets.
    const inline = await runWorkflow(
      await openWorkflow(write('ok.yaml', `name: ok\nplugins: [${plugins}]\ndata: {synthetic: {bars: 400, seed: 2}}\nstrategy: {type: faulty, n: [5, 13]}\n`)),
      { out: tmp, executor: 'inline', storage: 'memory' },
    );
    expect(phase.runs!.map((r) => r.metrics)).toEqual(inline.result.phases[0].runs!.map((r) => r.metrics));
  }, 60_000);
});
