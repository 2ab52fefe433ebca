import Database from 'better-sqlite3';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../src/config/workflow.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';
import type { SearchJson } from '../src/sequencer/search-json.js';
import { dominates } from '../src/search/samplers/pareto.js';
import { countRows } from './helpers.js';

/**
 * tpe, cmaes, nsga2 and the successive-halving pruner run end to end on ORCL: the same trials for
 * every executor, worker count and task size, after a resume too; the pruner's choices and the
 * Pareto front checked against the rows the store holds.
 */
const tmp = mkdtempSync(join(tmpdir(), 'fanfold-model-search-'));
const ORCL = '/work/shared/data/orcl-1995-2014.txt';

function write(name: string, search: string, extra = ''): string {
  const file = join(tmp, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
data: {path: ${ORCL}, symbol: ORCL}
strategy: {type: sma_crossover, fast: "range(2, 100, 2)", slow: "range(20, 300, 10)"}
risk: {stop_loss: [null, 0.05]}
broker: {commission: {percent: 0.001}}
search: {objective: sharpe, constraints: ["strategy.fast < strategy.slow"], robustness: false, ${search}}
results: {storage: disk, store_trades: false, top_k: 5}
${extra}`,
  );
  return file;
}

type Phase = {
  trials: number;
  best?: { params: Record<string, unknown>; metrics: Record<string, number | null> };
  search: SearchJson;
  windows?: { search: Record<string, unknown> }[];
};
const phaseOf = async (file: string, options: Parameters<typeof runWorkflow>[1]): Promise<Phase> =>
  (await runWorkflow(loadWorkflow(file), { out: tmp, ...options })).result.phases[0] as Phase;

function rows(dir: string, sql: string, ...args: unknown[]): Record<string, unknown>[] {
  const db = new Database(join(dir, 'results.db'), { readonly: true });
  const out = db.prepare(sql).all(...args) as Record<string, unknown>[];
  db.close();
  return out;
}

describe('model-based search on ORCL', () => {
  const tpe = write('tpe', 'method: tpe, trials: 120, seed: 3, batch: 16');

  it('tpe: the same trials, history and best inline, on 1 or 2 workers and with any task size', async () => {
    const inline = await phaseOf(tpe, { executor: 'inline' });
    expect(inline.search.trials).toBe(120);
    expect(inline.search.batches).toBe(Math.ceil(120 / 16));
    expect(new Set(inline.search.history!.trial).size).toBe(120);
    // The running best is the best complete value so far, and the phase's best is its last.
    const h = inline.search.history!;
    let best = -Infinity;
    h.value.forEach((v, i) => {
      if (h.status[i] === 'complete' && v !== null) best = Math.max(best, v);
      expect(h.best[i]).toBe(best === -Infinity ? null : best);
    });
    expect(inline.best!.metrics.sharpe).toBe(h.best[119]);
    for (const options of [
      { executor: 'pool' as const, workers: 2 },
      { executor: 'pool' as const, workers: 1, maxBatch: 3 },
    ]) {
      const other = await phaseOf(tpe, options);
      expect(other.search).toEqual(inline.search);
      expect(other.best).toEqual(inline.best);
    }
    // Importance shares sum to 1 over the three swept parameters.
    const shares = inline.search.importance!.parameters.map((p) => p.share!);
    expect(shares).toHaveLength(3);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('tpe: another batch size gives other proposals (they depend on it), the same seed the same ones', async () => {
    const a = await phaseOf(write('tpe_b8', 'method: tpe, trials: 40, seed: 3, batch: 8'), { executor: 'inline' });
    const b = await phaseOf(write('tpe_b20', 'method: tpe, trials: 40, seed: 3, batch: 20'), { executor: 'inline' });
    // The first 10 are the startup trials of batch 0's stream: equal; later ones differ.
    expect(a.search.history!.trial.slice(0, 8)).toEqual(b.search.history!.trial.slice(0, 8));
    expect(a.search.history!.trial).not.toEqual(b.search.history!.trial);
  });

  it('tpe: an interrupted run resumed gives the trials of an uninterrupted one, and computes only what was missing', async () => {
    const file = write('tpe_resume', 'method: tpe, trials: 200, seed: 5, batch: 8');
    const reference = await phaseOf(file, { executor: 'inline' });
    const out = join(tmp, 'resume');
    const controller = new AbortController();
    const running = runWorkflow(loadWorkflow(file), { out, executor: 'pool', workers: 2, signal: controller.signal, runId: 'stopped', maxBatch: 2 });
    const dir = join(out, 'tpe_resume', 'stopped');
    for (;;) {
      await new Promise((r) => setTimeout(r, 5));
      if (countRows(dir) >= 20) break;
    }
    controller.abort();
    const stopped = await running;
    expect(stopped.interrupted).toBe(true);
    const storedAtStop = countRows(dir);
    expect(storedAtStop).toBeLessThan(200);
    const resumed = (await runWorkflow(loadWorkflow(file), { resume: dir, executor: 'inline' })).result.phases[0] as Phase;
    expect(resumed.search).toEqual(reference.search);
    expect(resumed.best).toEqual(reference.best);
    expect(countRows(dir)).toBe(200);
  });

  it('successive halving over a grid: each rung keeps the best third of its trials on its history prefix; the rest are stored as pruned', async () => {
    const file = write('halving', 'method: grid, pruner: {type: successive_halving, rungs: [0.25, 0.5, 1.0], keep: 0.33}');
    const out = join(tmp, 'halving');
    const phase = (await runWorkflow(loadWorkflow(file), { out, executor: 'inline', runId: 'h' })).result.phases[0] as Phase;
    const dir = join(out, 'halving', 'h');
    const s = phase.search;
    const n = s.rungs![0].trials;
    expect(n).toBe(rows(dir, 'SELECT count(*) AS n FROM trials WHERE window_end = ?', Math.round(0.25 * 5036))[0].n);
    expect(s.rungs!.map((r) => r.bars)).toEqual([Math.round(0.25 * 5036), Math.round(0.5 * 5036), 5036]);
    expect(s.rungs![0].promoted).toBe(Math.ceil(0.33 * n));
    expect(s.rungs![1].trials).toBe(Math.ceil(0.33 * n));
    expect(s.rungs![1].promoted).toBe(Math.ceil(0.33 * Math.ceil(0.33 * n)));
    expect(s.rungs![2].trials).toBe(s.rungs![1].promoted);
    expect(s.pruned).toBe(n - s.rungs![2].trials);
    expect(s.trials).toBe(n);
    // The promoted ones are the top third by rung-0 sharpe (undefined last, ties to the lower grid index).
    const rung0 = rows(dir, 'SELECT trial, sharpe, status FROM trials WHERE window_end = ? ORDER BY trial', Math.round(0.25 * 5036)) as {
      trial: number;
      sharpe: number | null;
      status: string;
    }[];
    const order = [...rung0].sort((a, b) => (b.sharpe ?? -Infinity) - (a.sharpe ?? -Infinity) || a.trial - b.trial);
    const top = new Set(order.slice(0, Math.ceil(0.33 * n)).map((r) => r.trial));
    for (const r of rung0) expect(r.status).toBe(top.has(r.trial) ? 'ok' : 'pruned');
    const rung1 = rows(dir, 'SELECT trial FROM trials WHERE window_end = ? ORDER BY trial', Math.round(0.5 * 5036)).map((r) => r.trial);
    expect(rung1).toEqual([...top].sort((a, b) => a - b));
    // The phase's best is the best complete trial on the whole window.
    const full = rows(dir, "SELECT max(sharpe) AS best FROM trials WHERE window_end = 5036 AND status = 'ok'")[0].best;
    expect(phase.best!.metrics.sharpe).toBe(full);
  });

  it('nsga2: the Pareto front is exactly the non-dominated complete trials, best by the first objective', async () => {
    const file = write(
      'nsga',
      'method: nsga2, trials: 150, seed: 1, nsga2: {population: 30}, objectives: [{metric: sharpe, direction: max}, {metric: max_drawdown, direction: min}]',
    );
    const out = join(tmp, 'nsga');
    const phase = (await runWorkflow(loadWorkflow(file), { out, executor: 'inline', runId: 'n' })).result.phases[0] as Phase;
    const dir = join(out, 'nsga', 'n');
    const all = rows(dir, "SELECT trial, sharpe, max_drawdown FROM trials WHERE status = 'ok' AND sharpe IS NOT NULL AND max_drawdown IS NOT NULL") as {
      trial: number;
      sharpe: number;
      max_drawdown: number;
    }[];
    expect(all.length).toBe(phase.search.complete);
    const losses = all.map((r) => [-r.sharpe, r.max_drawdown]);
    const front = all
      .filter((_, i) => !losses.some((l) => dominates(l, losses[i])))
      .map((r) => r.trial)
      .sort((a, b) => a - b);
    expect(phase.search.pareto!.map((p) => p.trial).sort((a, b) => a - b)).toEqual(front);
    expect(phase.best!.metrics.sharpe).toBe(Math.max(...all.map((r) => r.sharpe)));
    expect(phase.search.batch).toBe(30);
  });

  it('cmaes over numeric ranges; walk_forward windows each search with their own stream of the seed', async () => {
    const cma = await phaseOf(write('cma', 'method: cmaes, trials: 60, seed: 2', ''), { executor: 'inline' }).catch((e: unknown) => e);
    // stop_loss is a list: cmaes refuses it with a config error naming the method.
    expect(String(cma)).toContain('cmaes searches numeric ranges only');
    const file = join(tmp, 'cma2.yaml');
    writeFileSync(
      file,
      `name: cma2
data: {path: ${ORCL}, symbol: ORCL}
strategy: {type: sma_crossover, fast: "range(2, 100, 2)", slow: "range(20, 300, 10)"}
search: {objective: sharpe, robustness: false, method: cmaes, trials: 60, seed: 2}
sequence: {type: walk_forward, train: 1500, test: 500}
results: {storage: disk, store_trades: false, top_k: 5}
`,
    );
    const wf = await phaseOf(file, { executor: 'inline' });
    expect(wf.windows!.length).toBeGreaterThan(2);
    wf.windows!.forEach((w, i) => {
      expect(w.search.stream).toBe(i);
      expect(w.search.batch).toBe(4 + Math.floor(3 * Math.log(2)));
      expect(w.search.trials as number).toBeLessThanOrEqual(60);
    });
    const pool = await phaseOf(file, { executor: 'pool', workers: 2 });
    expect(pool.windows).toEqual(wf.windows);
  });

  it('search.timeout: no batch is proposed after the deadline; what ran is stored and reported', async () => {
    const file = write('timeout', 'method: tpe, trials: 5000, seed: 1, batch: 16, timeout: 1s');
    const out = join(tmp, 'timeout');
    const phase = (await runWorkflow(loadWorkflow(file), { out, executor: 'inline', runId: 't' })).result.phases[0] as Phase;
    expect(phase.search.stopped).toBe('timeout');
    expect(phase.search.trials).toBeGreaterThan(0);
    expect(phase.search.trials).toBeLessThan(phase.search.budget);
    expect(phase.search.trials % 16).toBe(0);
    expect(countRows(join(out, 'timeout', 't'))).toBe(phase.search.trials);
  });
});
