/** Curves longer than this many points are down-sampled before they go into a report. */
export const CURVE_MAX_POINTS = 2000;

/** A curve as plotted: [time (UTC ms or bar number), value] pairs. */
export type Points = [number, number][];

/**
 * Min/max down-sampling: the curve is cut into buckets of consecutive points and each bucket keeps
 * its lowest and highest point, in time order; the first and last points are always kept, so a
 * down-sampled equity curve still starts at the capital and ends at the final equity. Unlike picking
 * every k-th point, every peak and trough (and so the drawdown a reader looks for) survives. Curves
 * up to `maxPoints` long are returned whole.
 */
export function downsample(x: ArrayLike<number>, y: ArrayLike<number>, maxPoints = CURVE_MAX_POINTS): Points {
  const n = y.length;
  const out: Points = [];
  if (n <= maxPoints) {
    for (let i = 0; i < n; i++) out.push([x[i], y[i]]);
    return out;
  }
  const buckets = Math.floor((maxPoints - 2) / 2);
  let previous = -1;
  const keep = (i: number): void => {
    if (i > previous) out.push([x[i], y[i]]);
    previous = Math.max(previous, i);
  };
  keep(0);
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets);
    let lo = from;
    let hi = from;
    for (let i = from + 1; i < to; i++) {
      if (y[i] < y[lo]) lo = i;
      if (y[i] > y[hi]) hi = i;
    }
    keep(Math.min(lo, hi));
    keep(Math.max(lo, hi));
  }
  keep(n - 1);
  return out;
}

/** Drawdown at each point: 1 − E_t / max(E_0..E_t), a positive fraction (DESIGN.md section 5). */
export function drawdownOf(equity: ArrayLike<number>): Float64Array {
  const out = new Float64Array(equity.length);
  let peak = -Infinity;
  for (let i = 0; i < equity.length; i++) {
    if (equity[i] > peak) peak = equity[i];
    out[i] = 1 - equity[i] / peak;
  }
  return out;
}
