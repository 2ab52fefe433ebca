import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../src/config/workflow.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';
import { parameterSetOf } from '../src/config/resolve.js';
import { MetricsAccumulator } from '../src/metrics/accumulator.js';
import { metricsJson } from '../src/contract.js';
import { aggregate } from '../src/sequencer/aggregate.js';
import type { CpcvSummary } from '../src/sequencer/cpcv.js';
import { cpcvLayout } from '../src/sequencer/cpcv-splits.js';
import { runBacktest } from '../src/topology/run-sets.js';
import { withStrategy } from './support/config.js';

const tmp = mkdtempSync(join(tmpdir(), 'fanfold-cpcv-'));

describe('cpcv splits and paths', () => {
  it('12 bars, 4 groups, 2 test groups, purge 1, embargo 1 (by hand)', () => {
    const l = cpcvLayout(12, { groups: 4, test_groups: 2, purge: 1, embargo: 1 }, 252);
    expect(l.groupBounds).toEqual([
      { start: 0, end: 3 },
      { start: 3, end: 6 },
      { start: 6, end: 9 },
      { start: 9, end: 12 },
    ]);
    expect(l.splits.map((s) => s.test)).toEqual([
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 2],
      [1, 3],
      [2, 3],
    ]);
    // {0,1} drops [0,7); {0,2} drops [0,4) and [5,10), leaving bar 4 alone (no return: no segment);
    // {0,3} drops [0,4) and [8,12); {1,2} drops [2,10); {1,3} drops [2,7) and [8,12) (bar 7 alone); {2,3} drops [5,12).
    expect(l.splits.map((s) => s.train.map((w) => [w.start, w.end]))).toEqual([
      [[7, 12]],
      [[10, 12]],
      [[4, 8]],
      [
        [0, 2],
        [10, 12],
      ],
      [[0, 2]],
      [[0, 5]],
    ]);
    // C(3, 1) = 3 paths; group j's splits in order: 0 → {0,1,2}, 1 → {0,3,4}, 2 → {1,3,5}, 3 → {2,4,5}.
    expect(l.paths).toEqual([
      [0, 0, 1, 2],
      [1, 3, 3, 4],
      [2, 4, 5, 5],
    ]);
    expect(cpcvLayout(3000, { groups: 6, test_groups: 2 }, 252).paths.length).toBe(5);
    expect(() => cpcvLayout(12, { groups: 4, test_groups: 4 }, 252)).toThrow(/test_groups: expected 1 to 3/);
    expect(() => cpcvLayout(12, { groups: 2, test_groups: 1, purge: 6, embargo: 6 }, 252)).toThrow(/split 1 \(test groups 1\) has no train bars/);
  });
});

describe('cpcv sequence', () => {
  const config = (): string => {
    const file = join(tmp, 'cpcv.yaml');
    writeFileSync(
      file,
      `name: cv
data: {synthetic: {bars: 1200, seed: 5}}
strategy: {type: sma_crossover, fast: [5, 10, 20], slow: [30, 60]}
broker: {commission: {percent: 0.0005}}
search: {objective: sharpe, min_trades: 1}
sequence: {type: cpcv, groups: 5, test_groups: 2, purge: 10, embargo: 10}
results: {store_trades: false}
`,
    );
    return file;
  };

  it("each path stitches its groups' test runs of the splits it takes (recomputed through runBacktest)", async () => {
    const { result, phases } = await runWorkflow(loadWorkflow(config()), { out: tmp, executor: 'inline', storage: 'memory' });
    const phase = result.phases[0];
    const cv = phase.cpcv as CpcvSummary;
    const data = phases[0].data;
    const base = phases[0].config;
    expect(cv.splits.length).toBe(10);
    expect(cv.paths.length).toBe(4);
    const layout = cpcvLayout(1200, { groups: 5, test_groups: 2, purge: 10, embargo: 10 }, 252);
    expect(cv.splits.map((s) => s.train_segments)).toEqual(layout.splits.map((s) => s.train.map((w) => [w.start, w.end])));
    for (const path of cv.paths) {
      const acc = new MetricsAccumulator(base.capital);
      let level = base.capital;
      path.splits.forEach((split, j) => {
        const chosen = cv.splits[split - 1].best!;
        const set = parameterSetOf(withStrategy(base, { fast: chosen.params['strategy.fast'], slow: chosen.params['strategy.slow'] }));
        const [start, end] = cv.group_bounds[j];
        const r = runBacktest(data, set, { window: { start, end }, recordCurves: true, storeTrades: true });
        // The split's test metrics on this group are this run's.
        expect(cv.splits[split - 1].test_metrics[cv.splits[split - 1].test_groups.indexOf(j + 1)]).toEqual(metricsJson(r.metrics));
        const scale = level / base.capital;
        for (const t of r.trades ?? []) acc.onTrade(t.pnl * scale);
        for (let i = 0; i < r.curve!.equity.length; i++) acc.onBar(r.curve!.equity[i] * scale, r.curve!.exposed[i] === 1);
        level = r.curve!.equity[r.curve!.equity.length - 1] * scale;
      });
      expect(path.metrics).toEqual(metricsJson(acc.finish(252)));
    }
    expect(cv.distribution).toEqual(aggregate(cv.paths.map((p) => p.metrics)));
    expect(cv.path_equity.every((e) => e.length === 1200)).toBe(true);
    // Each split's robustness is over its train segments' returns, concatenated.
    const s0 = cv.splits[0];
    expect(s0.robustness!.returns).toBe(s0.train_segments.reduce((a, [s, e]) => a + e - s - 1, 0));
    expect((phase.robustness as { per: string; count: number }).count).toBe(10);
  });

  it('the pool gives exactly the inline result', async () => {
    const strip = (r: { run_id: string; results_dir: string }): unknown => ({ ...r, run_id: null, results_dir: null });
    const inline = await runWorkflow(loadWorkflow(config()), { out: tmp, executor: 'inline', storage: 'memory' });
    const pool = await runWorkflow(loadWorkflow(config()), { out: tmp, executor: 'pool', workers: 2, maxBatch: 2, storage: 'memory' });
    expect(strip(pool.result)).toEqual(strip(inline.result));
  });
});
