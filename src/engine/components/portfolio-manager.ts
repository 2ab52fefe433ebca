import type { EventBus } from '../bus.js';
import type { Component } from '../container.js';
import { EventType, portfolioEvent, positionEvent, type BarEvent, type FillEvent } from '../events.js';
import type { MarketState } from '../market.js';
import type { Portfolio } from '../portfolio.js';
import type { BarWindow } from '../spec.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { Trade } from '../trade.js';

export interface SetResult {
  readonly metrics: Metrics;
  readonly trades: Trade[] | null;
}

/**
 * Books each set's fills into its portfolio (announcing the new POSITION) and marks every portfolio
 * to market at each window bar's close, feeding the streaming metrics.
 */
export class PortfolioManager implements Component {
  readonly name = 'portfolio_manager';
  private readonly position = positionEvent();
  private readonly snapshot = portfolioEvent();
  /** Filled by the collect phase. */
  results: SetResult[] = [];

  constructor(
    private readonly bus: EventBus,
    private readonly market: MarketState,
    readonly portfolios: readonly Portfolio[],
    private readonly window: BarWindow,
    private readonly periodsPerYear: number,
  ) {}

  collect(): void {
    this.results = this.portfolios.map((pf) => ({ metrics: pf.metrics.finish(this.periodsPerYear), trades: pf.trades }));
  }

  onFill(f: FillEvent): void {
    const pf = this.portfolios[f.portfolio];
    pf.apply(f, f.target);
    const e = this.position;
    e.portfolio = f.portfolio;
    e.symbol = f.symbol;
    e.index = f.index;
    e.quantity = pf.quantity[f.symbol];
    e.entryPrice = pf.entryPrice[f.symbol];
    this.bus.publish(e);
  }

  onBar(e: BarEvent): void {
    if (e.index < this.window.start) return;
    const prices = this.market.lastClose;
    const announce = this.bus.hasListeners(EventType.PORTFOLIO);
    for (let p = 0; p < this.portfolios.length; p++) {
      const pf = this.portfolios[p];
      const equity = pf.equity(prices);
      pf.metrics.onBar(equity, pf.openPositions > 0);
      if (announce) {
        const snap = this.snapshot;
        snap.portfolio = p;
        snap.index = e.index;
        snap.equity = equity;
        snap.cash = pf.cash;
        this.bus.publish(snap);
      }
    }
  }

  wire(owner: string): void {
    this.bus.subscribe(EventType.BAR, owner, (e) => this.onBar(e));
    for (let p = 0; p < this.portfolios.length; p++) this.bus.subscribePortfolio(EventType.FILL, p, owner, (f) => this.onFill(f));
  }
}
