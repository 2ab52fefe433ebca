import type { EventBus } from '../bus.js';
import type { Component } from '../container.js';
import { EventType, type BarEvent } from '../events.js';
import type { BarWindow } from '../../types.js';

/**
 * The signal_generation topology's sink: after the strategies have acted on a bar's close, copies
 * every set's target per symbol into a dense series over the window (one Float64Array per set ×
 * symbol, allocated once). The sparse form the signal store keeps is taken from it at the end.
 */
export class SignalRecorder implements Component {
  readonly name = 'signal_recorder';
  /** Per set × symbol: the target in force at each window bar. */
  readonly dense: Float64Array[];

  constructor(
    private readonly bus: EventBus,
    private readonly targets: Float64Array,
    private readonly window: BarWindow,
  ) {
    this.dense = Array.from({ length: targets.length }, () => new Float64Array(window.end - window.start));
  }

  initialize(): void {
    for (const d of this.dense) d.fill(0);
  }

  onBar(e: BarEvent): void {
    if (e.index < this.window.start) return;
    const at = e.index - this.window.start;
    const { dense, targets } = this;
    for (let i = 0; i < dense.length; i++) dense[i][at] = targets[i];
  }

  /** Subscribe after the feature stage: its BAR handler runs the strategies. */
  wire(owner: string): void {
    this.bus.subscribe(EventType.BAR, owner, (e) => this.onBar(e));
  }
}
