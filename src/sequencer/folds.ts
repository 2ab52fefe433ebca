import { UserError } from '../errors.js';
import type { BarWindow } from '../engine/spec.js';
import type { MetricsJson } from '../results/contract.js';
import { barsOf } from './windows.js';

/**
 * k_fold: the bars cut into k contiguous folds, fold j = [⌊j·n/k⌋, ⌊(j+1)·n/k⌋). Fold i is the test
 * part once; its train part is what lies before it minus `purge` bars next to it, and what lies
 * after it minus `embargo` bars next to it (serially correlated bars on either side of the test
 * fold would leak it into training). Each train segment is backtested on its own with the full
 * capital, features warming on every earlier bar; `combineSegments` says how their metrics combine.
 */
export interface KFoldSpec {
  readonly folds: number;
  readonly purge?: number | string;
  readonly embargo?: number | string;
}

export interface Fold {
  readonly test: BarWindow;
  /** One or two contiguous train segments, in time order. */
  readonly train: readonly BarWindow[];
}

export function kFolds(bars: number, spec: KFoldSpec, periodsPerYear: number): Fold[] {
  const k = spec.folds;
  const purge = spec.purge === undefined ? 0 : barsOf(spec.purge, periodsPerYear, 'purge');
  const embargo = spec.embargo === undefined ? 0 : barsOf(spec.embargo, periodsPerYear, 'embargo');
  if (!Number.isInteger(k) || k < 2) throw new UserError(`sequence.folds: expected at least 2 folds, got ${k}`);
  if (bars < k) throw new UserError(`sequence: ${bars} bars cannot be cut into ${k} folds`);
  const folds: Fold[] = [];
  for (let i = 0; i < k; i++) {
    const test = { start: Math.floor((i * bars) / k), end: Math.floor(((i + 1) * bars) / k) };
    const train: BarWindow[] = [];
    if (test.start - purge > 0) train.push({ start: 0, end: test.start - purge });
    if (test.end + embargo < bars) train.push({ start: test.end + embargo, end: bars });
    if (train.length === 0) throw new UserError(`sequence: fold ${i + 1} of ${k} has no train bars left after purge (${purge}) and embargo (${embargo})`);
    folds.push({ test, train });
  }
  return folds;
}

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
