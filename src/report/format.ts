import type { MetricName } from '../types.js';

/** Metrics that are fractions (DESIGN.md section 5): shown as percentages. */
export const FRACTION_METRICS: ReadonlySet<MetricName> = new Set(['total_return', 'cagr', 'volatility', 'max_drawdown', 'win_rate', 'exposure']);

export const METRIC_LABELS: Record<MetricName, string> = {
  final_equity: 'Final equity',
  total_return: 'Total return',
  cagr: 'CAGR',
  volatility: 'Volatility',
  sharpe: 'Sharpe',
  sortino: 'Sortino',
  max_drawdown: 'Max drawdown',
  calmar: 'Calmar',
  trades: 'Trades',
  win_rate: 'Win rate',
  profit_factor: 'Profit factor',
  exposure: 'Exposure',
};

const grouped = (v: number, digits: number): string => v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A metric value as a reader wants it: percentages for fractions, grouped money, 3 decimals for ratios; '—' when undefined. */
export function formatMetric(name: MetricName, v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (FRACTION_METRICS.has(name)) return `${grouped(v * 100, 2)}%`;
  if (name === 'final_equity') return grouped(v, 2);
  if (name === 'trades') return grouped(v, 0);
  return grouped(v, 3);
}

export function formatMoney(v: number): string {
  return grouped(v, 2);
}

/** A parameter value: `none` for null, a variant map as `key: value`. */
export function formatParam(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k}: ${formatParam(x)}`)
      .join(', ');
  }
  return String(v);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}
