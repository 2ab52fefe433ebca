import type { ValidatedPhase } from '../config/validate.js';
import { inferPeriodsPerYear } from '../data/load.js';
import type { MarketData } from '../data/series.js';
import type { BarWindow } from '../engine/spec.js';
import type { Executor } from '../executor/executor.js';
import { Leaderboard } from '../reduce/leaderboard.js';
import { metricsJson, type MetricsJson } from '../results/contract.js';
import { trialKey } from '../search/trial-key.js';
import { aggregate, type Aggregate } from './aggregate.js';
import { combineSegments, kFolds, type KFoldSpec } from './folds.js';
import { objectiveOf, searchWindows, trialSet, type FailedTrial, type SearchOptions, type SearchOutcome, type TrialResult } from './search.js';
import { isoDay, type PhaseRun } from './sequences.js';
import { stabilityOf, type ParamStability } from './walk-forward.js';
import { traceWithin } from '../tracing/settings.js';

export interface FoldResult {
  readonly fold: number;
  readonly test: [number, number];
  readonly test_dates: [string, string];
  readonly train_segments: [number, number][];
  /** The chosen set and its train metrics combined over the segments (folds.ts, combineSegments). */
  readonly best: { params: Record<string, unknown>; metrics: MetricsJson } | null;
  readonly test_metrics: MetricsJson | null;
}

export interface KFoldSummary {
  readonly folds: FoldResult[];
  /** The folds' test metrics summarised (a fold without a qualifying set is left out). */
  readonly aggregate: Aggregate;
  /** How the chosen parameters moved across folds (as walk-forward's across windows). */
  readonly stability: Record<string, ParamStability>;
}

/**
 * Purged k-fold cross-validation of the search: every train segment of every fold is searched at
 * once through the executor; for each fold, each set's segment metrics are combined, the best set
 * under the objective and result constraints (ties to the lower grid index) runs on the test fold.
 */
export async function runKFold(phase: ValidatedPhase, data: MarketData, executor: Executor, options: SearchOptions, spec: KFoldSpec): Promise<PhaseRun & { kFold: KFoldSummary }> {
  const periodsPerYear = phase.config.periods_per_year ?? inferPeriodsPerYear(data.time);
  const folds = kFolds(data.time.length, spec, periodsPerYear);
  const capital = phase.config.capital;

  // Distinct segments (a segment may serve two folds only in degenerate cases, but never twice in the search).
  const segments: BarWindow[] = [];
  const segmentOf = new Map<string, number>();
  for (const f of folds)
    for (const w of f.train) {
      const id = `${w.start}:${w.end}`;
      if (!segmentOf.has(id)) {
        segmentOf.set(id, segments.length);
        segments.push(w);
      }
    }
  const metricsBySegment = segments.map(() => new Map<number, MetricsJson>());
  const paramsOf = new Map<number, Record<string, unknown>>();
  const outcomes: SearchOutcome[] = await searchWindows(phase, data, segments, executor, options, (si, r) => {
    metricsBySegment[si].set(r.trial, r.metrics);
    if (!paramsOf.has(r.trial)) paramsOf.set(r.trial, r.params);
  });
  const results: TrialResult[] | null = options.keepAll ? outcomes.flatMap((o) => o.results ?? []) : null;
  const failures: FailedTrial[] = outcomes.flatMap((o) => o.failures);
  const trials = outcomes.reduce((a, o) => a + o.trials, 0);
  const interrupted = outcomes.some((o) => o.interrupted);
  const objective = objectiveOf(phase.config);
  let last = new Leaderboard<TrialResult>(objective, options.topK);
  const foldResults: FoldResult[] = [];
  if (!interrupted) {
    for (let fi = 0; fi < folds.length; fi++) {
      const fold = folds[fi];
      const parts = fold.train.map((w) => ({ w, metrics: metricsBySegment[segmentOf.get(`${w.start}:${w.end}`)!] }));
      const board = new Leaderboard<TrialResult>(objective, options.topK);
      // Trials in grid order: a set that failed on any segment cannot be chosen.
      for (const trial of [...paramsOf.keys()].sort((a, b) => a - b)) {
        const rows = parts.map((p) => p.metrics.get(trial));
        if (rows.some((r) => r === undefined)) continue;
        const combined = combineSegments(rows.map((m, i) => ({ metrics: m!, bars: parts[i].w.end - parts[i].w.start })), capital);
        board.offer(trial, combined, { trial, params: paramsOf.get(trial)!, metrics: combined });
      }
      last = board;
      const best = board.best?.item ?? null;
      let testMetrics: MetricsJson | null = null;
      if (best !== null) {
        const set = trialSet(phase, best.trial);
        const trace = traceWithin(options.trace, `${fold.test.start}-${fold.test.end}_test`, [best.trial]);
        const [r] = await executor.runBatch(data, [set], { window: fold.test, periodsPerYear: phase.config.periods_per_year, storeTrades: options.storeTrades, trace });
        testMetrics = metricsJson(r.metrics);
        options.sink?.result({ trial: best.trial, params: best.params, metrics: testMetrics, ...(r.trades ? { trades: r.trades } : {}) }, trialKey(set, data.hash, fold.test), fold.test);
        options.sink?.batchDone();
      }
      foldResults.push({
        fold: fi + 1,
        test: [fold.test.start, fold.test.end],
        test_dates: [isoDay(data.time[fold.test.start]), isoDay(data.time[fold.test.end - 1])],
        train_segments: fold.train.map((w) => [w.start, w.end]),
        best: best === null ? null : { params: best.params, metrics: best.metrics },
        test_metrics: testMetrics,
      });
    }
  }
  return {
    sequence: 'k_fold',
    results,
    trials,
    failures,
    leaderboard: last,
    interrupted,
    kFold: { folds: foldResults, aggregate: aggregate(foldResults.map((f) => f.test_metrics)), stability: stabilityOf(foldResults) },
  };
}
