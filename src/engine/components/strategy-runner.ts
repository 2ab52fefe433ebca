import type { FeatureHub } from '../../features/hub.js';
import type { EventBus } from '../bus.js';
import type { Component } from '../container.js';
import { EventType, signalEvent, type FeaturesEvent } from '../events.js';
import type { MarketState } from '../market.js';
import { StrategyBank } from '../strategy-bank.js';
import type { BarWindow, StrategySpec } from '../../types.js';

export { featureKeysOf } from '../strategy-bank.js';

/**
 * Runs every parameter set's strategy on every symbol at each bar's close (one instance per set,
 * {@link StrategyBank}); a change of a set's target inside the window is a SIGNAL for its portfolio.
 */
export class StrategyRunner implements Component {
  readonly name = 'strategy_runner';
  private readonly bank: StrategyBank;
  private readonly event = signalEvent();
  private cause = 0;
  private index = 0;
  private readonly emit = (p: number, s: number, want: number): void => {
    const ev = this.event;
    ev.portfolio = p;
    ev.symbol = s;
    ev.index = this.index;
    ev.target = want;
    ev.causation = this.cause;
    ev.correlation = 0;
    this.bus.publish(ev);
  };

  constructor(
    private readonly bus: EventBus,
    market: MarketState,
    private readonly hub: FeatureHub,
    specs: readonly StrategySpec[],
    private readonly window: BarWindow,
  ) {
    this.bank = new StrategyBank(specs, hub.layout, market);
  }

  /** Per set × symbol: the target in force (read by the signal recorder after each bar). */
  get targets(): Float64Array {
    return this.bank.target;
  }

  initialize(): void {
    this.bank.reset();
  }

  onFeatures(e: FeaturesEvent): void {
    this.cause = e.id;
    this.index = e.index;
    this.bank.step(this.hub.values, e.index >= this.window.start, this.emit);
  }

  wire(owner: string): void {
    this.bus.subscribe(EventType.FEATURES, owner, (e) => this.onFeatures(e));
  }
}
