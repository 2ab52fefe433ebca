import type { Config } from '../config/schema.js';
import type { ValidatedPhase } from '../config/validate.js';
import type { MarketData } from '../data/series.js';
import type { BarWindow } from '../engine/spec.js';
import { UserError } from '../errors.js';
import type { Executor } from '../executor/executor.js';
import { metricsJson, type MetricsJson } from '../results/contract.js';
import { runSearch, type FailedTrial, type SearchOptions, type TrialResult } from './search.js';
import { trialSet } from './search.js';
import type { Leaderboard } from '../reduce/leaderboard.js';
import { runWalkForward, type WalkForwardSummary } from './walk-forward.js';
import { monteCarlo, type MonteCarloSpec, type MonteCarloSummary } from './monte-carlo.js';
import { inferPeriodsPerYear } from '../data/load.js';
import { runBacktest } from '../topology/run.js';
import { walkForwardWindows, type WalkForwardSpec } from './windows.js';
import { trialKey } from '../search/trial-key.js';
import { runKFold, type KFoldSummary } from './k-fold.js';
import { kFolds, type KFoldSpec } from './folds.js';
import { traceWithin } from '../tracing/settings.js';

export interface WindowResult {
  readonly train: [number, number];
  readonly test: [number, number];
  readonly train_dates: [string, string];
  readonly test_dates: [string, string];
  readonly best: { params: Record<string, unknown>; metrics: MetricsJson } | null;
  readonly test_metrics: MetricsJson | null;
}

export interface PhaseRun {
  readonly sequence: string;
  readonly results: TrialResult[] | null;
  readonly trials: number;
  readonly failures: FailedTrial[];
  readonly leaderboard: Leaderboard<TrialResult>;
  readonly windows?: WindowResult[];
  readonly interrupted: boolean;
  readonly walkForward?: WalkForwardSummary;
  readonly monteCarlo?: MonteCarloSummary;
  readonly kFold?: KFoldSummary;
}

export const SEQUENCES = [
  { name: 'single_pass', description: 'every parameter set over the whole data' },
  { name: 'monte_carlo', description: 'search the whole data, then resample the best set: block bootstrap of its bar returns and bootstrap of its trades, seeded; percentile bands' },
  { name: 'walk_forward', description: 'rolling or anchored train/test windows (bars or durations, optional gap): search each train window, run its best on the test window, stitch the out-of-sample equity' },
  { name: 'k_fold', description: 'contiguous folds, each the test part once; train on the rest minus purge/embargo bars beside it; test metrics aggregated over folds' },
  { name: 'train_test', description: 'search on a train window, run the best set on the test window after it (split by ratio, bar count or date)' },
];

type SequenceConfig = Config['sequence'];

export function sequenceName(s: SequenceConfig): string {
  return typeof s === 'string' ? s : s.type;
}

/** First bar of the test window of a train_test sequence (DESIGN: windows counted in bars). */
export function trainTestSplit(s: SequenceConfig, time: Float64Array): number {
  const n = time.length;
  const spec = typeof s === 'string' ? { type: s } : s;
  let split: number;
  if ('train_bars' in spec && spec.train_bars !== undefined) split = spec.train_bars;
  else if ('train_end' in spec && spec.train_end !== undefined) {
    const t = Date.parse(spec.train_end.length === 10 ? `${spec.train_end}T00:00:00Z` : spec.train_end);
    if (Number.isNaN(t)) throw new UserError(`sequence.train_end: cannot read '${spec.train_end}' as a date`);
    split = time.findIndex((x) => x >= t);
    if (split < 0) split = n;
  } else {
    // 5550 × 0.7 is 3884.9999999999995 in binary: a share of the bars is rounded to the nearest
    // millionth of a bar before flooring, so 70% of 5,550 is 3,885.
    const share = 'split' in spec && spec.split !== undefined ? spec.split : 0.7;
    split = Math.floor(Math.round(n * share * 1e6) / 1e6);
  }
  if (split < 1 || split >= n) throw new UserError(`sequence: the train window would hold ${split} of ${n} bars; both windows need at least one bar`);
  return split;
}

export const isoDay = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** One window of a windowed sequence as reported: bounds as indices and dates, the chosen set, its test metrics. */
export function windowResult(data: MarketData, train: BarWindow, test: BarWindow, best: TrialResult | null, testMetrics: MetricsJson | null): WindowResult {
  return {
    train: [train.start, train.end],
    test: [test.start, test.end],
    train_dates: [isoDay(data.time[train.start]), isoDay(data.time[train.end - 1])],
    test_dates: [isoDay(data.time[test.start]), isoDay(data.time[test.end - 1])],
    best: best === null ? null : { params: best.params, metrics: best.metrics },
    test_metrics: testMetrics,
  };
}

/** Runs a phase's sequence: the search over its windows, and the out-of-sample runs. */
/**
 * The windows a phase's sequence searches its parameter space on, in the order it searches them:
 * the whole data (single_pass, monte_carlo), the train window (train_test), every window's train
 * range (walk_forward), every fold's train segments (k_fold). Test runs are single backtests of a
 * chosen set, not searches. What signal_generation must store for a signal_replay with this sequence.
 */
export function searchedWindows(phase: ValidatedPhase, data: MarketData): BarWindow[] {
  const n = data.time.length;
  const name = sequenceName(phase.config.sequence);
  const periodsPerYear = (): number => phase.config.periods_per_year ?? inferPeriodsPerYear(data.time);
  if (name === 'walk_forward') return walkForwardWindows(n, phase.config.sequence as WalkForwardSpec, periodsPerYear()).map((w) => ({ start: w.train[0], end: w.train[1] }));
  if (name === 'k_fold') return kFolds(n, phase.config.sequence as KFoldSpec, periodsPerYear()).flatMap((f) => f.train);
  if (name === 'train_test') return [{ start: 0, end: trainTestSplit(phase.config.sequence, data.time) }];
  return [{ start: 0, end: n }];
}

export async function runSequence(phase: ValidatedPhase, data: MarketData, executor: Executor, options: SearchOptions): Promise<PhaseRun> {
  const n = data.time.length;
  const name = sequenceName(phase.config.sequence);
  if (name === 'walk_forward') return runWalkForward(phase, data, executor, options, phase.config.sequence as WalkForwardSpec);
  if (name === 'k_fold') return runKFold(phase, data, executor, options, phase.config.sequence as KFoldSpec);
  if (name === 'monte_carlo') return runMonteCarlo(phase, data, executor, options, phase.config.sequence as MonteCarloSpec);
  if (name === 'single_pass') {
    const outcome = await runSearch(phase, data, { start: 0, end: n }, executor, options);
    return { sequence: name, ...outcome };
  }
  const split = trainTestSplit(phase.config.sequence, data.time);
  const train: BarWindow = { start: 0, end: split };
  const test: BarWindow = { start: split, end: n };
  const outcome = await runSearch(phase, data, train, executor, options);
  const best = outcome.leaderboard.best?.item ?? null;
  let testMetrics: MetricsJson | null = null;
  if (best !== null && !outcome.interrupted) {
    const set = trialSet(phase, best.trial);
    const trace = traceWithin(options.trace, `${test.start}-${test.end}_test`, [best.trial]);
    const [r] = await executor.runBatch(data, [set], { window: test, periodsPerYear: phase.config.periods_per_year, storeTrades: options.storeTrades, trace });
    testMetrics = metricsJson(r.metrics);
    options.sink?.result({ trial: best.trial, params: best.params, metrics: testMetrics, ...(r.trades ? { trades: r.trades } : {}) }, trialKey(set, data.hash, test), test);
    options.sink?.batchDone();
  }
  return { sequence: name, ...outcome, windows: [windowResult(data, train, test, best, testMetrics)] };
}


/** Runs the search over all bars, then resamples the best set's returns (monte-carlo.ts). */
async function runMonteCarlo(phase: ValidatedPhase, data: MarketData, executor: Executor, options: SearchOptions, spec: MonteCarloSpec): Promise<PhaseRun> {
  const n = data.time.length;
  const outcome = await runSearch(phase, data, { start: 0, end: n }, executor, options);
  const best = outcome.leaderboard.best?.item ?? null;
  if (best === null || outcome.interrupted) return { sequence: 'monte_carlo', ...outcome };
  const periodsPerYear = phase.config.periods_per_year ?? inferPeriodsPerYear(data.time);
  const set = trialSet(phase, best.trial);
  // The resamples are drawn from this run's curve and trades: its trace is the one topology run to keep.
  const r = runBacktest(data, set, { periodsPerYear, storeTrades: true, recordCurves: true, trace: traceWithin(options.trace, `0-${n}_monte_carlo`, [best.trial]) });
  const trades = r.trades ?? [];
  const entryEquity = trades.map((t) => {
    const entry = lowerBound(data.time, Date.parse(t.entry_time));
    return entry > 0 ? r.curve!.equity[entry - 1] : set.capital;
  });
  return { sequence: 'monte_carlo', ...outcome, monteCarlo: monteCarlo(r.curve!, trades, entryEquity, set.capital, periodsPerYear, spec) };
}

function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
