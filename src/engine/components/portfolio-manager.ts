import type { EventBus } from '../bus.js';
import type { Component } from '../container.js';
import { EventType, portfolioEvent, positionEvent, type BarEvent, type FillEvent } from '../events.js';
import type { MarketState } from '../market.js';
import type { Portfolio } from '../portfolio.js';
import type { BarWindow, Metrics, Trade } from '../../types.js';
import { ReturnBlocks, type BlockSpec } from '../../metrics/blocks.js';

export interface SetResult {
  readonly metrics: Metrics;
  readonly trades: Trade[] | null;
  /** Equity at each window bar's close and whether a position was open, when recorded. */
  readonly curve?: EquityCurve;
  /** Per-block Σr and Σr² of its bar returns (metrics/blocks.ts), when asked for. */
  readonly blocks?: Float64Array;
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
    blocks: BlockSpec | null = null,
  ) {
    const n = window.end - window.start;
    this.curves = recordCurves ? portfolios.map(() => ({ equity: new Float64Array(n), exposed: new Uint8Array(n) })) : null;
    this.blocks = blocks === null ? null : new ReturnBlocks(portfolios.length, blocks);
  }

  private readonly curves: EquityCurve[] | null;
  private readonly blocks: ReturnBlocks | null;

  collect(): void {
    const blocks = this.blocks;
    if (blocks !== null) {
      this.portfolios.forEach((pf, p) => blocks.finish(p, pf.metrics.returnCount, pf.metrics.returnMean, pf.metrics.returnM2));
    }
    this.results = this.portfolios.map((pf, p) => ({
      metrics: pf.metrics.finish(this.periodsPerYear),
      trades: pf.trades,
      ...(this.curves ? { curve: this.curves[p] } : {}),
      ...(blocks ? { blocks: blocks.of(p) } : {}),
    }));
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
    const blocks = this.blocks;
    if (blocks !== null && e.index > this.window.start && blocks.next()) {
      for (let p = 0; p < this.portfolios.length; p++) {
        const m = this.portfolios[p].metrics;
        blocks.cut(p, m.returnCount, m.returnMean, m.returnM2);
      }
    }
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
