/**
 * A symbol's signal in sparse form: only the bars where the target changes. A dense series (the
 * target in force at every bar of a window, 0 before the first change) and its sparse form convert
 * into each other exactly.
 */
export interface SparseSignal {
  /** Bar index on the timeline of each change. */
  readonly index: Int32Array;
  /** Bar time (UTC ms) of each change. */
  readonly time: Float64Array;
  /** The new target. */
  readonly value: Float64Array;
  /** The symbol's close at that bar (the price the strategy saw). */
  readonly price: Float64Array;
}

/**
 * The changes of `dense` (targets of bars window.start..window.start + dense.length − 1), against a
 * target of 0 before the window. A change is `!==`, as the strategy runner decides when to signal
 * (so 0 → −0 is not one, and −0 is kept as it was emitted).
 */
export function sparsify(dense: Float64Array, start: number, time: Float64Array, close: Float64Array): SparseSignal {
  let n = 0;
  let prev = 0;
  for (let i = 0; i < dense.length; i++) {
    if (dense[i] !== prev) n++;
    prev = dense[i];
  }
  const out = { index: new Int32Array(n), time: new Float64Array(n), value: new Float64Array(n), price: new Float64Array(n) };
  let k = 0;
  prev = 0;
  for (let i = 0; i < dense.length; i++) {
    const v = dense[i];
    if (v !== prev) {
      const t = start + i;
      out.index[k] = t;
      out.time[k] = time[t];
      out.value[k] = v;
      out.price[k] = close[t];
      k++;
    }
    prev = v;
  }
  return out;
}

/** The dense targets of bars [start, end) that `sparse` describes. */
export function densify(sparse: SparseSignal, start: number, end: number): Float64Array {
  const dense = new Float64Array(end - start);
  let k = 0;
  let current = 0;
  for (let t = start; t < end; t++) {
    while (k < sparse.index.length && sparse.index[k] === t) current = sparse.value[k++];
    dense[t - start] = current;
  }
  return dense;
}
