import type { EventBus } from '../bus.js';
import type { Component } from '../container.js';
import { EventType, portfolioEvent, positionEvent, type BarEvent, type FillEvent } from '../events.js';
import type { MarketState } from '../market.js';
import type { Portfolio } from '../portfolio.js';
import type { BarWindow, Metrics, Trade } from '../../types.js';

export interface SetResult {
  readonly metrics: Metrics;
  readonly trades: Trade[] | null;
  /** Equity at each window bar's close and whether a position was open, when recorded. */
  readonly curve?: EquityCurve;
}

export interface EquityCurve {
  readonly equity: Float64Array;
  readonly exposed: Uint8Array;
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
    recordCurves = false,
  ) {
    const n = window.end - window.start;
    this.curves = recordCurves ? portfolios.map(() => ({ equity: new Float64Array(n), exposed: new Uint8Array(n) })) : null;
  }

  private readonly curves: EquityCurve[] | null;

  collect(): void {
    this.results = this.portfolios.map((pf, p) => ({ metrics: pf.metrics.finish(this.periodsPerYear), trades: pf.trades, ...(this.curves ? { curve: this.curves[p] } : {}) }));
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
    e.causation = f.id;
    e.correlation = f.correlation;
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
      if (this.curves !== null) {
        this.curves[p].equity[e.index - this.window.start] = equity;
        this.curves[p].exposed[e.index - this.window.start] = pf.openPositions > 0 ? 1 : 0;
      }
      if (announce) {
        const snap = this.snapshot;
        snap.portfolio = p;
        snap.index = e.index;
        snap.equity = equity;
        snap.cash = pf.cash;
        snap.causation = e.id;
        snap.correlation = e.id;
        this.bus.publish(snap);
      }
    }
  }

  wire(owner: string): void {
    this.bus.subscribe(EventType.BAR, owner, (e) => this.onBar(e));
    for (let p = 0; p < this.portfolios.length; p++) this.bus.subscribePortfolio(EventType.FILL, p, owner, (f) => this.onFill(f));
  }
}
