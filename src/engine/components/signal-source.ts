import type { SparseSignal } from '../sparse-signal.js';
import type { EventBus } from '../bus.js';
import type { Component } from '../container.js';
import { EventType, signalEvent, type BarEvent } from '../events.js';
import type { BarWindow } from '../../types.js';

/**
 * The signal_replay topology's stand-in for features and strategies: emits, from stored sparse
 * signals, the SIGNAL events the strategy runner would have emitted — same bars, same targets, same
 * order (sets, then symbols), at the same point of the bar (after execution and risk, before the
 * portfolio marks to market). The stored changes are exactly the runner's target changes, so the
 * dense target series is never rebuilt: a cursor per set × symbol walks its changes.
 */
export class SignalSource implements Component {
  readonly name = 'signal_source';
  private readonly event = signalEvent();
  private readonly index: Int32Array[];
  private readonly value: Float64Array[];
  private readonly cursor: Int32Array;

  /** `signals[p][s]`: set p's stored signal for symbol s. */
  constructor(
    private readonly bus: EventBus,
    signals: readonly (readonly SparseSignal[])[],
    private readonly symbols: number,
    private readonly window: BarWindow,
  ) {
    this.index = signals.flatMap((set) => set.map((s) => s.index));
    this.value = signals.flatMap((set) => set.map((s) => s.value));
    this.cursor = new Int32Array(this.index.length);
  }

  initialize(): void {
    // Changes before the window cannot exist (targets change only inside it); skip any all the same.
    for (let i = 0; i < this.index.length; i++) {
      let c = 0;
      while (c < this.index[i].length && this.index[i][c] < this.window.start) c++;
      this.cursor[i] = c;
    }
  }

  onBar(e: BarEvent): void {
    const t = e.index;
    if (t < this.window.start) return;
    const { index, value, cursor, symbols } = this;
    for (let i = 0; i < index.length; i++) {
      const c = cursor[i];
      if (c >= index[i].length || index[i][c] !== t) continue;
      cursor[i] = c + 1;
      const s = i % symbols;
      const ev = this.event;
      ev.portfolio = (i - s) / symbols;
      ev.symbol = s;
      ev.index = t;
      ev.target = value[i][c];
      ev.causation = e.id;
      ev.correlation = 0;
      this.bus.publish(ev);
    }
  }

  wire(owner: string): void {
    this.bus.subscribe(EventType.BAR, owner, (e) => this.onBar(e));
  }
}
