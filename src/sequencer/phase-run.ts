import type { PlanRef } from '../batch/plan.js';
import type { TestReply } from '../batch/work.js';
import type { MarketData } from '../data/series.js';
import type { Executor } from '../executor/executor.js';
import type { MetricsJson } from '../contract.js';
import type { BarWindow, TrialResult } from '../types.js';
import { objectiveOf, type BatchSizer, type SearchOptions, type SearchOutcome } from './run-search.js';
import { Leaderboard } from '../metrics/leaderboard.js';
import type { ValidatedPhase } from '../config/validate.js';
import type { Robustness } from './robustness.js';
import { compactSearch, type SearchJson } from './search-json.js';
import { compactRobustness, summariseRobustness, type RobustnessSummary } from '../robustness/summary.js';

export { summariseRobustness, type RobustnessSummary };
export type { FoldResult, KFoldSummary, ParamStability, PhaseRun, WalkForwardSummary, WindowResult } from './phase-result.js';
import type { ParamStability, PhaseRun, WindowResult } from './phase-result.js';

export const isoDay = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** One window of a windowed sequence as reported: bounds as indices and dates, the chosen set, its test metrics. */
export function windowResult(
  data: MarketData,
  train: BarWindow,
  test: BarWindow,
  best: TrialResult | null,
  testMetrics: MetricsJson | null,
  robustness: Robustness | null = null,
  search?: SearchJson,
): WindowResult {
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
    reply = await executor.test({
      plan,
      data,
      trial: best.trial,
      window,
      recordCurve: what.recordCurve,
      trades: what.trades || options.storeTrades,
      traceSegment: what.segment ?? `${window.start}-${window.end}_test`,
    });
  } finally {
    release();
  }
  const storedTrades = options.storeTrades && !options.tradesTopOnly ? reply.trades : null;
  await options.results?.add([
    {
      trialKey: reply.key,
      phase: options.label,
      window: [window.start, window.end],
      trial: best.trial,
      params: best.params,
      metrics: reply.metrics,
      error: null,
      trades: storedTrades,
    },
  ]);
  return reply;
}

/**
 * What a sequence of several searches whose sets combine segments (k_fold folds, cpcv splits)
 * reports of them as a phase: every search's trials and failures (and runs, for memory storage),
 * the last search's leaderboard (the phase's `best`), and whether any was interrupted.
 */
export function combinedSearches(
  phase: ValidatedPhase,
  options: SearchOptions,
  outcomes: readonly SearchOutcome[],
): Pick<PhaseRun, 'results' | 'trials' | 'failures' | 'leaderboard' | 'interrupted'> {
  const interrupted = outcomes.some((o) => o.interrupted);
  return {
    results: options.keepAll ? outcomes.flatMap((o) => o.results ?? []) : null,
    trials: outcomes.reduce((a, o) => a + o.trials, 0),
    failures: outcomes.flatMap((o) => o.failures),
    leaderboard:
      outcomes.length > 0 && !interrupted ? outcomes[outcomes.length - 1].leaderboard : new Leaderboard<TrialResult>(objectiveOf(phase.config), options.topK),
    interrupted,
  };
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

/** The options of search `index` of a sequence's several searches (windows, folds): its dispatch priority (its progress is told as that search), the phase's batch sizer. */
export function searchOptionsOf(options: SearchOptions, sizer: BatchSizer, index: number): SearchOptions {
  return { ...options, sizer, priority: index, window: index };
}
