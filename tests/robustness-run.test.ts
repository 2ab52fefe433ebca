import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parameterSetOf } from '../src/config/resolve.js';
import { loadWorkflow } from '../src/config/workflow.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';
import type { Robustness } from '../src/robustness/figures.js';
import { momentsOf } from '../src/robustness/sharpe.js';
import { deflatedBenchmark, probabilisticSharpe } from '../src/robustness/deflated.js';
import { spaTest } from '../src/robustness/spa.js';
import { runBacktest } from '../src/topology/run-sets.js';
import { withStrategy } from './support/config.js';

/**
 * The robustness figures of a real sweep against an independent computation: every set backtested
 * on its own (runBacktest, the event-driven topology) with its equity curve, the return matrix
 * built from the curves, and CSCV done the plain way — each combination's in-sample and
 * out-of-sample returns concatenated and their Sharpe ratios computed by two-pass mean and sd.
 */

const tmp = mkdtempSync(join(tmpdir(), 'fanfold-robust-'));

function sharpe(r: readonly number[]): number {
  const n = r.length;
  if (n < 2) return -Infinity;
  const mean = r.reduce((a, b) => a + b, 0) / n;
  const ss = r.reduce((a, b) => a + (b - mean) ** 2, 0);
  return ss > 0 ? mean / Math.sqrt(ss / (n - 1)) : -Infinity;
}

function combinations(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  if (n < k) return [];
  return [...combinations(n - 1, k - 1).map((c) => [...c, n - 1]), ...combinations(n - 1, k)].sort((a, b) => {
    for (let i = 0; i < k; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
  });
}

describe('robustness of a sweep on ORCL', () => {
  const file = join(tmp, 'orcl.yaml');
  writeFileSync(
    file,
    `name: orcl
data: {path: /work/shared/data/orcl-1995-2014.txt, symbol: ORCL}
strategy: {type: sma_crossover, fast: [5, 10, 20, 40], slow: [50, 100, 150, 200]}
broker: {commission: {percent: 0.001}}
search: {objective: sharpe, robustness: {blocks: 8, spa: {bootstrap: 300, block: 10, seed: 3}}}
results: {storage: disk, store_trades: false, top_k: 4}
`,
  );

  it('PBO, slope, prob_loss, PSR, DSR, SPA and the plateau equal the plain computation', async () => {
    const { result, phases } = await runWorkflow(loadWorkflow(file), { out: tmp, executor: 'inline' });
    const phase = result.phases[0];
    const r = phase.robustness as Robustness;
    const data = phases[0].data;
    const base = phases[0].config;
    const grid = [5, 10, 20, 40].flatMap((fast) => [50, 100, 150, 200].map((slow) => ({ fast, slow })));
    const returns = grid.map((p) => {
      const set = parameterSetOf(withStrategy(base, p));
      const e = runBacktest(data, set, { recordCurves: true }).curve!.equity;
      return Array.from({ length: e.length - 1 }, (_, t) => e[t + 1] / e[t] - 1);
    });
    const n = returns[0].length;
    expect(r.trials).toBe(16);
    expect(r.returns).toBe(n);
    // CSCV the plain way, all C(8, 4) = 70 combinations.
    const S = 8;
    const blocks = Array.from({ length: S }, (_, j) => [Math.floor((j * n) / S), Math.floor(((j + 1) * n) / S)]);
    const side = (row: number[], chosen: number[]): number[] => chosen.flatMap((j) => row.slice(blocks[j][0], blocks[j][1]));
    let overfit = 0;
    let loss = 0;
    const pairs: [number, number][] = [];
    const combos = combinations(S, S / 2);
    for (const c of combos) {
      const rest = [...Array(S).keys()].filter((j) => !c.includes(j));
      const ins = returns.map((row) => sharpe(side(row, c)));
      const outs = returns.map((row) => sharpe(side(row, rest)));
      let best = 0;
      for (let k = 1; k < ins.length; k++) if (ins[k] > ins[best]) best = k;
      const x = outs[best];
      // Ranks compared with a tolerance: the engine's Sharpe ratios come from block sums.
      const below = outs.filter((y) => y < x - 1e-12).length;
      const equal = outs.filter((y) => Math.abs(y - x) <= 1e-12 || y === x).length;
      const w = (below + (equal + 1) / 2) / (outs.length + 1);
      if (Math.log(w / (1 - w)) <= 0) overfit++;
      if (!(x >= 0)) loss++;
      if (Number.isFinite(ins[best]) && Number.isFinite(x)) pairs.push([ins[best], x]);
    }
    expect(r.pbo!.combinations).toBe(70);
    expect(r.pbo!.value).toBe(overfit / 70);
    expect(r.pbo!.prob_loss).toBe(loss / 70);
    const mx = pairs.reduce((a, p) => a + p[0], 0) / pairs.length;
    const my = pairs.reduce((a, p) => a + p[1], 0) / pairs.length;
    const slope = pairs.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0) / pairs.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
    expect(r.pbo!.slope).toBeCloseTo(slope, 10);
    // PSR and DSR of the best set (by the objective, as the phase's best).
    const srs = returns.map((row) => sharpe(row));
    const mean = srs.reduce((a, b) => a + b, 0) / srs.length;
    const v = srs.reduce((a, b) => a + (b - mean) ** 2, 0) / (srs.length - 1);
    expect(r.sharpe_variance).toBeCloseTo(v, 14);
    const bestIndex = grid.findIndex((p) => p.fast === phase.best!.params['strategy.fast'] && p.slow === phase.best!.params['strategy.slow']);
    expect(r.best!.trial).toBe(bestIndex);
    const m = momentsOf(returns[bestIndex]);
    expect(r.psr).toBeCloseTo(probabilisticSharpe(m)!, 12);
    expect(r.sr0).toBeCloseTo(deflatedBenchmark(16, v)!, 12);
    expect(r.dsr).toBeCloseTo(probabilisticSharpe(m, deflatedBenchmark(16, v)!)!, 10);
    // SPA over the top 4 by sharpe against a flat benchmark.
    const top = srs
      .map((s, k) => [s, k])
      .sort((a, b) => b[0] - a[0] || a[1] - b[1])
      .slice(0, 4)
      .map(([, k]) => Float64Array.from(returns[k]));
    expect(r.spa!.p_value).toBe(spaTest(top, { bootstrap: 300, block: 10, seed: 3 }).p_value);
    // Plateau: the best set's 3 × 3 neighbourhood on the (fast, slow) grid, by hand.
    const value = (i: number, j: number): number | null => (i < 0 || j < 0 || i > 3 || j > 3 ? null : srs[i * 4 + j] * Math.sqrt(252));
    const bi = Math.floor(bestIndex / 4);
    const bj = bestIndex % 4;
    const hood = [-1, 0, 1].flatMap((di) => [-1, 0, 1].map((dj) => value(bi + di, bj + dj))).filter((x): x is number => x !== null);
    expect(r.plateau!.best!.sets).toBe(hood.length);
    expect(r.plateau!.best!.mean).toBeCloseTo(hood.reduce((a, b) => a + b, 0) / hood.length, 10);
    expect(r.plateau!.best!.worst).toBeCloseTo(Math.min(...hood), 10);
    expect(r.plateau!.dimensions).toEqual(['strategy.fast', 'strategy.slow']);
  }, 60_000);

  it('search.robustness: false leaves it out; the pool gives the inline figures bit for bit', async () => {
    const off = join(tmp, 'off.yaml');
    writeFileSync(off, `extends: ${file}\nsearch: {robustness: false}\n`);
    const none = await runWorkflow(loadWorkflow(off), { out: tmp, executor: 'inline' });
    expect(none.result.phases[0].robustness).toBeUndefined();
    const inline = await runWorkflow(loadWorkflow(file), { out: tmp, executor: 'inline' });
    const pool = await runWorkflow(loadWorkflow(file), { out: tmp, executor: 'pool', workers: 2, maxBatch: 3 });
    expect(pool.result.phases[0].robustness).toEqual(inline.result.phases[0].robustness);
    expect((inline.result.phases[0].robustness as Robustness).pbo!.value).not.toBeNull();
  }, 60_000);
});
