import { parameterSetOf } from '../config/resolve.js';
import type { Config } from '../config/schema.js';
import type { ValidatedPhase } from '../config/validate.js';
import type { MarketData } from '../data/series.js';
import type { BarWindow, ParameterSet } from '../engine/spec.js';
import type { Trade } from '../engine/trade.js';
import type { Executor } from '../executor/executor.js';
import { Leaderboard, type Objective } from '../reduce/leaderboard.js';
import type { MetricName } from '../metrics/metrics.js';
import { metricsJson, type MetricsJson } from '../results/contract.js';
import { Sampler } from '../search/sampler.js';
import { assign, Grid, sweptParams } from '../search/space.js';
import { valueAtPath } from '../config/validate.js';
import { trialKey } from '../search/trial-key.js';
import { traceWithin, type TraceSettings } from '../tracing/settings.js';
import type { TopologyOptions } from '../topology/topology.js';

export interface TrialResult {
  /** Grid index of the point: stable identity of the trial within its phase. */
  readonly trial: number;
  readonly params: Record<string, unknown>;
  readonly metrics: MetricsJson;
  readonly trades?: Trade[];
}

export interface FailedTrial {
  readonly trial: number;
  readonly params: Record<string, unknown>;
  readonly error: string;
}

export interface SearchOutcome {
  /** Every result, in evaluation order, when the caller asked to keep them (memory storage). */
  readonly results: TrialResult[] | null;
  readonly trials: number;
  readonly failures: FailedTrial[];
  readonly leaderboard: Leaderboard<TrialResult>;
  /** The signal stopped the search before every point was evaluated. */
  readonly interrupted: boolean;
}

/** Where finished trials go as they complete (the results store); `batchDone` marks a transaction boundary. */
export interface TrialSink {
  /** `key`: the trial key of the set on this window (computed once, by the search). */
  result(r: TrialResult, key: string, window: BarWindow): void;
  failure(f: FailedTrial, key: string, window: BarWindow): void;
  batchDone(): void;
}

export interface SearchOptions {
  readonly storeTrades: boolean;
  readonly topK: number;
  readonly keepAll: boolean;
  readonly sink?: TrialSink;
  /** Results already stored by an interrupted run, by trial key (resume). */
  readonly stored?: { get(key: string): TrialResult | undefined };
  readonly signal?: AbortSignal;
  /** Trace each batch's topology (a sub-folder per batch below the settings' part). */
  readonly trace?: TraceSettings;
  /** signal_replay: replay stored signals from this signal store instead of running strategies. */
  readonly replay?: TopologyOptions['replay'];
  /** Largest batch (default 4096; tests force small batches). */
  readonly maxBatch?: number;
  /** Called after each committed batch: trials done, failed, best so far. */
  readonly progress?: (done: number, failed: number, best: { readonly item: TrialResult } | null) => void;
  /** Every successful result as it is committed, restored ones included (sequences that combine windows). */
  readonly onResult?: (r: TrialResult) => void;
}

/** The objective of a phase's config (sharpe, maximised, when `search` is absent). */
export function objectiveOf(config: Config): Objective {
  const s = config.search;
  // validatePhase has checked the name against the metric table.
  return { metric: (s?.objective ?? 'sharpe') as MetricName, direction: s?.direction ?? 'max', minTrades: s?.min_trades, maxDrawdown: s?.max_drawdown };
}

/** Builds the parameter set of grid point `indices` from the validated template. */
export function pointSet(phase: ValidatedPhase, indices: ArrayLike<number>): { set: ParameterSet; params: Record<string, unknown> } {
  const config = assign(phase.config as unknown as Record<string, unknown>, phase.dimensions, indices);
  return { set: parameterSetOf(config as unknown as Config), params: sweptParams(phase.dimensions, indices) };
}

/** The parameter set of a trial: its number is its grid index (best sets, top-k runs). */
export function trialSet(phase: ValidatedPhase, trial: number): ParameterSet {
  return pointSet(phase, new Grid(phase.dimensions).indicesAt(trial, new Int32Array(phase.dimensions.length))).set;
}

export function samplerOf(phase: ValidatedPhase): Sampler {
  const search = phase.config.search;
  return new Sampler(phase.dimensions, phase.constraints, { method: search?.method ?? 'grid', trials: search?.trials, seed: search?.seed ?? 0 }, (name) =>
    valueAtPath(phase.config, name.split('.')),
  );
}

/** Batch sizing: aim for tasks of about this long, within these bounds (sets per batch). */
const TARGET_TASK_MS = 200;
const MIN_BATCH = 4;
const MAX_BATCH = 4096;
const FIRST_BATCH = 16;

interface Item {
  readonly trial: number;
  readonly set: ParameterSet;
  readonly params: Record<string, unknown>;
  readonly key: string;
}

type Outcome = { readonly item: Item; readonly result: TrialResult; readonly restored?: boolean } | { readonly item: Item; readonly failure: FailedTrial };

/**
 * Evaluates every point of a phase's parameter space on one window, in batches through the
 * executor, keeping `executor.concurrency + 1` batches in flight and sizing batches from the measured
 * time per set. Results are committed in point order whatever order batches finish in, so the
 * output never depends on timing. A failing batch is retried once, then split in halves until the
 * failing set(s) stand alone and are recorded as failed; the others complete. Points whose trial
 * key is in `stored` (a resumed run) are not computed again. An aborted `signal` stops dispatching;
 * batches in flight finish and are committed.
 */
export async function runSearch(phase: ValidatedPhase, data: MarketData, window: BarWindow, executor: Executor, options: SearchOptions): Promise<SearchOutcome> {
  const sampler = samplerOf(phase);
  const leaderboard = new Leaderboard<TrialResult>(objectiveOf(phase.config), options.topK);
  const results: TrialResult[] | null = options.keepAll ? [] : null;
  const failures: FailedTrial[] = [];
  let trials = 0;
  const topology = { window, periodsPerYear: phase.config.periods_per_year, storeTrades: options.storeTrades, replay: options.replay };
  const traceOf = (items: readonly Item[]): TraceSettings | undefined =>
    traceWithin(options.trace, `${window.start}-${window.end}_t${items[0].trial}-${items[items.length - 1].trial}`, items.map((i) => i.trial));

  const commit = (o: Outcome): void => {
    trials++;
    if ('failure' in o) {
      failures.push(o.failure);
      options.sink?.failure(o.failure, o.item.key, window);
      return;
    }
    results?.push(o.result);
    options.onResult?.(o.result);
    leaderboard.offer(o.item.trial, o.result.metrics, o.result);
    if (!o.restored) options.sink?.result(o.result, o.item.key, window);
  };

  const evaluate = async (items: Item[], retried: boolean): Promise<Outcome[]> => {
    try {
      const outcomes = await executor.runBatch(data, items.map((i) => i.set), { ...topology, trace: traceOf(items) });
      return items.map((item, i) => ({ item, result: { trial: item.trial, params: item.params, metrics: metricsJson(outcomes[i].metrics), ...(outcomes[i].trades ? { trades: outcomes[i].trades! } : {}) } }));
    } catch (error) {
      if (!retried) return evaluate(items, true);
      if (items.length === 1) return [{ item: items[0], failure: { trial: items[0].trial, params: items[0].params, error: error instanceof Error ? error.message : String(error) } }];
      const half = items.length >> 1;
      return [...(await evaluate(items.slice(0, half), true)), ...(await evaluate(items.slice(half), true))];
    }
  };

  // Reorder buffer: batch n is committed only after batches 0..n-1.
  const finished = new Map<number, Outcome[]>();
  let nextToCommit = 0;
  let dispatched = 0;
  const inFlight = new Set<Promise<void>>();
  let batchSize = Math.min(FIRST_BATCH, options.maxBatch ?? MAX_BATCH);
  const launch = (items: Item[], ready: Outcome[] | null): void => {
    const seq = dispatched++;
    const started = performance.now();
    const task = (ready ? Promise.resolve(ready) : evaluate(items, false)).then((outcomes) => {
      if (!ready && items.length > 0) {
        const perSet = (performance.now() - started) / items.length;
        // The caller's maximum wins over the minimum: the pool's shared slots are sized from it.
        batchSize = Math.min(options.maxBatch ?? MAX_BATCH, Math.max(MIN_BATCH, Math.round(TARGET_TASK_MS / Math.max(perSet, 1e-3))));
      }
      finished.set(seq, outcomes);
      while (finished.has(nextToCommit)) {
        for (const o of finished.get(nextToCommit)!) commit(o);
        finished.delete(nextToCommit++);
      }
      options.sink?.batchDone();
      options.progress?.(trials, failures.length, leaderboard.best);
    });
    const tracked = task.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  const indices = new Int32Array(phase.dimensions.length);
  let batch: Item[] = [];
  let restored: Outcome[] = [];
  let interrupted = false;
  for (const k of sampler.points()) {
    if (options.signal?.aborted) {
      interrupted = true;
      break;
    }
    sampler.indicesAt(k, indices);
    const point = pointSet(phase, indices);
    const key = trialKey(point.set, data.hash, window);
    const stored = options.stored?.get(key);
    if (stored !== undefined) {
      // Already computed by the interrupted run: flows through the same ordered commit.
      if (batch.length > 0) {
        launch(batch, null);
        batch = [];
      }
      restored.push({ item: { trial: k, key, ...point }, result: { ...stored, trial: k }, restored: true });
      continue;
    }
    if (restored.length > 0) {
      launch([], restored);
      restored = [];
    }
    batch.push({ trial: k, key, ...point });
    if (batch.length >= batchSize) {
      launch(batch, null);
      batch = [];
      // One batch more than the executor runs at once: a worker that finishes finds the next one
      // waiting instead of idling while the main thread commits and builds.
      while (inFlight.size > executor.concurrency) await Promise.race(inFlight);
    }
  }
  if (restored.length > 0) launch([], restored);
  if (batch.length > 0 && !interrupted) launch(batch, null);
  while (inFlight.size > 0) await Promise.race(inFlight);
  return { results, trials, failures, leaderboard, interrupted };
}

/**
 * Searches several windows at once through the executor, so every worker stays busy; each search
 * commits in its own grid order, so the outcomes equal searching the windows one by one. Progress
 * reports the sums over all windows; `onResult` hears every window's results (restored included).
 */
export function searchWindows(
  phase: ValidatedPhase,
  data: MarketData,
  windows: readonly BarWindow[],
  executor: Executor,
  options: SearchOptions,
  onResult?: (window: number, r: TrialResult) => void,
): Promise<SearchOutcome[]> {
  const done = new Array<number>(windows.length).fill(0);
  const failed = new Array<number>(windows.length).fill(0);
  return Promise.all(
    windows.map((w, i) =>
      runSearch(phase, data, w, executor, {
        ...options,
        onResult: onResult ? (r) => onResult(i, r) : undefined,
        progress: options.progress
          ? (d, f, best) => {
              done[i] = d;
              failed[i] = f;
              options.progress!(done.reduce((a, b) => a + b, 0), failed.reduce((a, b) => a + b, 0), best);
            }
          : undefined,
      }),
    ),
  );
}
