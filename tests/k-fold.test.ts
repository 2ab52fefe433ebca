import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../src/config/workflow.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';
import { parameterSetOf } from '../src/config/resolve.js';
import { metricsJson, type MetricsJson } from '../src/contract.js';
import { combineSegments, kFolds } from '../src/sequencer/folds.js';
import type { KFoldSummary } from '../src/sequencer/k-fold.js';
import { aggregate, summarize } from '../src/sequencer/aggregate.js';
import { runBacktest } from '../src/topology/run-sets.js';
import { withStrategy } from './support/config.js';

const tmp = mkdtempSync(join(tmpdir(), 'fanfold-kfold-'));

describe('k_fold folds', () => {
  it('cuts the bars into contiguous folds; train is the rest minus purge before and embargo after the test fold', () => {
    // 10 bars, 3 folds: ⌊0⌋, ⌊10/3⌋ = 3, ⌊20/3⌋ = 6, 10.
    expect(kFolds(10, { folds: 3 }, 252)).toEqual([
      { test: { start: 0, end: 3 }, train: [{ start: 3, end: 10 }] },
      {
        test: { start: 3, end: 6 },
        train: [
          { start: 0, end: 3 },
          { start: 6, end: 10 },
        ],
      },
      { test: { start: 6, end: 10 }, train: [{ start: 0, end: 6 }] },
    ]);
    // purge 1 drops the bar just before the test fold, embargo 2 the two just after it.
    expect(kFolds(10, { folds: 3, purge: 1, embargo: 2 }, 252)).toEqual([
      { test: { start: 0, end: 3 }, train: [{ start: 5, end: 10 }] },
      {
        test: { start: 3, end: 6 },
        train: [
          { start: 0, end: 2 },
          { start: 8, end: 10 },
        ],
      },
      { test: { start: 6, end: 10 }, train: [{ start: 0, end: 5 }] },
    ]);
    // Durations: 1w of daily bars = round(7 / 365.25 × 252) = round(4.83) = 5 bars.
    expect(kFolds(100, { folds: 4, purge: '1w' }, 252)[1]).toEqual({
      test: { start: 25, end: 50 },
      train: [
        { start: 0, end: 20 },
        { start: 50, end: 100 },
      ],
    });
    expect(() => kFolds(10, { folds: 2, purge: 5, embargo: 5 }, 252)).toThrow(/fold 1 of 2 has no train bars left/);
    expect(() => kFolds(3, { folds: 4 }, 252)).toThrow(/3 bars cannot be cut into 4 folds/);
  });

  it('combines segment metrics by the documented rules (hand-computed)', () => {
    const m = (o: Partial<MetricsJson>): MetricsJson => ({
      final_equity: 0,
      total_return: 0,
      cagr: null,
      volatility: null,
      sharpe: null,
      sortino: null,
      max_drawdown: 0,
      calmar: null,
      trades: 0,
      win_rate: null,
      profit_factor: null,
      exposure: null,
      ...o,
    });
    const c = combineSegments(
      [
        {
          metrics: m({ total_return: 0.1, sharpe: 1, cagr: 0.2, max_drawdown: 0.05, trades: 3, win_rate: 1 / 3, profit_factor: null, exposure: 0.5 }),
          bars: 100,
        },
        {
          metrics: m({ total_return: -0.2, sharpe: -0.5, cagr: null, max_drawdown: 0.25, trades: 1, win_rate: 0, profit_factor: 0.5, exposure: 1 }),
          bars: 300,
        },
      ],
      1000,
    );
    expect(c.total_return).toBeCloseTo(1.1 * 0.8 - 1, 15); // −0.12
    expect(c.final_equity).toBeCloseTo(880, 9);
    expect(c.trades).toBe(4);
    expect(c.max_drawdown).toBe(0.25);
    expect(c.sharpe).toBe((1 * 100 + -0.5 * 300) / 400); // −0.125
    expect(c.cagr).toBe(0.2); // the null segment is left out
    expect(c.win_rate).toBe(((1 / 3) * 3) / 4); // weighted by trades: 0.25
    expect(c.profit_factor).toBe(0.5);
    expect(c.exposure).toBe((0.5 * 100 + 1 * 300) / 400);
    expect(c.sortino).toBeNull();
  });

  it('aggregates: mean, sample sd, min, max, interpolated percentiles; nulls left out', () => {
    const s = summarize([1, null, 4, 2, 3]);
    expect(s).toEqual({
      n: 4,
      mean: 2.5,
      std: Math.sqrt(5 / 3),
      min: 1,
      max: 4,
      percentiles: { p5: 1.15, p25: 1.75, p50: 2.5, p75: 3.25, p95: 3.8499999999999996 },
    });
    expect(summarize([7]).std).toBeNull();
    expect(summarize([null]).mean).toBeNull();
  });
});

describe('k_fold sequence', () => {
  const config = (): string => {
    const file = join(tmp, 'kf.yaml');
    writeFileSync(
      file,
      `name: kf
data: {synthetic: {bars: 1200, seed: 5}}
strategy: {type: sma_crossover, fast: [5, 10, 20], slow: [30, 60]}
broker: {commission: {percent: 0.0005}}
search: {objective: sharpe, min_trades: 2}
sequence: {type: k_fold, folds: 4, purge: 10, embargo: 15}
results: {store_trades: false}
`,
    );
    return file;
  };

  it('each fold picks the best combined train set and runs it on the test fold (recomputed by hand through runBacktest)', async () => {
    const { result, phases } = await runWorkflow(loadWorkflow(config()), { out: tmp, executor: 'inline', storage: 'memory' });
    const phase = result.phases[0];
    const kf = phase.k_fold as KFoldSummary;
    const data = phases[0].data;
    const base = phases[0].config;
    // 4 folds of 300 bars; segments: [315,1200) | [0,290)+[615,1200) | [0,590)+[915,1200) | [0,890).
    expect(kf.folds.map((f) => f.train_segments)).toEqual([
      [[315, 1200]],
      [
        [0, 290],
        [615, 1200],
      ],
      [
        [0, 590],
        [915, 1200],
      ],
      [[0, 890]],
    ]);
    expect(phase.trials).toBe(6 * 6); // 6 distinct segments × 6 sets
    const sets = [5, 10, 20].flatMap((fast) => [30, 60].map((slow) => ({ fast, slow })));
    for (const fold of kf.folds) {
      let bestValue = -Infinity;
      let chosen: { fast: number; slow: number } | null = null;
      let chosenMetrics: MetricsJson | null = null;
      for (const p of sets) {
        const set = parameterSetOf(withStrategy(base, p));
        const parts = fold.train_segments.map(([start, end]) => ({
          metrics: metricsJson(runBacktest(data, set, { window: { start, end } }).metrics),
          bars: end - start,
        }));
        const m = combineSegments(parts, base.capital);
        // Strictly better only: ties keep the earlier grid point.
        if (m.sharpe !== null && m.trades! >= 2 && m.sharpe > bestValue) {
          bestValue = m.sharpe;
          chosen = p;
          chosenMetrics = m;
        }
      }
      expect(fold.best!.params).toEqual({ 'strategy.fast': chosen!.fast, 'strategy.slow': chosen!.slow });
      expect(fold.best!.metrics).toEqual(chosenMetrics);
      const set = parameterSetOf(withStrategy(base, chosen!));
      expect(fold.test_metrics).toEqual(metricsJson(runBacktest(data, set, { window: { start: fold.test[0], end: fold.test[1] } }).metrics));
    }
    expect(kf.aggregate).toEqual(aggregate(kf.folds.map((f) => f.test_metrics)));
    expect(kf.aggregate.sharpe.n).toBe(4);
    expect(kf.stability['strategy.fast'].values).toEqual(kf.folds.map((f) => f.best!.params['strategy.fast']));
  });

  it("stitches the test folds in time order, each compounding on the previous one's end (recomputed through runBacktest's curves)", async () => {
    const { result, phases } = await runWorkflow(loadWorkflow(config()), { out: tmp, executor: 'inline', storage: 'memory' });
    const kf = result.phases[0].k_fold as KFoldSummary;
    const data = phases[0].data;
    const base = phases[0].config;
    let level = base.capital;
    const expected: number[] = [];
    for (const fold of kf.folds) {
      const p = fold.best!.params;
      const set = parameterSetOf(withStrategy(base, { fast: p['strategy.fast'], slow: p['strategy.slow'] }));
      const r = runBacktest(data, set, { window: { start: fold.test[0], end: fold.test[1] }, recordCurves: true });
      const scale = level / base.capital;
      for (const e of r.curve!.equity) expected.push(e * scale);
      level = r.curve!.equity[r.curve!.equity.length - 1] * scale;
    }
    // The folds cover the 1,200 bars once.
    expect(expected.length).toBe(1200);
    expect(kf.oos_equity).toEqual(expected);
    expect(kf.oos_metrics.final_equity).toBe(level);
    expect(kf.oos_metrics.total_return).toBe(level / base.capital - 1);
    expect(kf.oos_metrics.trades).toBe(kf.folds.reduce((a, f) => a + f.test_metrics!.trades!, 0));
  });

  it('the pool gives exactly the inline result', async () => {
    const strip = (r: { run_id: string; results_dir: string }): unknown => ({ ...r, run_id: null, results_dir: null });
    const inline = await runWorkflow(loadWorkflow(config()), { out: tmp, executor: 'inline', storage: 'memory' });
    const pool = await runWorkflow(loadWorkflow(config()), { out: tmp, executor: 'pool', workers: 2, maxBatch: 2, storage: 'memory' });
    expect(strip(pool.result)).toEqual(strip(inline.result));
  });
});
