import { MAX_BATCH } from '../common/names.js';

/** Batch sizing: aim for tasks of about this long, within these bounds (points per batch). */
const TARGET_TASK_MS = 200;
const MIN_BATCH = 4;
export { MAX_BATCH };
const FIRST_BATCH = 16;

/**
 * Measures what a point costs per bar streamed (a point on a window streams the bars up to the
 * window's end: the bars before it warm the strategies) and sizes batches to last about 200 ms,
 * smaller towards the end of a search so the last tasks do not leave workers idle.
 */
export class BatchSizer {
  private msPerPointBar = NaN;

  observe(points: number, barsPerPoint: number, ms: number): void {
    if (points <= 0 || !(ms > 0)) return;
    const m = ms / (points * barsPerPoint);
    this.msPerPointBar = this.msPerPointBar !== this.msPerPointBar ? m : 0.5 * this.msPerPointBar + 0.5 * m;
  }

  size(barsPerPoint: number, remaining: number | null, concurrency: number, max: number): number {
    const target = this.msPerPointBar !== this.msPerPointBar ? FIRST_BATCH : Math.round(TARGET_TASK_MS / (this.msPerPointBar * barsPerPoint));
    const tail = remaining === null ? Infinity : Math.ceil(remaining / (2 * concurrency));
    // The caller's maximum wins over the minimum (tests force tiny batches).
    return Math.min(max, Math.max(MIN_BATCH, Math.min(target, tail)));
  }
}
