import type { EventBus } from '../bus.js';
import type { Component } from '../container.js';
import { EventType, orderEvent, type BarEvent, type OrderReason, type PositionEvent, type SignalEvent } from '../events.js';
import { exitOf, type ExitDecision } from '../exits.js';
import type { MarketState } from '../market.js';
import type { BarWindow, RiskSpec } from '../../types.js';

/**
 * Turns target changes into orders and watches open positions' exits: stop-loss, take-profit and
 * trailing stop, as fractions of the entry price. Each bar's open, high and low are checked against
 * the levels set from earlier bars; a bar that opens beyond a level exits at the open (the gap), one
 * that trades through it intrabar exits at the level. When both the stop and the take-profit lie
 * inside one bar's range the stop is assumed hit first (the order inside a bar is unknown; the
 * conservative choice). The trailing stop follows the best high (low for shorts) of the bars after
 * the entry fill, the entry bar's included after its check.
 */
export class RiskManager implements Component {
  readonly name = 'risk_manager';
  private readonly order = orderEvent();
  private readonly exit: ExitDecision = { reason: 'stop_loss', price: NaN };
  /** Per set × symbol: position direction (−1, 0, 1), fixed stop and take-profit levels, trailing extreme. */
  private readonly direction: Int8Array;
  private readonly stopAt: Float64Array;
  private readonly profitAt: Float64Array;
  private readonly extreme: Float64Array;
  private readonly watching: boolean[];
  private open = 0;

  constructor(
    private readonly bus: EventBus,
    private readonly market: MarketState,
    private readonly specs: readonly RiskSpec[],
    private readonly window: BarWindow,
  ) {
    const n = specs.length * market.symbolCount;
    this.direction = new Int8Array(n);
    this.stopAt = new Float64Array(n);
    this.profitAt = new Float64Array(n);
    this.extreme = new Float64Array(n);
    this.watching = specs.map((r) => r.stopLoss !== null || r.takeProfit !== null || r.trailingStop !== null);
  }

  initialize(): void {
    this.direction.fill(0);
    this.open = 0;
  }

  onSignal(e: SignalEvent): void {
    this.publish(e.portfolio, e.symbol, e.index, e.target, 'signal', NaN, e.id, e.correlation);
  }

  onPosition(e: PositionEvent): void {
    const p = e.portfolio;
    if (!this.watching[p]) return;
    const i = p * this.market.symbolCount + e.symbol;
    const dir = e.quantity > 0 ? 1 : e.quantity < 0 ? -1 : 0;
    if (this.direction[i] !== 0) this.open--;
    this.direction[i] = dir;
    if (dir === 0) return;
    this.open++;
    const r = this.specs[p];
    const entry = e.entryPrice;
    this.stopAt[i] = r.stopLoss === null ? NaN : entry * (1 - dir * r.stopLoss);
    this.profitAt[i] = r.takeProfit === null ? NaN : entry * (1 + dir * r.takeProfit);
    this.extreme[i] = entry;
  }

  onBar(e: BarEvent): void {
    if (this.open === 0 || e.index < this.window.start) return;
    const { market, direction } = this;
    const symbols = market.symbolCount;
    for (let p = 0; p < this.specs.length; p++) {
      if (!this.watching[p]) continue;
      const trail = this.specs[p].trailingStop;
      for (let s = 0; s < symbols; s++) {
        const i = p * symbols + s;
        const dir = direction[i];
        if (dir === 0 || market.hasBar[s] === 0) continue;
        const bar = market.bars[s];
        const trailing = trail === null ? NaN : trail;
        if (exitOf(dir, bar.open, bar.high, bar.low, this.extreme[i], this.stopAt[i], this.profitAt[i], trailing, this.exit))
          this.publish(p, s, e.index, 0, this.exit.reason, this.exit.price, e.id, 0);
        else if (dir > 0 ? bar.high > this.extreme[i] : bar.low < this.extreme[i]) this.extreme[i] = dir > 0 ? bar.high : bar.low;
      }
    }
  }

  /** `correlation` 0: the order starts its own chain (a risk exit; the bus gives it the order's id). */
  private publish(
    portfolio: number,
    symbol: number,
    index: number,
    target: number,
    reason: OrderReason,
    price: number,
    causation: number,
    correlation: number,
  ): void {
    const o = this.order;
    o.causation = causation;
    o.correlation = correlation;
    o.portfolio = portfolio;
    o.symbol = symbol;
    o.index = index;
    o.target = target;
    o.reason = reason;
    o.price = price;
    this.bus.publish(o);
  }

  wire(owner: string, portfolios: number): void {
    this.bus.subscribe(EventType.BAR, owner, (e) => this.onBar(e));
    for (let p = 0; p < portfolios; p++) {
      this.bus.subscribePortfolio(EventType.SIGNAL, p, owner, (e) => this.onSignal(e));
      this.bus.subscribePortfolio(EventType.POSITION, p, owner, (e) => this.onPosition(e));
    }
  }
}
