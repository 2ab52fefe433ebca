import { METRIC_NAMES, type Metrics } from '../types.js';

/** Slot states, published with Atomics. */
export const SLOT_FREE = 0;
export const SLOT_ASSIGNED = 1;
export const SLOT_DONE = 2;

const WIDTH = METRIC_NAMES.length;

/** The plain, cloneable description of a summary buffer, sent to workers with each task. */
export interface SummaryHandle {
  readonly metrics: SharedArrayBuffer;
  readonly status: SharedArrayBuffer;
}

/**
 * Metric rows of finished parameter sets in shared memory: a worker writes a set's row into the slot
 * the main thread gave it and publishes the slot as done with Atomics (plus a global completion
 * counter the progress display reads); the main thread reads the row and frees the slot for reuse,
 * so memory stays constant however many trials a sweep has. null metrics are stored as NaN.
 */
export class SummaryBuffer {
  readonly rows: Float64Array;
  /** status[0] counts completed sets; status[1 + slot] is the slot's state. */
  readonly status: Int32Array;
  private readonly free: number[] = [];

  constructor(
    readonly capacity: number,
    handle?: SummaryHandle,
  ) {
    this.rows = new Float64Array(handle?.metrics ?? new SharedArrayBuffer(capacity * WIDTH * 8));
    this.status = new Int32Array(handle?.status ?? new SharedArrayBuffer((capacity + 1) * 4));
    if (!handle) for (let s = capacity - 1; s >= 0; s--) this.free.push(s);
  }

  get handle(): SummaryHandle {
    return { metrics: this.rows.buffer as SharedArrayBuffer, status: this.status.buffer as SharedArrayBuffer };
  }

  get available(): number {
    return this.free.length;
  }

  /** Main thread: reserves n slots. */
  acquire(n: number): Int32Array {
    if (n > this.free.length) throw new Error(`summary buffer: ${n} slots wanted, ${this.free.length} free`);
    const slots = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      slots[i] = this.free.pop()!;
      Atomics.store(this.status, 1 + slots[i], SLOT_ASSIGNED);
    }
    return slots;
  }

  /** Worker: writes a finished set's metrics and publishes it. */
  write(slot: number, m: Metrics): void {
    const base = slot * WIDTH;
    for (let i = 0; i < WIDTH; i++) {
      const v = m[METRIC_NAMES[i]];
      this.rows[base + i] = v === null ? NaN : v;
    }
    Atomics.store(this.status, 1 + slot, SLOT_DONE);
    Atomics.add(this.status, 0, 1);
  }

  isDone(slot: number): boolean {
    return Atomics.load(this.status, 1 + slot) === SLOT_DONE;
  }

  /** Main thread: the metrics of a done slot (NaN back to null; ±Infinity kept, as the engine gives it). */
  read(slot: number): Metrics {
    const base = slot * WIDTH;
    const out = {} as Record<string, number | null>;
    for (let i = 0; i < WIDTH; i++) {
      const v = this.rows[base + i];
      out[METRIC_NAMES[i]] = v !== v ? null : v;
    }
    return out as unknown as Metrics;
  }

  release(slots: ArrayLike<number>): void {
    for (let i = 0; i < slots.length; i++) {
      Atomics.store(this.status, 1 + slots[i], SLOT_FREE);
      this.free.push(slots[i]);
    }
  }

  /** Sets completed since the buffer was made (any thread). */
  get completed(): number {
    return Atomics.load(this.status, 0);
  }
}
