import { MetricsAccumulator } from '../metrics/accumulator.js';
import type { FillEvent } from './events.js';
import type { Trade } from '../types.js';

/**
 * One parameter set's account: cash, a position per symbol, the open positions' entry details, the
 * streaming metrics and (when asked) the closed trades. Positions are always opened and closed
 * whole, so a fill either opens a flat symbol or closes its whole position.
 */
export class Portfolio {
  cash: number;
  readonly quantity: Float64Array;
  /** Target weight the open position was sized for. */
  readonly weight: Float64Array;
  readonly entryPrice: Float64Array;
  readonly entryCommission: Float64Array;
  readonly entryTime: Float64Array;
  openPositions = 0;
  readonly metrics: MetricsAccumulator;
  readonly trades: Trade[] | null;

  constructor(
    readonly capital: number,
    readonly symbols: readonly string[],
    storeTrades: boolean,
  ) {
    this.cash = capital;
    const n = symbols.length;
    this.quantity = new Float64Array(n);
    this.weight = new Float64Array(n);
    this.entryPrice = new Float64Array(n).fill(NaN);
    this.entryCommission = new Float64Array(n);
    this.entryTime = new Float64Array(n).fill(NaN);
    this.metrics = new MetricsAccumulator(capital);
    this.trades = storeTrades ? [] : null;
  }

  /** cash + Σ position × price, with `prices` per symbol. */
  equity(prices: Float64Array): number {
    if (this.openPositions === 0) return this.cash;
    let e = this.cash;
    const q = this.quantity;
    for (let s = 0; s < q.length; s++) if (q[s] !== 0) e += q[s] * prices[s];
    return e;
  }

  apply(fill: FillEvent, weight: number): void {
    const s = fill.symbol;
    this.cash -= fill.quantity * fill.price + fill.commission;
    const held = this.quantity[s];
    if (held === 0) {
      this.quantity[s] = fill.quantity;
      this.weight[s] = weight;
      this.entryPrice[s] = fill.price;
      this.entryCommission[s] = fill.commission;
      this.entryTime[s] = fill.time;
      this.openPositions++;
      return;
    }
    if (fill.quantity !== -held) throw new Error(`fill of ${fill.quantity} does not close the position of ${held} in ${this.symbols[s]}`);
    const commission = this.entryCommission[s] + fill.commission;
    const pnl = held * (fill.price - this.entryPrice[s]) - commission;
    this.metrics.onTrade(pnl);
    if (this.trades !== null) {
      this.trades.push(closedTrade(this.symbols[s], held, this.entryTime[s], this.entryPrice[s], fill.time, fill.price, commission, pnl));
    }
    this.quantity[s] = 0;
    this.weight[s] = 0;
    this.entryPrice[s] = NaN;
    this.entryCommission[s] = 0;
    this.entryTime[s] = NaN;
    this.openPositions--;
  }
}

/** A closed round trip as results report it (section 7): `held` the position closed, times in UTC ms. */
export function closedTrade(
  symbol: string,
  held: number,
  entryTime: number,
  entryPrice: number,
  exitTime: number,
  exitPrice: number,
  commission: number,
  pnl: number,
): Trade {
  return {
    symbol,
    side: held > 0 ? 'long' : 'short',
    qty: Math.abs(held),
    entry_time: new Date(entryTime).toISOString(),
    entry_price: entryPrice,
    exit_time: new Date(exitTime).toISOString(),
    exit_price: exitPrice,
    commission,
    pnl,
  };
}
