import type { TestReply } from '../batch/work.js';
import type { ValidatedPhase } from '../config/validate.js';
import { inferPeriodsPerYear } from '../data/load.js';
import type { MarketData } from '../data/series.js';
import type { Executor } from '../executor/executor.js';
import { MetricsAccumulator } from '../metrics/accumulator.js';
import { metricsJson } from '../contract.js';
import { aggregate } from './aggregate.js';
import { cpcvLayout, type CpcvSpec } from './cpcv-splits.js';
import { compactRobustness } from '../robustness/summary.js';
import { compactSearch } from './search-json.js';
import { combinedSearches, isoDay, searchOptionsOf, stabilityOf, summariseRobustness, testRun, type PhaseRun } from './phase-run.js';
import type { CpcvPath, CpcvSplitResult, CpcvSummary } from './phase-result.js';
import { BatchSizer, runSearch, type SearchOptions } from './run-search.js';

export type { CpcvSpec, CpcvPath, CpcvSplitResult, CpcvSummary };

/**
 * CPCV: every split is one search over its train segments (their metrics combined, as k_fold's
 * folds), all splits at once; each split's best set then runs on each of its test groups (features
 * warm on every earlier bar, full capital). The test runs are reassembled into C(g−1, t−1) complete
 * backtest paths over the whole data, each stitched like walk-forward's out-of-sample curve; a
 * group whose split found no qualifying set stays in cash on that path.
 */
export async function runCpcv(
  phase: ValidatedPhase,
  data: MarketData,
  executor: Executor,
  options: SearchOptions,
  spec: CpcvSpec,
): Promise<PhaseRun & { cpcv: CpcvSummary }> {
  const periodsPerYear = phase.config.periods_per_year ?? inferPeriodsPerYear(data.time);
  const layout = cpcvLayout(data.time.length, spec, periodsPerYear);
  const sizer = options.sizer ?? new BatchSizer();
  options.progress?.plan(layout.splits.length, 'split');
  const capital = phase.config.capital;
  const runs = await Promise.all(
    layout.splits.map(async (split, si) => {
      const perSplit = searchOptionsOf(options, sizer, si);
      const outcome = await runSearch(phase, data, split.train, executor, perSplit, true);
      const best = outcome.leaderboard.best?.item ?? null;
      const tests: (TestReply | null)[] = [];
      for (const j of split.test) {
        tests.push(
          best === null || outcome.interrupted
            ? null
            : await testRun(outcome.plan, data, executor, perSplit, best, layout.groupBounds[j], {
                recordCurve: true,
                trades: true,
                segment: `${layout.groupBounds[j].start}-${layout.groupBounds[j].end}_test${si + 1}`,
              }),
        );
      }
      if (!outcome.interrupted) options.progress?.finish(si, best, null);
      return { outcome, best, tests };
    }),
  );
  const interrupted = runs.some((r) => r.outcome.interrupted);
  const splits: CpcvSplitResult[] = interrupted
    ? []
    : runs.map(({ outcome, best, tests }, si) => ({
        split: si + 1,
        test_groups: layout.splits[si].test.map((j) => j + 1),
        train_segments: layout.splits[si].train.map((w) => [w.start, w.end]),
        best: best === null ? null : { params: best.params, metrics: best.metrics },
        test_metrics: tests.map((t) => t?.metrics ?? null),
        ...(outcome.robustness !== null ? { robustness: compactRobustness(outcome.robustness) } : {}),
        ...(outcome.search ? { search: compactSearch(outcome.search) } : {}),
      }));
  const { paths, pathEquity } = interrupted ? { paths: [], pathEquity: [] } : stitchPaths(layout, runs, capital, periodsPerYear);
  return {
    sequence: 'cpcv',
    ...combinedSearches(
      phase,
      options,
      runs.map((r) => r.outcome),
    ),
    robustness: summariseRobustness(
      'split',
      splits.map((s) => s.robustness ?? null),
    ),
    cpcv: {
      groups: spec.groups,
      test_groups: spec.test_groups,
      purge: spec.purge ?? 0,
      embargo: spec.embargo ?? 0,
      group_bounds: layout.groupBounds.map((g) => [g.start, g.end]),
      group_dates: layout.groupBounds.map((g) => [isoDay(data.time[g.start]), isoDay(data.time[g.end - 1])]),
      splits,
      paths,
      distribution: aggregate(paths.map((p) => p.metrics)),
      path_equity: pathEquity,
      stability: stabilityOf(splits),
    },
  };
}

/**
 * The C(g−1, t−1) backtest paths: for each group, the test run of the split the path takes,
 * compounded on the previous group's end; a group without a run stays in cash.
 */
function stitchPaths(
  layout: ReturnType<typeof cpcvLayout>,
  runs: readonly { readonly tests: readonly (TestReply | null)[] }[],
  capital: number,
  periodsPerYear: number,
): { paths: CpcvPath[]; pathEquity: number[][] } {
  const paths: CpcvPath[] = [];
  const pathEquity: number[][] = [];
  layout.paths.forEach((splitOfGroup, p) => {
    const acc = new MetricsAccumulator(capital);
    const equity: number[] = [];
    let level = capital;
    splitOfGroup.forEach((si, j) => {
      const reply = runs[si].tests[layout.splits[si].test.indexOf(j)];
      const bounds = layout.groupBounds[j];
      if (reply === null || reply.curve === null) {
        for (let i = bounds.start; i < bounds.end; i++) {
          acc.onBar(level, false);
          equity.push(level);
        }
        return;
      }
      const scale = level / capital;
      for (const t of reply.trades ?? []) acc.onTrade(t.pnl * scale);
      const curve = reply.curve;
      for (let i = 0; i < curve.equity.length; i++) {
        const e = curve.equity[i] * scale;
        acc.onBar(e, curve.exposed[i] === 1);
        equity.push(e);
      }
      level = curve.equity[curve.equity.length - 1] * scale;
    });
    paths.push({ path: p + 1, splits: splitOfGroup.map((si) => si + 1), metrics: metricsJson(acc.finish(periodsPerYear)) });
    pathEquity.push(equity);
  });
  return { paths, pathEquity };
}
