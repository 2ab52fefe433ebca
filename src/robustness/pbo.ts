import { blockEdge } from '../metrics/blocks.js';
import { sharpeOfSums } from './sharpe.js';

/** What the probability of backtest overfitting came to (Bailey, Borwein, López de Prado & Zhu 2017, CSCV). */
export interface PboResult {
  /** Share of combinations whose in-sample best ranks in the lower half out of sample (λ ≤ 0). */
  readonly value: number | null;
  /** Combinations evaluated (all C(blocks, blocks/2), or a seeded sample of them). */
  readonly combinations: number;
  /** C(blocks, blocks/2). */
  readonly of: number;
  readonly blocks: number;
  /** OLS slope of the in-sample best's out-of-sample SR on its in-sample SR (both defined); null with fewer than 2 such combinations or no spread. */
  readonly slope: number | null;
  /** Share of combinations where the in-sample best's out-of-sample SR is < 0 or undefined. */
  readonly prob_loss: number | null;
  /** Histogram of the logits λ: 20 equal bins between their minimum and maximum. */
  readonly lambda: { readonly edges: number[]; readonly counts: number[] };
  /** (in-sample SR, out-of-sample SR) of the in-sample best, for at most 500 combinations evenly spread (both defined). */
  readonly scatter: [number, number][];
}

const asValue = (sr: number): number => (sr === sr ? sr : -Infinity);

/**
 * Combinatorially symmetric cross-validation over the trials' per-block return sums. Two passes over
 * the trials (any order: ties go to the lower trial number explicitly): `best` finds each
 * combination's in-sample best trial and its out-of-sample SR; `rank` counts, per combination, the
 * trials whose out-of-sample SR is below or equal to it. A trial's Sharpe on a union of blocks comes
 * from subset sums over the two halves of the block list (2^(S/2) entries each, built per trial), so
 * a combination costs a few additions and one square root per side.
 */
export class Cscv {
  private readonly half: number;
  private readonly lowMask: number;
  private readonly full: number;
  private readonly inCount: Float64Array;
  private readonly outCount: Float64Array;
  // 1/n and n/(n − 1) per side: the loops compare signed squared Sharpe ratios, no division by n, no root.
  private readonly inInv: Float64Array;
  private readonly inScale: Float64Array;
  private readonly outInv: Float64Array;
  private readonly outScale: Float64Array;
  /**
   * The first pass's state, 5 values per combination: the in-sample best's ranking key, trial,
   * out-of-sample key and both Sharpe ratios — the layout `partial` hands out and `merge` takes.
   */
  private readonly state: Float64Array;
  private readonly below: Float64Array;
  private readonly equal: Float64Array;
  // Subset sums of a trial's blocks: low half (blocks 0..h−1) and high half, Σr and Σr².
  private readonly lo1: Float64Array;
  private readonly lo2: Float64Array;
  private readonly hi1: Float64Array;
  private readonly hi2: Float64Array;
  trials = 0;

  constructor(
    readonly blocks: number,
    total: number,
    readonly masks: Uint32Array,
  ) {
    this.half = blocks >> 1;
    this.lowMask = (1 << this.half) - 1;
    this.full = (1 << blocks) - 1;
    const size = 1 << this.half;
    const highSize = 1 << (blocks - this.half);
    this.lo1 = new Float64Array(size);
    this.lo2 = new Float64Array(size);
    this.hi1 = new Float64Array(highSize);
    this.hi2 = new Float64Array(highSize);
    const c = masks.length;
    this.inCount = new Float64Array(c);
    this.outCount = new Float64Array(c);
    for (let i = 0; i < c; i++) {
      let k = 0;
      for (let j = 0; j < blocks; j++) if ((masks[i] >>> j) & 1) k += blockEdge({ count: blocks, total }, j + 1) - blockEdge({ count: blocks, total }, j);
      this.inCount[i] = k;
      this.outCount[i] = total - k;
    }
    const inv = (n: number): number => (n > 0 ? 1 / n : 0);
    const scale = (n: number): number => (n >= 2 ? (n - 1) * inv(n) : 0);
    this.inInv = this.inCount.map(inv);
    this.outInv = this.outCount.map(inv);
    this.inScale = this.inCount.map(scale);
    this.outScale = this.outCount.map(scale);
    this.state = new Float64Array(5 * c).fill(-Infinity);
    for (let i = 0; i < c; i++) this.state[5 * i + 1] = -1;
    this.below = new Float64Array(c);
    this.equal = new Float64Array(c);
  }

  /**
   * Builds the subset sums of one trial's block sums (Σr at 2j, Σr² at 2j + 1) by doubling: the
   * subsets with bit j set are those without it plus block j, so each table entry is one addition.
   */
  private load(sums: ArrayLike<number>): void {
    const { lo1, lo2, hi1, hi2, half } = this;
    for (let j = 0, size = 1; size < lo1.length; j++, size <<= 1) {
      const b1 = sums[2 * j];
      const b2 = sums[2 * j + 1];
      for (let m = 0; m < size; m++) {
        lo1[size + m] = lo1[m] + b1;
        lo2[size + m] = lo2[m] + b2;
      }
    }
    for (let j = 0, size = 1; size < hi1.length; j++, size <<= 1) {
      const b1 = sums[2 * (half + j)];
      const b2 = sums[2 * (half + j) + 1];
      for (let m = 0; m < size; m++) {
        hi1[size + m] = hi1[m] + b1;
        hi2[size + m] = hi2[m] + b2;
      }
    }
  }

  private sideSharpe(count: number, mask: number): number {
    const lo = mask & this.lowMask;
    const hi = mask >>> this.half;
    return sharpeOfSums(count, this.lo1[lo] + this.hi1[hi], this.lo2[lo] + this.hi2[hi]);
  }

  /**
   * A side's ranking key: sign(SR)·SR² = mean·|mean|·(n − 1)/Σ(r − mean)², in the same order as SR
   * (−∞ when undefined); the loops below inline it, since they run trials × combinations times.
   */
  private key(inv: number, scale: number, mask: number): number {
    const lo = mask & this.lowMask;
    const hi = mask >>> this.half;
    const s1 = this.lo1[lo] + this.hi1[hi];
    const s2 = this.lo2[lo] + this.hi2[hi];
    const mean = s1 * inv;
    const squares = (s2 - s1 * mean) * inv;
    return scale > 0 && squares > 1e-12 * s2 * inv ? (mean * Math.abs(mean) * scale) / squares : -Infinity;
  }

  /** First pass: trial `trial`'s block sums. */
  best(trial: number, sums: ArrayLike<number>): void {
    this.load(sums);
    this.trials++;
    const { masks, inInv, inScale, outInv, outScale, inCount, outCount, state, lo1, lo2, hi1, hi2, lowMask, half, full } = this;
    for (let c = 0; c < masks.length; c++) {
      const m = masks[c];
      const inv = inInv[c];
      const scale = inScale[c];
      const s1 = lo1[m & lowMask] + hi1[m >>> half];
      const s2 = lo2[m & lowMask] + hi2[m >>> half];
      const mean = s1 * inv;
      const squares = (s2 - s1 * mean) * inv;
      const v = scale > 0 && squares > 1e-12 * s2 * inv ? (mean * Math.abs(mean) * scale) / squares : -Infinity;
      const at = 5 * c;
      const b = state[at];
      // Better, or tied with a higher trial (or with nothing yet: keys start at −∞, trials at −1).
      if (v > b || (v === b && (state[at + 1] < 0 || trial < state[at + 1]))) {
        const out = (full ^ m) >>> 0;
        state[at] = v;
        state[at + 1] = trial;
        state[at + 2] = this.key(outInv[c], outScale[c], out);
        state[at + 3] = asValue(this.sideSharpe(inCount[c], m));
        state[at + 4] = asValue(this.sideSharpe(outCount[c], out));
      }
    }
  }

  /** Second pass: trial `trial`'s block sums again. */
  rank(sums: ArrayLike<number>): void {
    this.load(sums);
    const { masks, outInv, outScale, state, below, equal, lo1, lo2, hi1, hi2, lowMask, half, full } = this;
    for (let c = 0; c < masks.length; c++) {
      const m = (full ^ masks[c]) >>> 0;
      const inv = outInv[c];
      const scale = outScale[c];
      const s1 = lo1[m & lowMask] + hi1[m >>> half];
      const s2 = lo2[m & lowMask] + hi2[m >>> half];
      const mean = s1 * inv;
      const squares = (s2 - s1 * mean) * inv;
      const y = scale > 0 && squares > 1e-12 * s2 * inv ? (mean * Math.abs(mean) * scale) / squares : -Infinity;
      const x = state[5 * c + 2];
      // Branch-free: whether y is below x is a coin flip per combination.
      below[c] += +(y < x);
      equal[c] += +(y === x);
    }
  }

  /** The first pass's state (see `state`), for merging: workers make the first pass over their batch's points. */
  partial(): Float64Array {
    return this.state.slice();
  }

  /** Merges another first pass's state over `trials` other trials (see {@link mergePartial}). */
  merge(partial: Float64Array, trials: number): void {
    mergePartial(this.state, partial);
    this.trials += trials;
  }

  /** The in-sample best trial of combination c (after the first pass). */
  bestOf(c: number): number {
    return this.state[5 * c + 1];
  }

  /**
   * ω = below + (equal + 1)/2 (the average 1-based ascending rank of the tied), ω̄ = ω/(N + 1),
   * λ = ln(ω̄/(1 − ω̄)); PBO = share of λ ≤ 0.
   */
  finish(of: number): PboResult {
    const c = this.masks.length;
    const n = this.trials;
    const lambda = new Float64Array(c);
    let overfit = 0;
    let loss = 0;
    let sx = 0;
    let sy = 0;
    let pairs = 0;
    for (let i = 0; i < c; i++) {
      const w = (this.below[i] + (this.equal[i] + 1) / 2) / (n + 1);
      lambda[i] = Math.log(w / (1 - w));
      if (lambda[i] <= 0) overfit++;
      const out = this.state[5 * i + 4];
      if (!(out >= 0)) loss++;
      if (Number.isFinite(this.state[5 * i + 3]) && Number.isFinite(out)) {
        sx += this.state[5 * i + 3];
        sy += out;
        pairs++;
      }
    }
    let slope: number | null = null;
    if (pairs >= 2) {
      const mx = sx / pairs;
      const my = sy / pairs;
      let sxx = 0;
      let sxy = 0;
      for (let i = 0; i < c; i++) {
        const x = this.state[5 * i + 3];
        const y = this.state[5 * i + 4];
        if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
        sxx += (x - mx) * (x - mx);
        sxy += (x - mx) * (y - my);
      }
      slope = sxx > 0 ? sxy / sxx : null;
    }
    return {
      value: c > 0 && n > 0 ? overfit / c : null,
      combinations: c,
      of,
      blocks: this.blocks,
      slope,
      prob_loss: c > 0 && n > 0 ? loss / c : null,
      lambda: histogram(lambda, 20),
      scatter: this.scatter(500),
    };
  }

  private scatter(max: number): [number, number][] {
    const out: [number, number][] = [];
    const c = this.masks.length;
    const step = Math.max(1, c / max);
    for (let f = 0; Math.floor(f) < c && out.length < max; f += step) {
      const i = Math.floor(f);
      if (Number.isFinite(this.state[5 * i + 3]) && Number.isFinite(this.state[5 * i + 4])) out.push([this.state[5 * i + 3], this.state[5 * i + 4]]);
    }
    return out;
  }
}

/**
 * Merges first-pass state `from` into `into` (both from {@link Cscv.partial}): per combination the
 * better in-sample key wins, ties to the lower trial — the rule of the pass itself, so merging the
 * batches' states in any order gives the pass over all their points.
 */
export function mergePartial(into: Float64Array, from: Float64Array): void {
  for (let i = 0; i < into.length; i += 5) {
    const trial = from[i + 1];
    if (trial < 0) continue;
    const v = from[i];
    const b = into[i];
    if (v > b || (v === b && (into[i + 1] < 0 || trial < into[i + 1]))) into.set(from.subarray(i, i + 5), i);
  }
}

/** Equal-width bins between the finite values' minimum and maximum (one bin when they are all equal). */
export function histogram(values: Float64Array, bins: number): { edges: number[]; counts: number[] } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return { edges: [], counts: [] };
  const k = hi > lo ? bins : 1;
  const width = hi > lo ? (hi - lo) / k : 1;
  const counts = new Array<number>(k).fill(0);
  for (const v of values) if (Number.isFinite(v)) counts[Math.min(k - 1, Math.floor((v - lo) / width))]++;
  return { edges: Array.from({ length: k + 1 }, (_, i) => (i === k ? hi : lo + i * width)), counts };
}
