// An indicator of one's own, as a plugin: Kaufman's adaptive moving average. Registered like a
// built-in feature, computed once per bar for every set that names the same kama(n,fast,slow).
// Conventions (README, "Own indicators"): first value at bar n (0-based), seeded with the previous
// close; ER = |C_t − C_{t−n}| / Σ_{k=t−n+1..t} |C_k − C_{k−1}| (summed oldest first), 0 when the
// path has no length; sc = (ER·(2/(fast+1) − 2/(slow+1)) + 2/(slow+1))²; KAMA_t = KAMA_{t−1} + sc·(C_t − KAMA_{t−1}).
import type { FeatureBar, FeatureDefinition } from 'fanfold';

// State: [bars seen, ring head, last KAMA, the last n+1 closes (a ring)].
const SEEN = 0;
const HEAD = 1;
const LAST = 2;
const RING = 3;

export const kama: FeatureDefinition = {
  kind: 'feature',
  name: 'kama',
  description: "Kaufman's adaptive moving average of close (.kama) and its efficiency ratio (.er)",
  args: [
    { name: 'n', type: 'int', default: 10, min: 2, description: 'efficiency ratio window' },
    { name: 'fast', type: 'int', default: 2, description: 'fastest smoothing, as an EMA period' },
    { name: 'slow', type: 'int', default: 30, description: 'slowest smoothing, as an EMA period' },
  ],
  outputs: ['kama', 'er'],
  warmup: ([n]) => n,
  stateSize: ([n]) => RING + n + 1,
  update(state: Float64Array, [n, fast, slow]: readonly number[], bar: FeatureBar, out: Float64Array, offset: number): void {
    const size = n + 1;
    const seen = state[SEEN];
    let head = state[HEAD];
    state[RING + head] = bar.close;
    head = head + 1 === size ? 0 : head + 1;
    state[HEAD] = head;
    state[SEEN] = seen + 1;
    if (seen < n) {
      out[offset] = Number.NaN;
      out[offset + 1] = Number.NaN;
      return;
    }
    // The ring is full: its oldest close is at `head`.
    let path = 0;
    let previous = state[RING + head];
    for (let j = 1; j < size; j++) {
      const c = state[RING + ((head + j) % size)];
      path += Math.abs(c - previous);
      previous = c;
    }
    const er = path > 0 ? Math.abs(bar.close - state[RING + head]) / path : 0;
    const f = 2 / (fast + 1);
    const s = 2 / (slow + 1);
    // Squared as a product, the same operations in the same order as the README's formula (tests compare bits).
    const root = er * (f - s) + s;
    const sc = root * root;
    const before = seen === n ? state[RING + ((head + n - 1) % size)] : state[LAST];
    const value = before + sc * (bar.close - before);
    state[LAST] = value;
    out[offset] = value;
    out[offset + 1] = er;
  },
};
