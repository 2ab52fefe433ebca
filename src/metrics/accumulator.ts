import type { Metrics } from '../types.js';

/**
 * Streaming state for the metrics of one portfolio over one window: running sums (Welford for the
 * returns' mean and variance), running peak and drawdown, trade tallies. O(1) per bar; no equity
 * curve is kept.
 */
export class MetricsAccumulator {
  bars = 0;
  exposedBars = 0;
  private prevEquity = NaN;
  private returns = 0;
  private mean = 0;
  private m2 = 0;
  private downsideSquares = 0;
  private peak = NaN;
  private maxDrawdown = 0;
  trades = 0;
  private wins = 0;
  private grossProfit = 0;
  private grossLoss = 0;

  constructor(readonly capital: number) {}

  /** The returns so far, their Welford mean and m2 (the robustness block sums read them). */
  get returnCount(): number {
    return this.returns;
  }

  get returnMean(): number {
    return this.mean;
  }

  get returnM2(): number {
    return this.m2;
  }

  /** Equity at a bar's close (after that bar's fills); `exposed` = some position is open. */
  onBar(equity: number, exposed: boolean): void {
    if (this.bars === 0) {
      this.peak = equity;
    } else {
      const r = equity / this.prevEquity - 1;
      const k = ++this.returns;
      const delta = r - this.mean;
      this.mean += delta / k;
      this.m2 += delta * (r - this.mean);
      if (r < 0) this.downsideSquares += r * r;
      if (equity > this.peak) this.peak = equity;
    }
    const dd = 1 - equity / this.peak;
    if (dd > this.maxDrawdown) this.maxDrawdown = dd;
    this.prevEquity = equity;
    this.bars++;
    if (exposed) this.exposedBars++;
  }

  /** A closed round trip with its net pnl (commissions included). */
  onTrade(pnl: number): void {
    this.trades++;
    if (pnl > 0) {
      this.wins++;
      this.grossProfit += pnl;
    } else if (pnl < 0) {
      this.grossLoss -= pnl;
    }
  }

  finish(periodsPerYear: number): Metrics {
    return finishMetrics(
      this.capital,
      this.bars,
      this.exposedBars,
      this.prevEquity,
      this.returns,
      this.mean,
      this.m2,
      this.downsideSquares,
      this.maxDrawdown,
      this.trades,
      this.wins,
      this.grossProfit,
      this.grossLoss,
      periodsPerYear,
    );
  }
}

/**
 * The metric table (DESIGN.md section 5) from the streaming state of one portfolio over one window:
 * `returns` bar returns with Welford mean and sum of squared deviations `m2`, the sum of squared
 * negative returns, the running maximum drawdown and the trade tallies. Shared by the accumulator
 * and the batch kernel's struct-of-arrays state, so both give the same bits.
 */
export function finishMetrics(
  capital: number,
  bars: number,
  exposedBars: number,
  lastEquity: number,
  returns: number,
  mean: number,
  m2: number,
  downsideSquares: number,
  maxDrawdown: number,
  trades: number,
  wins: number,
  grossProfit: number,
  grossLoss: number,
  periodsPerYear: number,
): Metrics {
  const n = returns;
  const finalEquity = bars > 0 ? lastEquity : capital;
  const totalReturn = finalEquity / capital - 1;
  const growth = 1 + totalReturn;
  const cagr = n > 0 && growth > 0 ? Math.pow(growth, periodsPerYear / n) - 1 : n > 0 && growth === 0 ? -1 : null;
  const sd = n > 1 ? Math.sqrt(m2 / (n - 1)) : NaN;
  const rootPpy = Math.sqrt(periodsPerYear);
  const downside = n > 0 ? Math.sqrt(downsideSquares / n) : NaN;
  const profitFactor = trades === 0 || (grossLoss === 0 && grossProfit === 0) ? null : grossLoss === 0 ? Infinity : grossProfit / grossLoss;
  return {
    final_equity: finalEquity,
    total_return: totalReturn,
    cagr,
    volatility: sd === sd ? sd * rootPpy : null,
    sharpe: sd > 0 ? (rootPpy * mean) / sd : null,
    sortino: downside > 0 ? (rootPpy * mean) / downside : null,
    max_drawdown: maxDrawdown,
    calmar: cagr !== null && maxDrawdown > 0 ? cagr / maxDrawdown : null,
    trades,
    win_rate: trades > 0 ? wins / trades : null,
    profit_factor: profitFactor,
    exposure: bars > 0 ? exposedBars / bars : null,
  };
}
