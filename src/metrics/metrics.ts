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
