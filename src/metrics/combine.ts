import type { MetricsJson } from '../contract.js';

/**
 * The train metrics of a set over separately backtested segments: total return compounds (final
 * equity = capital × (1 + total return)); trades add up; max drawdown is the worst segment's;
 * win rate and profit factor are means weighted by each segment's trades; every other metric
 * (cagr, volatility, sharpe, sortino, calmar, exposure) is a mean weighted by each segment's bars.
 * Undefined (null) segment values are left out of a mean; with none left the metric is null.
 */
export function combineSegments(parts: readonly { metrics: MetricsJson; bars: number }[], capital: number): MetricsJson {
  if (parts.length === 1) return parts[0].metrics;
  let growth = 1;
  let trades = 0;
  let drawdown = 0;
  for (const { metrics } of parts) {
    growth *= 1 + (metrics.total_return ?? 0);
    trades += metrics.trades ?? 0;
    drawdown = Math.max(drawdown, metrics.max_drawdown ?? 0);
  }
  const mean = (name: keyof MetricsJson, weight: (p: { metrics: MetricsJson; bars: number }) => number): number | null => {
    let sum = 0;
    let w = 0;
    for (const p of parts) {
      const v = p.metrics[name];
      const pw = weight(p);
      if (v === null || pw === 0) continue;
      sum += v * pw;
      w += pw;
    }
    return w === 0 ? null : sum / w;
  };
  const byBars = (p: { bars: number }): number => p.bars;
  const byTrades = (p: { metrics: MetricsJson }): number => p.metrics.trades ?? 0;
  return {
    final_equity: capital * growth,
    total_return: growth - 1,
    cagr: mean('cagr', byBars),
    volatility: mean('volatility', byBars),
    sharpe: mean('sharpe', byBars),
    sortino: mean('sortino', byBars),
    max_drawdown: drawdown,
    calmar: mean('calmar', byBars),
    trades,
    win_rate: mean('win_rate', byTrades),
    profit_factor: mean('profit_factor', byTrades),
    exposure: mean('exposure', byBars),
  };
}
