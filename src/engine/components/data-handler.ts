import type { EventBus } from '../bus.js';
import type { Component } from '../container.js';
import { barEvent } from '../events.js';
import type { MarketState } from '../market.js';
import type { BarWindow } from '../../types.js';

/**
 * Streams the timeline through the bus: bars before the window only warm features and strategy
 * state; the window's bars drive orders, fills and equity. Bars after the window are never read.
 */
export class DataHandler implements Component {
  readonly name = 'data_handler';
  private readonly event = barEvent();

  constructor(
    private readonly bus: EventBus,
    private readonly market: MarketState,
    private readonly window: BarWindow,
  ) {}

  stream(): void {
    const { bus, market, event } = this;
    for (let t = 0; t < this.window.end; t++) {
      market.advance(t);
      event.index = t;
      event.time = market.time;
      event.correlation = 0;
      bus.publish(event);
    }
  }
}
