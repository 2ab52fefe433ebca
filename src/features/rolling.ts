import { ExactSum } from './exact-sum.js';

/**
 * Building blocks shared by the indicators: sliding windows, exponential smoothers and running
 * extremes. Each holds preallocated state and takes one value per call, so an indicator update is
 * O(1) and allocates nothing.
 */

/** The last `n` values pushed, oldest first out. */
export class Ring {
  readonly values: Float64Array;
  private head = 0;
  count = 0;

  constructor(readonly n: number) {
    this.values = new Float64Array(n);
  }

  reset(): void {
    this.head = 0;
    this.count = 0;
  }

  /** Pushes x; returns the value that left the window, or NaN while the window was not full. */
  push(x: number): number {
    const out = this.count === this.n ? this.values[this.head] : NaN;
    this.values[this.head] = x;
    this.head = this.head + 1 === this.n ? 0 : this.head + 1;
    if (this.count < this.n) this.count++;
    return out;
  }

  get full(): boolean {
    return this.count === this.n;
  }

  /** The value pushed `lag` pushes ago (0 = the latest). */
  back(lag: number): number {
    let i = this.head - 1 - lag;
    if (i < 0) i += this.n;
    return this.values[i];
  }
}

/** SMA(n): the exactly rounded window sum divided by n; NaN until n values were seen. */
export class RollingMean {
  private readonly ring: Ring;
  private readonly sum = new ExactSum();

  constructor(readonly n: number) {
    this.ring = new Ring(n);
  }

  reset(): void {
    this.ring.reset();
    this.sum.reset();
  }

  push(x: number): number {
    const old = this.ring.push(x);
    this.sum.add(x);
    if (old === old) this.sum.add(-old); // old is NaN until the window is full
    return this.ring.full ? this.sum.value() / this.n : NaN;
  }

  get window(): Ring {
    return this.ring;
  }
}

/**
 * Mean and sum of squared deviations over a sliding window. The mean comes from the exact window sum;
 * the squared deviations follow Welford's update for a value entering and one leaving. Rounding in
 * that update is relative to the largest sum of squares seen since the last exact recomputation, so a
 * calm window after a volatile one would inherit the volatile window's error: the sum is recomputed
 * (corrected two-pass) every n updates and whenever it falls below 1/1000 of that peak, which keeps
 * the relative error near 1e-13 at amortised O(1) cost. A constant window is detected from its
 * running max and min and gives exactly 0.
 */
export class RollingVariance {
  private readonly ring: Ring;
  private readonly sum = new ExactSum();
  private readonly max: RollingExtreme;
  private readonly min: RollingExtreme;
  private mean = NaN;
  private m2 = 0;
  private peak = 0;
  private sinceResync = 0;

  constructor(readonly n: number) {
    this.ring = new Ring(n);
    this.max = new RollingExtreme(n, 1);
    this.min = new RollingExtreme(n, -1);
  }

  reset(): void {
    this.ring.reset();
    this.sum.reset();
    this.max.reset();
    this.min.reset();
    this.mean = NaN;
    this.m2 = 0;
    this.peak = 0;
    this.sinceResync = 0;
  }

  /** Pushes x; afterwards `currentMean` and `sumSquares` describe the window (when full). */
  push(x: number): void {
    const old = this.ring.push(x);
    this.sum.add(x);
    if (old === old) this.sum.add(-old);
    this.max.push(x);
    this.min.push(x);
    const count = this.ring.count;
    const prevMean = this.mean;
    const mean = this.sum.value() / count;
    this.mean = mean;
    if (this.max.current === this.min.current) {
      this.m2 = 0;
      this.peak = 0;
      return;
    }
    if (old !== old) this.m2 = count === 1 ? 0 : this.m2 + (x - prevMean) * (x - mean);
    else this.m2 += (x - old) * (x - mean + old - prevMean);
    if (++this.sinceResync >= this.n || this.m2 < this.peak * 1e-3) this.resync();
    if (this.m2 > this.peak) this.peak = this.m2;
  }

  private resync(): void {
    this.sinceResync = 0;
    const v = this.ring.values;
    const count = this.ring.count;
    const mean = this.mean;
    let squares = 0;
    let residual = 0;
    for (let i = 0; i < count; i++) {
      const d = v[i] - mean;
      squares += d * d;
      residual += d;
    }
    // The correction term removes the effect of the mean's own rounding.
    this.m2 = Math.max(0, squares - (residual * residual) / count);
    this.peak = this.m2;
  }

  get full(): boolean {
    return this.ring.full;
  }

  get currentMean(): number {
    return this.mean;
  }

  get sumSquares(): number {
    return this.m2;
  }
}

/**
 * Exponential smoothing with factor k, seeded with the plain mean (exact sum / n) of the first n
 * inputs: EMA uses k = 2/(n+1), Wilder's smoothing k = 1/n. Recurrence as TTR: k·x + (1−k)·prev.
 */
export class Smoother {
  private readonly seed = new ExactSum();
  private seen = 0;
  private prev = NaN;
  private readonly oneMinusK: number;

  constructor(
    readonly n: number,
    readonly k: number,
  ) {
    this.oneMinusK = 1 - k;
  }

  static ema(n: number): Smoother {
    return new Smoother(n, 2 / (n + 1));
  }

  static wilder(n: number): Smoother {
    return new Smoother(n, 1 / n);
  }

  reset(): void {
    this.seed.reset();
    this.seen = 0;
    this.prev = NaN;
  }

  push(x: number): number {
    if (this.seen < this.n) {
      this.seed.add(x);
      if (++this.seen === this.n) this.prev = this.seed.value() / this.n;
      return this.prev;
    }
    this.prev = this.k * x + this.oneMinusK * this.prev;
    return this.prev;
  }
}

/** Running maximum (sign = 1) or minimum (sign = -1) of the last n values: a monotonic deque. */
export class RollingExtreme {
  private readonly idx: Int32Array;
  private readonly val: Float64Array;
  private head = 0;
  private size = 0;
  private t = 0;

  constructor(
    readonly n: number,
    private readonly sign: 1 | -1,
  ) {
    this.idx = new Int32Array(n);
    this.val = new Float64Array(n);
  }

  reset(): void {
    this.head = 0;
    this.size = 0;
    this.t = 0;
  }

  push(x: number): number {
    const n = this.n;
    const s = this.sign * x;
    if (this.size > 0 && this.idx[this.head] <= this.t - n) {
      this.head = this.head + 1 === n ? 0 : this.head + 1;
      this.size--;
    }
    // Drop values the newcomer dominates: they can never be the extreme again.
    while (this.size > 0) {
      const last = (this.head + this.size - 1) % n;
      if (this.sign * this.val[last] <= s) this.size--;
      else break;
    }
    const slot = (this.head + this.size) % n;
    this.idx[slot] = this.t;
    this.val[slot] = x;
    this.size++;
    this.t++;
    return this.t >= n ? this.val[this.head] : NaN;
  }

  /** The extreme of the values seen so far in the window, even before it is full. */
  get current(): number {
    return this.size > 0 ? this.val[this.head] : NaN;
  }
}
