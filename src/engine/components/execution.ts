import type { EventBus } from '../bus.js';
import type { Component } from '../container.js';
import { commissionFor, slippedPrice } from '../costs.js';
import { EventType, fillEvent, type BarEvent, type OrderEvent, type OrderReason } from '../events.js';
import type { MarketState } from '../market.js';
import type { Portfolio } from '../portfolio.js';
import { orderQuantity } from '../sizing.js';
import type { BarWindow, ParameterSet } from '../../types.js';

/**
 * The simulated market. A signal order fills at the next bar's open (`fill: next_open`, kept pending
 * until the symbol's next bar and cancelled if the window ends first) or at the signal bar's close
 * (`fill: close`). Risk exits fill at once at their level (or the open on a gap). Slippage moves the
 * price against the order; commission is charged per fill; the quantity of an opening fill is sized
 * from the fill price then (section 5, Sizing), and a long buy never takes cash below zero.
 */
export class Execution implements Component {
  readonly name = 'execution';
  private readonly fill = fillEvent();
  /** Per set × symbol: target waiting for the next open, NaN when none. */
  private readonly pending: Float64Array;
  /** Per set × symbol: id and correlation of the pending order (the fill's causation). */
  private readonly pendingOrder: Float64Array;
  private readonly pendingChain: Float64Array;
  private pendingCount = 0;

  constructor(
    private readonly bus: EventBus,
    private readonly market: MarketState,
    private readonly sets: readonly ParameterSet[],
    private readonly portfolios: readonly Portfolio[],
    private readonly window: BarWindow,
  ) {
    this.pending = new Float64Array(sets.length * market.symbolCount);
    this.pendingOrder = new Float64Array(sets.length * market.symbolCount);
    this.pendingChain = new Float64Array(sets.length * market.symbolCount);
  }

  initialize(): void {
    this.pending.fill(NaN);
    this.pendingCount = 0;
  }

  /** Fills the orders waiting for this bar's open. */
  onBar(e: BarEvent): void {
    if (this.pendingCount === 0 || e.index < this.window.start) return;
    const { market, pending } = this;
    const symbols = market.symbolCount;
    for (let i = 0; i < pending.length; i++) {
      const target = pending[i];
      if (target !== target) continue;
      const s = i % symbols;
      if (market.hasBar[s] === 0) continue;
      pending[i] = NaN;
      this.pendingCount--;
      this.execute((i - s) / symbols, s, target, market.bars[s].open, 'signal', true, this.pendingOrder[i], this.pendingChain[i]);
    }
  }

  onOrder(o: OrderEvent): void {
    const s = o.symbol;
    if (o.reason !== 'signal') {
      this.execute(o.portfolio, s, o.target, o.price, o.reason, false, o.id, o.correlation);
      return;
    }
    if (this.sets[o.portfolio].broker.fill === 'close') {
      this.execute(o.portfolio, s, o.target, this.market.bars[s].close, 'signal', false, o.id, o.correlation);
      return;
    }
    const i = o.portfolio * this.market.symbolCount + s;
    if (this.pending[i] !== this.pending[i]) this.pendingCount++;
    this.pending[i] = o.target;
    this.pendingOrder[i] = o.id;
    this.pendingChain[i] = o.correlation;
  }

  /** Moves one position to `target` at `base` (before slippage): close what must go, then open. */
  private execute(p: number, s: number, target: number, base: number, reason: OrderReason, atOpen: boolean, order: number, chain: number): void {
    const set = this.sets[p];
    const pf = this.portfolios[p];
    const allowShort = set.strategy.params.allow_short === true;
    const want = target < 0 && !allowShort ? 0 : target;
    const held = pf.quantity[s];
    if (held !== 0) {
      if (want !== 0 && Math.sign(want) === Math.sign(held) && want === pf.weight[s]) return;
      const price = slippedPrice(set.broker.slippage, base, held > 0 ? -1 : 1);
      this.publish(p, s, -held, price, commissionFor(set.broker.commission, held, price), reason, want, order, chain);
    }
    if (want === 0 || reason !== 'signal') return;
    const side = want > 0 ? 1 : -1;
    const price = slippedPrice(set.broker.slippage, base, side);
    const quantity = this.size(p, s, Math.abs(want), price, side, atOpen);
    if (quantity > 0) this.publish(p, s, side * quantity, price, commissionFor(set.broker.commission, quantity, price), reason, want, order, chain);
  }

  private size(p: number, s: number, weight: number, price: number, side: number, atOpen: boolean): number {
    const set = this.sets[p];
    return orderQuantity(set.risk.sizing, set.broker.commission, weight, price, side, this.portfolios[p].cash, () => this.equityAt(p, s, price, atOpen));
  }

  /** Portfolio equity with symbol s at `price` and the others at the price of this moment (open or close). */
  private equityAt(p: number, s: number, price: number, atOpen: boolean): number {
    const pf = this.portfolios[p];
    const { market } = this;
    let equity = pf.cash;
    if (pf.openPositions === 0) return equity;
    for (let k = 0; k < market.symbolCount; k++) {
      const q = pf.quantity[k];
      if (q === 0) continue;
      equity += q * (k === s ? price : atOpen && market.hasBar[k] === 1 ? market.bars[k].open : market.lastClose[k]);
    }
    return equity;
  }

  private publish(
    p: number,
    s: number,
    quantity: number,
    price: number,
    commission: number,
    reason: OrderReason,
    target: number,
    order: number,
    chain: number,
  ): void {
    const f = this.fill;
    f.causation = order;
    f.correlation = chain;
    f.portfolio = p;
    f.symbol = s;
    f.index = this.market.index;
    f.time = this.market.time;
    f.quantity = quantity;
    f.price = price;
    f.commission = commission;
    f.reason = reason;
    f.target = target;
    this.bus.publish(f);
  }

  wire(owner: string): void {
    this.bus.subscribe(EventType.BAR, owner, (e) => this.onBar(e));
    for (let p = 0; p < this.sets.length; p++) this.bus.subscribePortfolio(EventType.ORDER, p, owner, (o) => this.onOrder(o));
  }
}
