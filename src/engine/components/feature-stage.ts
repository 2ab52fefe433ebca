import type { FeatureHub } from '../../features/hub.js';
import type { EventBus } from '../bus.js';
import type { Component } from '../container.js';
import { EventType, featuresEvent, type BarEvent } from '../events.js';
import type { MarketState } from '../market.js';

/** Feeds each bar to the feature hub (once per symbol, whatever reads the features) and announces FEATURES. */
export class FeatureStage implements Component {
  readonly name = 'feature_hub';
  private readonly event = featuresEvent();

  constructor(
    private readonly bus: EventBus,
    private readonly market: MarketState,
    readonly hub: FeatureHub,
  ) {}

  initialize(): void {
    this.hub.reset();
  }

  onBar(e: BarEvent): void {
    const { market, hub } = this;
    for (let s = 0; s < market.symbolCount; s++) {
      if (market.hasBar[s] === 0) continue;
      const b = market.bars[s];
      hub.update(s, b.open, b.high, b.low, b.close, b.volume);
    }
    const ev = this.event;
    ev.index = e.index;
    ev.causation = e.id;
    ev.correlation = e.id;
    this.bus.publish(ev);
  }

  wire(owner: string): void {
    this.bus.subscribe(EventType.BAR, owner, (e) => this.onBar(e));
  }
}
