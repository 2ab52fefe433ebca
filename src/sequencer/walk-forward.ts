import type { ValidatedPhase } from '../config/validate.js';
import { inferPeriodsPerYear } from '../data/load.js';
import type { MarketData } from '../data/series.js';
import type { Executor } from '../executor/executor.js';
import { MetricsAccumulator } from '../metrics/accumulator.js';
import { metricsJson } from '../contract.js';
import type { TrialResult } from '../types.js';
import { aggregate } from './aggregate.js';
import {
  isoDay,
  stabilityOf,
  summariseRobustness,
  testRun,
  windowResult,
  type PhaseRun,
  type WalkForwardSummary,
  type WindowResult,
  searchOptionsOf,
} from './phase-run.js';
import { BatchSizer, objectiveOf, runSearch, type SearchOptions, type SearchOutcome } from './run-search.js';
import { Leaderboard } from '../metrics/leaderboard.js';
import { walkForwardWindows, type WalkForwardSpec } from './windows.js';
import type { TestReply } from '../batch/work.js';
import { stitchTestRun } from './stitch.js';

/**
 * Walk-forward optimisation: for each window, search the train part, pick the best set by the
 * objective under the result constraints, run it on the test part (features warm on every bar
 * before it; it starts with the full capital). Every window's search and test run go to the
 * executor at once — earlier windows first — so no window waits for another and a window's test
 * runs as soon as its search is done; the out-of-sample curve is stitched at the end.
 */
export async function runWalkForward(
  phase: ValidatedPhase,
  data: MarketData,
  executor: Executor,
  options: SearchOptions,
  spec: WalkForwardSpec,
): Promise<PhaseRun & { walkForward: WalkForwardSummary }> {
  const periodsPerYear = phase.config.periods_per_year ?? inferPeriodsPerYear(data.time);
  const windows = walkForwardWindows(data.time.length, spec, periodsPerYear);
  const capital = phase.config.capital;
  const sizer = options.sizer ?? new BatchSizer();
  options.progress?.plan(windows.length, 'window');
  const runs = await Promise.all(
    windows.map(async (w, wi): Promise<{ outcome: SearchOutcome; test: TestReply | null }> => {
      const perWindow = searchOptionsOf(options, sizer, wi);
      const outcome = await runSearch(phase, data, { start: w.train[0], end: w.train[1] }, executor, perWindow);
      const best = outcome.leaderboard.best?.item ?? null;
      if (best === null || outcome.interrupted) {
        if (!outcome.interrupted) options.progress?.finish(wi, null, null);
        return { outcome, test: null };
      }
      const test = await testRun(outcome.plan, data, executor, perWindow, best, { start: w.test[0], end: w.test[1] }, { recordCurve: true, trades: true });
      options.progress?.finish(wi, best, test.metrics);
      return { outcome, test };
    }),
  );
  const results: TrialResult[] | null = options.keepAll ? [] : null;
  const failures = [];
  let trials = 0;
  let last = runs[0]?.outcome.leaderboard ?? new Leaderboard<TrialResult>(objectiveOf(phase.config), options.topK);
  const windowResults: WindowResult[] = [];
  const oos = new MetricsAccumulator(capital);
  const oosEquity: number[] = [];
  const inSampleCagr: number[] = [];
  let level = capital;
  let interrupted = false;
  for (let wi = 0; wi < windows.length; wi++) {
    const w = windows[wi];
    const { outcome, test: r } = runs[wi];
    trials += outcome.trials;
    failures.push(...outcome.failures);
    results?.push(...(outcome.results ?? []));
    last = outcome.leaderboard;
    if (outcome.interrupted) {
      interrupted = true;
      break;
    }
    const best = outcome.leaderboard.best?.item ?? null;
    const test = { start: w.test[0], end: w.test[1] };
    if (best !== null && r !== null && best.metrics.cagr !== null) inSampleCagr.push(best.metrics.cagr);
    level = stitchTestRun(oos, oosEquity, level, capital, best !== null ? r : null, test);
    windowResults.push(windowResult(data, { start: w.train[0], end: w.train[1] }, test, best, r?.metrics ?? null, outcome.robustness, outcome.search));
  }
  const oosMetrics = metricsJson(oos.finish(periodsPerYear));
  const meanIs = inSampleCagr.length > 0 ? inSampleCagr.reduce((a, b) => a + b, 0) / inSampleCagr.length : null;
  const efficiency = meanIs !== null && meanIs > 0 && oosMetrics.cagr !== null ? oosMetrics.cagr / meanIs : null;
  return {
    sequence: 'walk_forward',
    results,
    trials,
    failures,
    leaderboard: last,
    windows: windowResults,
    interrupted,
    robustness: summariseRobustness(
      'window',
      windowResults.map((w) => w.robustness ?? null),
    ),
    walkForward: {
      oos_metrics: oosMetrics,
      oos_equity: oosEquity,
      efficiency,
      stability: stabilityOf(windowResults),
      aggregate: aggregate(windowResults.map((w) => w.test_metrics)),
      unused: unusedBars(data, windows[windows.length - 1].test[1]),
    },
  };
}

/** The bars after the last test window, which no window uses: a walk-forward result should say so. */
function unusedBars(data: MarketData, end: number): WalkForwardSummary['unused'] {
  const n = data.time.length;
  return end >= n ? null : { bars: n - end, from: isoDay(data.time[end]), to: isoDay(data.time[n - 1]) };
}
