/**
 * The types every layer shares, at the bottom of the import graph: what a parameter set is, the
 * window it runs on, a closed trade, the metric table and a trial's result. It imports nothing.
 */

export type ParamValue = number | string | boolean;
export type RawParams = Readonly<Record<string, ParamValue>>;

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

/** A closed round trip (section 7). Times are ISO 8601 UTC. */
export interface Trade {
  symbol: string;
  side: 'long' | 'short';
  qty: number;
  entry_time: string;
  entry_price: number;
  exit_time: string;
  exit_price: number;
  /** Entry plus exit commission. */
  commission: number;
  /** Net of commissions. */
  pnl: number;
}

/** The metric table of DESIGN.md section 5. null = undefined (sd = 0, no trades, …), never NaN. */
export interface Metrics {
  final_equity: number;
  total_return: number;
  cagr: number | null;
  volatility: number | null;
  sharpe: number | null;
  sortino: number | null;
  max_drawdown: number;
  calmar: number | null;
  trades: number;
  win_rate: number | null;
  /** Infinity when there are trades but no loss; serialised as null in JSON. */
  profit_factor: number | null;
  exposure: number | null;
}

export const METRIC_NAMES = [
  'final_equity',
  'total_return',
  'cagr',
  'volatility',
  'sharpe',
  'sortino',
  'max_drawdown',
  'calmar',
  'trades',
  'win_rate',
  'profit_factor',
  'exposure',
] as const satisfies readonly (keyof Metrics)[];

export type MetricName = (typeof METRIC_NAMES)[number];

/** The `--json` document of DESIGN.md section 7. */
export type MetricsJson = Record<MetricName, number | null>;
/** Swept parameters by dotted path; a choice between variants (`risk.sizing`) has a map as its value. */
export type ParamsJson = Record<string, unknown>;

/** The engine's event types, by their EventType number (trace settings name them). */
export const EVENT_NAMES = ['BAR', 'FEATURES', 'SIGNAL', 'ORDER', 'FILL', 'POSITION', 'PORTFOLIO'] as const;

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
