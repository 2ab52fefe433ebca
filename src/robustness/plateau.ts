/** The best set's neighbourhood on the grid, and the set whose neighbourhood is best. */
export interface PlateauResult {
  /** The numeric dimensions the neighbourhood moves along (others stay fixed). */
  readonly dimensions: string[];
  readonly best: PlateauPoint | null;
  /** The eligible set with the best neighbourhood mean (ties to the lower trial). */
  readonly plateau_best: PlateauPoint | null;
}

export interface PlateauPoint {
  readonly trial: number;
  readonly objective: number;
  /** Mean of the objective over the set and its evaluated neighbours with a defined objective. */
  readonly mean: number;
  /** The worst of them (the minimum for a maximised objective, the maximum for a minimised one). */
  readonly worst: number;
  /** How many sets the neighbourhood holds (the set itself included). */
  readonly sets: number;
  /** The set's swept parameters (added by the results service). */
  readonly params?: Record<string, unknown>;
}

/**
 * Neighbourhood statistics over a grid of objective values (NaN: not evaluated or undefined): the
 * neighbourhood of a point is every grid point reached by moving each numeric dimension by −1, 0
 * or +1 steps (its place in the dimension's list), the point itself included, other dimensions
 * fixed. Sum, count and worst are filtered one dimension at a time (a 3-wide window along each),
 * which equals the full 3^d neighbourhood and costs O(grid × d).
 */
export function plateauOf(
  radix: readonly number[],
  numeric: readonly boolean[],
  names: readonly string[],
  values: Float64Array,
  eligible: Uint8Array,
  direction: 'max' | 'min',
  best: number | null,
): PlateauResult {
  const size = values.length;
  const sign = direction === 'max' ? 1 : -1;
  let sum = new Float64Array(size);
  let count = new Float64Array(size);
  let worst = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const v = values[i];
    const defined = v === v;
    sum[i] = defined ? v : 0;
    count[i] = defined ? 1 : 0;
    worst[i] = defined ? sign * v : Infinity;
  }
  let stride = 1;
  const strides = radix.map(() => 0);
  for (let d = radix.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= radix[d];
  }
  for (let d = 0; d < radix.length; d++) {
    if (!numeric[d] || radix[d] < 2) continue;
    const s = strides[d];
    const r = radix[d];
    const nextSum = new Float64Array(size);
    const nextCount = new Float64Array(size);
    const nextWorst = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      const at = Math.floor(i / s) % r;
      let a = sum[i];
      let c = count[i];
      let w = worst[i];
      if (at > 0) {
        a += sum[i - s];
        c += count[i - s];
        if (worst[i - s] < w) w = worst[i - s];
      }
      if (at < r - 1) {
        a += sum[i + s];
        c += count[i + s];
        if (worst[i + s] < w) w = worst[i + s];
      }
      nextSum[i] = a;
      nextCount[i] = c;
      nextWorst[i] = w;
    }
    sum = nextSum;
    count = nextCount;
    worst = nextWorst;
  }
  const point = (k: number): PlateauPoint => ({ trial: k, objective: values[k], mean: sum[k] / count[k], worst: sign * worst[k], sets: count[k] });
  let top = -1;
  let topMean = -Infinity;
  for (let k = 0; k < size; k++) {
    if (eligible[k] !== 1 || count[k] === 0) continue;
    const m = (sign * sum[k]) / count[k];
    if (top < 0 || m > topMean) {
      top = k;
      topMean = m;
    }
  }
  return {
    dimensions: names.filter((_, d) => numeric[d] && radix[d] > 1),
    best: best !== null && best >= 0 && best < size && values[best] === values[best] ? point(best) : null,
    plateau_best: top >= 0 ? point(top) : null,
  };
}
