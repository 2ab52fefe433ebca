import type { ValidatedPhase } from '../config/validate.js';
import { inferPeriodsPerYear } from '../data/load.js';
import type { MarketData } from '../data/series.js';
import type { Executor } from '../executor/executor.js';
import { metricsJson } from '../contract.js';
import { MetricsAccumulator } from '../metrics/accumulator.js';
import { aggregate } from './aggregate.js';
import { kFolds, type KFoldSpec } from './folds.js';
import { compactRobustness } from '../robustness/summary.js';
import { compactSearch } from './search-json.js';
import {
  combinedSearches,
  isoDay,
  stabilityOf,
  summariseRobustness,
  testRun,
  type FoldResult,
  type KFoldSummary,
  type PhaseRun,
  searchOptionsOf,
} from './phase-run.js';
import { BatchSizer, runSearch, type SearchOptions } from './run-search.js';
import { stitchTestRun } from './stitch.js';

export type { FoldResult, KFoldSummary };

/**
 * Purged k-fold cross-validation of the search: each fold is one search whose tasks backtest every
 * point on each of the fold's train segments (separately, full capital each) and rank it by their
 * combined metrics (metrics/combine.ts), so the combination happens in the workers and nothing per
 * set is kept here. All folds search at once; each fold's best set (ties to the lower grid index)
 * runs on its test fold as soon as its search ends.
 */
export async function runKFold(
  phase: ValidatedPhase,
  data: MarketData,
  executor: Executor,
  options: SearchOptions,
  spec: KFoldSpec,
): Promise<PhaseRun & { kFold: KFoldSummary }> {
  const periodsPerYear = phase.config.periods_per_year ?? inferPeriodsPerYear(data.time);
  const folds = kFolds(data.time.length, spec, periodsPerYear);
  const sizer = options.sizer ?? new BatchSizer();
  options.progress?.plan(folds.length, 'fold');
  const runs = await Promise.all(
    folds.map(async (fold, fi) => {
      const perFold = searchOptionsOf(options, sizer, fi);
      const outcome = await runSearch(phase, data, fold.train, executor, perFold, true);
      const best = outcome.leaderboard.best?.item ?? null;
      // The curve and trades too: the folds' test runs are stitched into one out-of-sample account.
      const test =
        best !== null && !outcome.interrupted
          ? await testRun(outcome.plan, data, executor, perFold, best, fold.test, { recordCurve: true, trades: true })
          : null;
      const testMetrics = test?.metrics ?? null;
      if (!outcome.interrupted) options.progress?.finish(fi, best, testMetrics);
      return { outcome, best, test, testMetrics };
    }),
  );
  const interrupted = runs.some((r) => r.outcome.interrupted);
  const foldResults: FoldResult[] = interrupted
    ? []
    : runs.map(({ best, testMetrics, outcome }, fi) => {
        const fold = folds[fi];
        return {
          fold: fi + 1,
          test: [fold.test.start, fold.test.end],
          test_dates: [isoDay(data.time[fold.test.start]), isoDay(data.time[fold.test.end - 1])],
          train_segments: fold.train.map((w) => [w.start, w.end]),
          best: best === null ? null : { params: best.params, metrics: best.metrics },
          test_metrics: testMetrics,
          ...(outcome.robustness !== null ? { robustness: compactRobustness(outcome.robustness) } : {}),
          ...(outcome.search ? { search: compactSearch(outcome.search) } : {}),
        };
      });
  // Test folds are contiguous and in time order, so stitched they cover every bar once.
  const oos = new MetricsAccumulator(phase.config.capital);
  const oosEquity: number[] = [];
  if (!interrupted) runs.reduce((level, r, fi) => stitchTestRun(oos, oosEquity, level, phase.config.capital, r.test, folds[fi].test), phase.config.capital);
  return {
    sequence: 'k_fold',
    ...combinedSearches(
      phase,
      options,
      runs.map((r) => r.outcome),
    ),
    robustness: summariseRobustness(
      'fold',
      foldResults.map((f) => f.robustness ?? null),
    ),
    kFold: {
      folds: foldResults,
      aggregate: aggregate(foldResults.map((f) => f.test_metrics)),
      stability: stabilityOf(foldResults),
      oos_metrics: metricsJson(oos.finish(periodsPerYear)),
      oos_equity: oosEquity,
    },
  };
}
