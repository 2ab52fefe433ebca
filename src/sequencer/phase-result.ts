import type { MetricsJson } from '../contract.js';
import type { Leaderboard } from '../metrics/leaderboard.js';
import type { Robustness } from '../robustness/figures.js';
import type { RobustnessSummary } from '../robustness/summary.js';
import type { FailedTrial, TrialResult } from '../types.js';
import type { Aggregate } from './aggregate.js';
import type { compactSearch, SearchJson } from './search-json.js';

// What the sequences return (types only): every sequence file and the phase JSON read them from here.

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
  /** Bars after the last full test window (no window fits in them): how many and their dates; null when none. */
  readonly unused: { readonly bars: number; readonly from: string; readonly to: string } | null;
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
  /** Metrics of the stitched out-of-sample equity: each test fold compounds on the previous one's end (a fold without a qualifying set stays in cash). */
  readonly oos_metrics: MetricsJson;
  /** Stitched out-of-sample equity at each bar's close, folds in order (empty when interrupted). */
  readonly oos_equity: number[];
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

export type Bands = Record<string, number | null>;

export interface MonteCarloSummary {
  readonly paths: number;
  readonly seed: number;
  readonly block: number;
  /** Block bootstrap of the bar returns: bands of final equity, max drawdown and sharpe. */
  readonly bars: { final_equity: Bands; max_drawdown: Bands; sharpe: Bands };
  /** Bootstrap of the closed trades' returns (null without trades): bands of final equity and max drawdown. */
  readonly trades: { final_equity: Bands; max_drawdown: Bands } | null;
}

export interface CpcvSplitResult {
  readonly split: number;
  /** Test groups, 1-based. */
  readonly test_groups: number[];
  readonly train_segments: [number, number][];
  /** The chosen set and its train metrics combined over the segments. */
  readonly best: { params: Record<string, unknown>; metrics: MetricsJson } | null;
  /** The chosen set's metrics on each of its test groups, in group order. */
  readonly test_metrics: (MetricsJson | null)[];
  readonly robustness?: Robustness | null;
  readonly search?: ReturnType<typeof compactSearch>;
}

export interface CpcvPath {
  readonly path: number;
  /** For each group (in order), the split (1-based) whose test run the path takes. */
  readonly splits: number[];
  /** Metrics of the path's stitched equity: each group's test run compounds on the previous one's end. */
  readonly metrics: MetricsJson;
}

export interface CpcvSummary {
  readonly groups: number;
  readonly test_groups: number;
  readonly purge: number | string;
  readonly embargo: number | string;
  readonly group_bounds: [number, number][];
  readonly group_dates: [string, string][];
  readonly splits: CpcvSplitResult[];
  readonly paths: CpcvPath[];
  /** Each metric over the paths: mean, std, min, max and percentiles. */
  readonly distribution: Aggregate;
  /** Stitched equity of each path at each bar's close (from the first bar). */
  readonly path_equity: number[][];
  readonly stability: Record<string, ParamStability>;
}
