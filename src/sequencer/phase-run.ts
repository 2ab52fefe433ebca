import type { PlanRef } from '../batch/plan.js';
import type { TestReply } from '../batch/work.js';
import type { MarketData } from '../data/series.js';
import type { Executor } from '../executor/executor.js';
import type { MetricsJson } from '../results/contract.js';
import type { BarWindow, FailedTrial, TrialResult } from '../types.js';
import type { Aggregate } from './aggregate.js';
import type { MonteCarloSummary } from './monte-carlo.js';
import { objectiveOf, type BatchSizer, type SearchOptions, type SearchOutcome } from './search.js';
import { Leaderboard } from '../reduce/leaderboard.js';
import type { ValidatedPhase } from '../config/validate.js';
import type { Robustness } from './robustness.js';
import { compactSearch, type SearchJson } from './search-json.js';
import type { CpcvSummary } from './cpcv.js';
import { compactRobustness, summariseRobustness, type RobustnessSummary } from '../robustness/summary.js';

export { summariseRobustness, type RobustnessSummary };

/** What every sequence returns for its phase. */
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
  readonly cpcv?: CpcvSummary;
  /** The search's robustness; windowed sequences: a summary of their windows' or folds' (each has its own). */
  readonly robustness?: Robustness | RobustnessSummary | null;
  /** A single search's course (tpe, cmaes, nsga2, a pruner). */
  readonly search?: SearchJson;
}

export interface WalkForwardSummary {
  /** Metrics of the stitched out-of-sample equity: each test window compounds on the previous one's end. */
  readonly oos_metrics: MetricsJson;
  /** Stitched out-of-sample equity at each test bar's close (from the first test bar). */
  readonly oos_equity: number[];
  /** Annualised out-of-sample return / mean annualised in-sample return of the chosen sets; null when undefined. */
  readonly efficiency: number | null;
  readonly stability: Record<string, ParamStability>;
  /** The windows' test metrics summarised (a window without a qualifying set is left out). */
  readonly aggregate: Aggregate;
}

export interface FoldResult {
  readonly fold: number;
  readonly test: [number, number];
  readonly test_dates: [string, string];
  readonly train_segments: [number, number][];
  /** The chosen set and its train metrics combined over the segments (metrics/combine.ts). */
  readonly best: { params: Record<string, unknown>; metrics: MetricsJson } | null;
  readonly test_metrics: MetricsJson | null;
  readonly robustness?: Robustness | null;
  readonly search?: ReturnType<typeof compactSearch>;
}

export interface KFoldSummary {
  readonly folds: FoldResult[];
  /** The folds' test metrics summarised (a fold without a qualifying set is left out). */
  readonly aggregate: Aggregate;
  /** How the chosen parameters moved across folds (as walk-forward's across windows). */
  readonly stability: Record<string, ParamStability>;
}

export interface WindowResult {
  readonly train: [number, number];
  readonly test: [number, number];
  readonly train_dates: [string, string];
  readonly test_dates: [string, string];
  readonly best: { params: Record<string, unknown>; metrics: MetricsJson } | null;
  readonly test_metrics: MetricsJson | null;
  /** The overfitting statistics of this window's search. */
  readonly robustness?: Robustness | null;
  /** An adaptive search's counts (search-json.ts). */
  readonly search?: ReturnType<typeof compactSearch>;
}

export const isoDay = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** One window of a windowed sequence as reported: bounds as indices and dates, the chosen set, its test metrics. */
export function windowResult(data: MarketData, train: BarWindow, test: BarWindow, best: TrialResult | null, testMetrics: MetricsJson | null, robustness: Robustness | null = null, search?: SearchJson): WindowResult {
  return {
    train: [train.start, train.end],
    test: [test.start, test.end],
    train_dates: [isoDay(data.time[train.start]), isoDay(data.time[train.end - 1])],
    test_dates: [isoDay(data.time[test.start]), isoDay(data.time[test.end - 1])],
    best: best === null ? null : { params: best.params, metrics: best.metrics },
    test_metrics: testMetrics,
    ...(robustness !== null ? { robustness: compactRobustness(robustness) } : {}),
    ...(search ? { search: compactSearch(search) } : {}),
  };
}

/**
 * Runs a search's chosen set on another window through the executor (so test runs go to workers
 * like batches, with their window's dispatch priority) and stores its row under the phase's label.
 * `trades` computes them even when the phase does not store them (walk-forward stitching needs them).
 */
export async function testRun(
  plan: PlanRef,
  data: MarketData,
  executor: Executor,
  options: SearchOptions,
  best: TrialResult,
  window: BarWindow,
  what: { readonly recordCurve: boolean; readonly trades: boolean; readonly segment?: string },
): Promise<TestReply> {
  const release = options.dispatcher ? await options.dispatcher.acquire(options.priority ?? 0) : () => {};
  let reply: TestReply;
  try {
    reply = await executor.test({ plan, data, trial: best.trial, window, recordCurve: what.recordCurve, trades: what.trades || options.storeTrades, traceSegment: what.segment ?? `${window.start}-${window.end}_test` });
  } finally {
    release();
  }
  const storedTrades = options.storeTrades && !options.tradesTopOnly ? reply.trades : null;
  await options.results?.add([{ trialKey: reply.key, phase: options.label, window: [window.start, window.end], trial: best.trial, params: best.params, metrics: reply.metrics, error: null, trades: storedTrades }]);
  return reply;
}

/**
 * What a sequence of several searches whose sets combine segments (k_fold folds, cpcv splits)
 * reports of them as a phase: every search's trials and failures (and runs, for memory storage),
 * the last search's leaderboard (the phase's `best`), and whether any was interrupted.
 */
export function combinedSearches(phase: ValidatedPhase, options: SearchOptions, outcomes: readonly SearchOutcome[]): Pick<PhaseRun, 'results' | 'trials' | 'failures' | 'leaderboard' | 'interrupted'> {
  const interrupted = outcomes.some((o) => o.interrupted);
  return {
    results: options.keepAll ? outcomes.flatMap((o) => o.results ?? []) : null,
    trials: outcomes.reduce((a, o) => a + o.trials, 0),
    failures: outcomes.flatMap((o) => o.failures),
    leaderboard: outcomes.length > 0 && !interrupted ? outcomes[outcomes.length - 1].leaderboard : new Leaderboard<TrialResult>(objectiveOf(phase.config), options.topK),
    interrupted,
  };
}

/** How a chosen parameter moved across windows or folds. */
export interface ParamStability {
  /** The chosen value in each window (null where no set qualified). */
  readonly values: unknown[];
  readonly distinct: number;
  readonly mean?: number;
  readonly std?: number;
  readonly min?: number;
  readonly max?: number;
}

/** How the chosen parameters moved across windows. */
export function stabilityOf(windows: readonly { readonly best: { params: Record<string, unknown> } | null }[]): Record<string, ParamStability> {
  const names = new Set<string>();
  for (const w of windows) for (const k of Object.keys(w.best?.params ?? {})) names.add(k);
  const out: Record<string, ParamStability> = {};
  for (const name of names) {
    const values = windows.map((w) => (w.best ? (w.best.params[name] ?? null) : null));
    const distinct = new Set(values.filter((v) => v !== null).map((v) => JSON.stringify(v))).size;
    const nums = values.filter((v): v is number => typeof v === 'number');
    if (nums.length > 0 && nums.length === values.filter((v) => v !== null).length) {
      const mean = nums.reduce((a, b) => a + b, 0) / nums.length;
      const std = Math.sqrt(nums.reduce((a, b) => a + (b - mean) ** 2, 0) / nums.length);
      out[name] = { values, distinct, mean, std, min: Math.min(...nums), max: Math.max(...nums) };
    } else {
      out[name] = { values, distinct };
    }
  }
  return out;
}

/**
 * The options of search `index` of a sequence's several searches (windows, folds): its dispatch
 * priority, the phase's batch sizer, and progress reported as the sums over all of them.
 */
export function searchOptionsOf(options: SearchOptions, sizer: BatchSizer, index: number, done: { trials: number; failed: number }[]): SearchOptions {
  return {
    ...options,
    sizer,
    priority: index,
    window: index,
    progress: options.progress
      ? (d, f, best) => {
          done[index] = { trials: d, failed: f };
          options.progress!(done.reduce((a, x) => a + x.trials, 0), done.reduce((a, x) => a + x.failed, 0), best);
        }
      : undefined,
  };
}
