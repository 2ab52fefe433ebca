/**
 * The types every layer shares, at the bottom of the import graph: what a parameter set is, the
 * window it runs on, a closed trade, the metric table and a trial's result. Nothing here imports
 * anything of fanfold's but other types.
 */
import type { Trade } from './engine/trade.js';
import type { MetricsJson } from './results/contract.js';

export type { BarWindow, BrokerSpec, Commission, ParameterSet, RegimeFilterSpec, RegimeSwitchSpec, RiskSpec, Sizing, Slippage, StrategySpec } from './engine/spec.js';
export type { Trade } from './engine/trade.js';
export type { Metrics, MetricName } from './metrics/metrics.js';
export type { MetricsJson, ParamsJson } from './results/contract.js';

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
