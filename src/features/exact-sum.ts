/**
 * The exactly rounded sum of a sliding window (what Python's `math.fsum` returns for the window's
 * values), maintained incrementally. The window's exact sum is held as non-overlapping partials
 * (Shewchuk / CPython `msum`): adding a value and adding the negation of the value leaving the window
 * are both exact, so the sum never drifts and equal windows give equal sums. Partials stay few
 * (usually 1–3) for price data, so an update costs a handful of flops.
 */
export class ExactSum {
  private partials = new Float64Array(8);
  private count = 0;

  reset(): void {
    this.count = 0;
  }

  add(value: number): void {
    const p = this.partials;
    let x = value;
    let kept = 0;
    for (let j = 0; j < this.count; j++) {
      let y = p[j];
      if (Math.abs(x) < Math.abs(y)) {
        const t = x;
        x = y;
        y = t;
      }
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[kept++] = lo;
      x = hi;
    }
    this.count = kept;
    if (x !== 0) {
      if (kept === p.length) this.grow();
      this.partials[this.count++] = x;
    }
  }

  /** The exactly rounded value of the sum (round-half-even), as `math.fsum`. */
  value(): number {
    const p = this.partials;
    let n = this.count;
    if (n === 0) return 0;
    let hi = p[--n];
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n];
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // Half-way case: the remaining partials decide which way the tie rounds.
    if (n > 0 && ((lo < 0 && p[n - 1] < 0) || (lo > 0 && p[n - 1] > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }

  private grow(): void {
    const next = new Float64Array(this.partials.length * 2);
    next.set(this.partials);
    this.partials = next;
  }
}

/** `math.fsum` of an array (used by tests and by whole-series computations). */
export function fsum(values: ArrayLike<number>): number {
  const s = new ExactSum();
  for (let i = 0; i < values.length; i++) s.add(values[i]);
  return s.value();
}
