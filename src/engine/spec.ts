import type { RawParams } from '../strategies/strategy.js';

/** Everything one parameter set simulates, resolved from the config (section 6). */
export interface Sizing {
  readonly kind: 'fixed' | 'percent_equity' | 'fractional';
  readonly value: number;
}

export interface Commission {
  readonly kind: 'percent' | 'per_share' | 'fixed';
  readonly value: number;
}

export interface Slippage {
  readonly kind: 'percent' | 'fixed';
  readonly value: number;
}

export interface RiskSpec {
  readonly sizing: Sizing;
  /** Fractions of the entry price; null = none. */
  readonly stopLoss: number | null;
  readonly takeProfit: number | null;
  readonly trailingStop: number | null;
}

export interface BrokerSpec {
  readonly fill: 'next_open' | 'close';
  readonly commission: Commission | null;
  readonly slippage: Slippage | null;
}

export interface RegimeFilterSpec {
  readonly type: string;
  readonly params: RawParams;
  /** Labels under which the strategy may hold a position; otherwise its target is flat. */
  readonly allow: readonly string[];
}

/**
 * A regime-switched strategy: the classifier's label at each bar picks which parameters of the
 * strategy decide the target; under a label without parameters the target is flat.
 */
export interface RegimeSwitchSpec {
  readonly type: string;
  readonly params: RawParams;
  /** Per label: the strategy's parameters over its base params. */
  readonly byLabel: Readonly<Record<string, RawParams>>;
}

export interface StrategySpec {
  readonly type: string;
  readonly params: RawParams;
  readonly regimeFilter: RegimeFilterSpec | null;
  /** Absent unless configured, so trial keys of plain strategies do not change. */
  readonly regimeSwitch?: RegimeSwitchSpec;
}

export interface ParameterSet {
  readonly capital: number;
  readonly strategy: StrategySpec;
  readonly risk: RiskSpec;
  readonly broker: BrokerSpec;
}

/** Bars [start, end) of the timeline that orders, equity and metrics cover; earlier bars only warm features. */
export interface BarWindow {
  readonly start: number;
  readonly end: number;
}
