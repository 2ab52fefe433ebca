import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/** C(n, k) (exact for the block counts allowed: n ≤ 24). */
export function choose(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
}

/**
 * Every choice of `blocks / 2` of `blocks` blocks as a bit mask (bit j = block j in-sample), in
 * lexicographic order of the chosen blocks' sorted index lists: {0..7}, {0..6, 8}, … for 16.
 */
export function allCombinations(blocks: number): Uint32Array {
  const k = blocks / 2;
  const out = new Uint32Array(choose(blocks, k));
  const pick = Array.from({ length: k }, (_, i) => i);
  for (let c = 0; c < out.length; c++) {
    let mask = 0;
    for (const j of pick) mask |= 1 << j;
    out[c] = mask >>> 0;
    // Next combination: the rightmost index that can move moves up by one, the ones after it follow.
    let i = k - 1;
    while (i >= 0 && pick[i] === blocks - k + i) i--;
    if (i < 0) break;
    pick[i]++;
    for (let j = i + 1; j < k; j++) pick[j] = pick[j - 1] + 1;
  }
  return out;
}

/**
 * The combinations CSCV evaluates: all of them when there are at most `max`, else a seeded sample
 * of `max` distinct ones (a partial Fisher–Yates shuffle of the lexicographic list by xoroshiro128+
 * from `seed`), kept in lexicographic order.
 */
export function chosenCombinations(blocks: number, max: number, seed: number): Uint32Array {
  const all = allCombinations(blocks);
  if (all.length <= max) return all;
  const order = Uint32Array.from(all.keys());
  const rng = xoroshiro128plus(seed);
  for (let i = 0; i < max; i++) {
    const j = uniformInt(rng, i, order.length - 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const picked = order.slice(0, max).sort();
  return Uint32Array.from(picked, (i) => all[i]);
}
