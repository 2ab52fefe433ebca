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
import { setAt, sweptParams } from '../search/space.js';
import { valueAtPath } from '../config/validate.js';

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
}

/** Where finished trials go as they complete (the results store); `batchDone` marks a transaction boundary. */
export interface TrialSink {
  result(r: TrialResult, set: ParameterSet, window: BarWindow): void;
  failure(f: FailedTrial, set: ParameterSet, window: BarWindow): void;
  batchDone(): void;
}

export interface SearchOptions {
  readonly storeTrades: boolean;
  readonly topK: number;
  readonly keepAll: boolean;
  readonly sink?: TrialSink;
}

/** The objective of a phase's config (sharpe, maximised, when `search` is absent). */
export function objectiveOf(config: Config): Objective {
  const s = config.search;
  // validatePhase has checked the name against the metric table.
  return { metric: (s?.objective ?? 'sharpe') as MetricName, direction: s?.direction ?? 'max', minTrades: s?.min_trades, maxDrawdown: s?.max_drawdown };
}

/** Builds the parameter set of grid point `indices` from the validated template. */
export function pointSet(phase: ValidatedPhase, indices: ArrayLike<number>): { set: ParameterSet; params: Record<string, unknown> } {
  const config = structuredClone(phase.config) as unknown as Record<string, unknown>;
  phase.dimensions.forEach((d, i) => setAt(config, d.path, d.values[indices[i]]));
  return { set: parameterSetOf(config as unknown as Config), params: sweptParams(phase.dimensions, indices) };
}

export function samplerOf(phase: ValidatedPhase): Sampler {
  const search = phase.config.search;
  return new Sampler(phase.dimensions, phase.constraints, { method: search?.method ?? 'grid', trials: search?.trials, seed: search?.seed ?? 0 }, (name) =>
    valueAtPath(phase.config, name.split('.')),
  );
}

const BATCH = 128;

/**
 * Evaluates every point of a phase's parameter space on one window, in batches through the
 * executor. A batch that fails is re-run one set at a time so a failing set is isolated and
 * recorded, and the others complete.
 */
export async function runSearch(
  phase: ValidatedPhase,
  data: MarketData,
  window: BarWindow,
  executor: Executor,
  options: SearchOptions,
): Promise<SearchOutcome> {
  const sampler = samplerOf(phase);
  const leaderboard = new Leaderboard<TrialResult>(objectiveOf(phase.config), options.topK);
  const results: TrialResult[] | null = options.keepAll ? [] : null;
  const failures: FailedTrial[] = [];
  let trials = 0;
  const topology = { window, periodsPerYear: phase.config.periods_per_year, storeTrades: options.storeTrades };
  const indices = new Int32Array(phase.dimensions.length);
  let batch: { trial: number; set: ParameterSet; params: Record<string, unknown> }[] = [];
  const record = (item: (typeof batch)[number], outcome: Awaited<ReturnType<Executor['runBatch']>>[number]): void => {
    const result: TrialResult = { trial: item.trial, params: item.params, metrics: metricsJson(outcome.metrics), ...(outcome.trades ? { trades: outcome.trades } : {}) };
    trials++;
    results?.push(result);
    leaderboard.offer(item.trial, result.metrics, result);
    options.sink?.result(result, item.set, window);
  };
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    try {
      const outcomes = await executor.runBatch(data, items.map((i) => i.set), topology);
      items.forEach((item, i) => record(item, outcomes[i]));
    } catch {
      for (const item of items) {
        try {
          record(item, (await executor.runBatch(data, [item.set], topology))[0]);
        } catch (error) {
          const failure = { trial: item.trial, params: item.params, error: error instanceof Error ? error.message : String(error) };
          trials++;
          failures.push(failure);
          options.sink?.failure(failure, item.set, window);
        }
      }
    }
    options.sink?.batchDone();
  };
  for (const k of sampler.points()) {
    sampler.indicesAt(k, indices);
    batch.push({ trial: k, ...pointSet(phase, indices) });
    if (batch.length === BATCH) await flush();
  }
  await flush();
  return { results, trials, failures, leaderboard };
}
