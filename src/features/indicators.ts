import type { Feature } from './feature.js';
import { RollingExtreme, RollingMean, RollingVariance, Ring, Smoother } from './rolling.js';

/**
 * The indicators of DESIGN.md section 5, as incremental features. Conventions (warm-up, seeds,
 * divisors) follow TTR: the first value of each is at the 0-based bar index its kind's `warmup` names.
 */

abstract class SingleOutput implements Feature {
  readonly outputs: readonly string[];
  constructor(readonly key: string) {
    this.outputs = [key];
  }
  abstract update(o: number, h: number, l: number, c: number, v: number, out: Float64Array, at: number): void;
  abstract reset(): void;
}

export class Sma extends SingleOutput {
  private readonly mean: RollingMean;
  constructor(key: string, n: number) {
    super(key);
    this.mean = new RollingMean(n);
  }
  update(_o: number, _h: number, _l: number, c: number, _v: number, out: Float64Array, at: number): void {
    out[at] = this.mean.push(c);
  }
  reset(): void {
    this.mean.reset();
  }
}

export class Ema extends SingleOutput {
  private readonly ema: Smoother;
  constructor(key: string, n: number) {
    super(key);
    this.ema = Smoother.ema(n);
  }
  update(_o: number, _h: number, _l: number, c: number, _v: number, out: Float64Array, at: number): void {
    out[at] = this.ema.push(c);
  }
  reset(): void {
    this.ema.reset();
  }
}

/** RSI(n) = 100·avgUp/(avgUp+avgDown), Wilder-smoothed close-to-close changes; first at index n. */
export class Rsi extends SingleOutput {
  private readonly up: Smoother;
  private readonly down: Smoother;
  private prevClose = NaN;
  constructor(key: string, n: number) {
    super(key);
    this.up = Smoother.wilder(n);
    this.down = Smoother.wilder(n);
  }
  update(_o: number, _h: number, _l: number, c: number, _v: number, out: Float64Array, at: number): void {
    const prev = this.prevClose;
    this.prevClose = c;
    if (prev !== prev) {
      out[at] = NaN;
      return;
    }
    const change = c - prev;
    const up = this.up.push(change > 0 ? change : 0);
    const down = this.down.push(change < 0 ? -change : 0);
    // 0/0 (no movement over the whole smoothing) stays NaN: RSI is undefined there.
    out[at] = (100 * up) / (up + down);
  }
  reset(): void {
    this.up.reset();
    this.down.reset();
    this.prevClose = NaN;
  }
}

/** True range max(H, C₋₁) − min(L, C₋₁); undefined at the first bar. */
export class TrueRange extends SingleOutput {
  private prevClose = NaN;
  update(_o: number, h: number, l: number, c: number, _v: number, out: Float64Array, at: number): void {
    const prev = this.prevClose;
    this.prevClose = c;
    out[at] = prev !== prev ? NaN : Math.max(h, prev) - Math.min(l, prev);
  }
  reset(): void {
    this.prevClose = NaN;
  }
}

/** ATR(n): Wilder smoothing of the true range, seeded with the mean of its first n values; first at index n. */
export class Atr extends SingleOutput {
  private readonly smoother: Smoother;
  private prevClose = NaN;
  constructor(key: string, n: number) {
    super(key);
    this.smoother = Smoother.wilder(n);
  }
  update(_o: number, h: number, l: number, c: number, _v: number, out: Float64Array, at: number): void {
    const prev = this.prevClose;
    this.prevClose = c;
    out[at] = prev !== prev ? NaN : this.smoother.push(Math.max(h, prev) - Math.min(l, prev));
  }
  reset(): void {
    this.smoother.reset();
    this.prevClose = NaN;
  }
}

/** Rolling standard deviation of closes; divisor n−1 (`stdev`) or n (`stdev_pop`). */
export class Stdev extends SingleOutput {
  private readonly variance: RollingVariance;
  private readonly divisor: number;
  constructor(key: string, n: number, population: boolean) {
    super(key);
    this.variance = new RollingVariance(n);
    this.divisor = population ? n : n - 1;
  }
  update(_o: number, _h: number, _l: number, c: number, _v: number, out: Float64Array, at: number): void {
    this.variance.push(c);
    out[at] = this.variance.full ? Math.sqrt(this.variance.sumSquares / this.divisor) : NaN;
  }
  reset(): void {
    this.variance.reset();
  }
}

/** zscore(n) = (C − SMA(n)) / sample sd(n); NaN when the window is constant. */
export class ZScore extends SingleOutput {
  private readonly variance: RollingVariance;
  constructor(
    key: string,
    private readonly n: number,
  ) {
    super(key);
    this.variance = new RollingVariance(n);
  }
  update(_o: number, _h: number, _l: number, c: number, _v: number, out: Float64Array, at: number): void {
    const w = this.variance;
    w.push(c);
    if (!w.full) {
      out[at] = NaN;
      return;
    }
    const sd = Math.sqrt(w.sumSquares / (this.n - 1));
    out[at] = sd > 0 ? (c - w.currentMean) / sd : NaN;
  }
  reset(): void {
    this.variance.reset();
  }
}

/** ROC(n) = C_t / C_{t−n} − 1 (`fraction`) or momentum C_t − C_{t−n}; first at index n. */
export class Change extends SingleOutput {
  private readonly ring: Ring;
  constructor(
    key: string,
    n: number,
    private readonly ratio: boolean,
  ) {
    super(key);
    this.ring = new Ring(n + 1);
  }
  update(_o: number, _h: number, _l: number, c: number, _v: number, out: Float64Array, at: number): void {
    const ring = this.ring;
    ring.push(c);
    if (!ring.full) {
      out[at] = NaN;
      return;
    }
    const then = ring.back(ring.n - 1);
    out[at] = this.ratio ? c / then - 1 : c - then;
  }
  reset(): void {
    this.ring.reset();
  }
}

/** highest(n): max of the last n highs; lowest(n): min of the last n lows (current bar included). */
export class Extreme extends SingleOutput {
  private readonly extreme: RollingExtreme;
  constructor(
    key: string,
    n: number,
    private readonly highest: boolean,
  ) {
    super(key);
    this.extreme = new RollingExtreme(n, highest ? 1 : -1);
  }
  update(_o: number, h: number, l: number, _c: number, _v: number, out: Float64Array, at: number): void {
    out[at] = this.extreme.push(this.highest ? h : l);
  }
  reset(): void {
    this.extreme.reset();
  }
}

/** MACD = EMA(fast) − EMA(slow); signal = EMA(signal) of MACD with its own SMA seed; hist = MACD − signal. */
export class Macd implements Feature {
  readonly outputs: readonly string[];
  private readonly fast: Smoother;
  private readonly slow: Smoother;
  private readonly signal: Smoother;
  constructor(
    readonly key: string,
    fast: number,
    slow: number,
    signal: number,
  ) {
    this.outputs = [`${key}.macd`, `${key}.signal`, `${key}.hist`];
    this.fast = Smoother.ema(fast);
    this.slow = Smoother.ema(slow);
    this.signal = Smoother.ema(signal);
  }
  update(_o: number, _h: number, _l: number, c: number, _v: number, out: Float64Array, at: number): void {
    const macd = this.fast.push(c) - this.slow.push(c);
    const signal = macd === macd ? this.signal.push(macd) : NaN;
    out[at] = macd;
    out[at + 1] = signal;
    out[at + 2] = macd - signal;
  }
  reset(): void {
    this.fast.reset();
    this.slow.reset();
    this.signal.reset();
  }
}

/** Bollinger bands: SMA(n) ± k·population sd; pctb = (C − lower)/(upper − lower), NaN when sd = 0. */
export class Bollinger implements Feature {
  readonly outputs: readonly string[];
  private readonly variance: RollingVariance;
  constructor(
    readonly key: string,
    private readonly n: number,
    private readonly k: number,
  ) {
    this.outputs = [`${key}.lower`, `${key}.middle`, `${key}.upper`, `${key}.pctb`];
    this.variance = new RollingVariance(n);
  }
  update(_o: number, _h: number, _l: number, c: number, _v: number, out: Float64Array, at: number): void {
    const w = this.variance;
    w.push(c);
    if (!w.full) {
      out[at] = out[at + 1] = out[at + 2] = out[at + 3] = NaN;
      return;
    }
    const mid = w.currentMean;
    const width = this.k * Math.sqrt(w.sumSquares / this.n);
    const lower = mid - width;
    const upper = mid + width;
    out[at] = lower;
    out[at + 1] = mid;
    out[at + 2] = upper;
    out[at + 3] = upper > lower ? (c - lower) / (upper - lower) : NaN;
  }
  reset(): void {
    this.variance.reset();
  }
}
