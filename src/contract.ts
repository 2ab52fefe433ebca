import { METRIC_NAMES, type Metrics, type MetricsJson, type ParamsJson, type Trade } from './types.js';
import type { StorageMode } from './common/names.js';

export type { MetricsJson, ParamsJson };

export interface RunJson {
  params: ParamsJson;
  metrics: MetricsJson;
  trades?: Trade[];
}

export interface BestJson {
  params: ParamsJson;
  metrics: MetricsJson;
}

export interface PhaseJson {
  name: string;
  topology: string;
  sequence: string;
  storage: StorageMode;
  trials: number;
  failed: number;
  /** Why the phase did not run (a false condition, a skipped dependency). */
  skipped?: string;
  best?: BestJson;
  windows?: WindowJson[];
  /** Walk-forward: stitched out-of-sample metrics and equity, efficiency, parameter stability. */
  walk_forward?: unknown;
  /** Monte Carlo: percentile bands of the resampled best set. */
  monte_carlo?: unknown;
  /** k_fold: per fold the train segments, chosen set, combined train and test metrics; the aggregate over folds; the stitched out-of-sample metrics and equity. */
  k_fold?: unknown;
  /** cpcv: per split the test groups, train segments, chosen set and test metrics; the paths and their metrics' distribution. */
  cpcv?: unknown;
  /** Overfitting statistics of the phase's search (README "Is the best set real?"); windowed sequences: a summary of their windows'. */
  robustness?: unknown;
  /** tpe, cmaes, nsga2 or a pruner: the search's course — trials by status, history, Pareto front, parameter importance (README "Model-based search"). */
  search?: unknown;
  /** A composed phase: its workflow, iterations, branches and their aggregate (compose/, coordinator/run-composed.ts). */
  compose?: unknown;
  runs?: RunJson[];
  /** signal_generation: one entry per stored signal set (created now or reused from the store). */
  signals?: SignalJson[];
  failures?: { params: ParamsJson; error: string }[];
}

export interface SignalJson {
  key: string;
  /** The swept parameters of the first point that named this strategy. */
  params: ParamsJson;
  /** The resolved strategy (type, params with defaults, regime filter). */
  strategy: Record<string, unknown>;
  /** The bars [start, end) it covers (a signal serves only its window). */
  window: [number, number];
  changes: number;
  bytes: number;
  status: 'created' | 'reused';
  file: string;
}

export interface WindowJson {
  train: [number, number];
  test: [number, number];
  train_dates: [string, string];
  test_dates: [string, string];
  best: BestJson | null;
  test_metrics: MetricsJson | null;
  /** The overfitting statistics of this window's search. */
  robustness?: unknown;
  /** An adaptive search's counts. */
  search?: unknown;
}

export interface ResultJson {
  workflow: string;
  run_id: string;
  results_dir: string;
  phases: PhaseJson[];
}

/** Metrics as JSON: every non-finite value (undefined sd, profit factor without losses) becomes null. */
export function metricsJson(m: Metrics): MetricsJson {
  const out = {} as MetricsJson;
  for (const name of METRIC_NAMES) {
    const v = m[name];
    out[name] = v === null || !Number.isFinite(v) ? null : v;
  }
  return out;
}
