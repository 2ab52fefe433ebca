import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

export interface SpaSpec {
  readonly bootstrap: number;
  /** Mean block length of the stationary bootstrap (restart probability 1/block). */
  readonly block: number;
  readonly seed: number;
}

export interface SpaResult {
  /** Hansen's consistent p-value of "no tested set beats the benchmark"; null when no set has a spread. */
  readonly p_value: number | null;
  /** T = max(0, maxₖ √n·d̄ₖ/ω̂ₖ). */
  readonly statistic: number | null;
  /** Sets tested (those whose differences have a positive variance). */
  readonly sets: number;
}

/**
 * The stationary bootstrap (Politis & Romano 1994) of n indices as runs: each run starts at a
 * uniform index on [0, n) and holds L consecutive indices (wrapping from n − 1 to 0), L geometric
 * with mean `block`: L = max(1, ⌈ln(1 − U)/ln(1 − 1/block)⌉) for U uniform on [0, 1) (block 1: L = 1);
 * the last run is cut at n indices in all. One draw per run start and one per length, by
 * xoroshiro128+. Returns the number of runs; run r is `starts[r]`, `lengths[r]`.
 */
export function stationaryRuns(n: number, block: number, rng: ReturnType<typeof xoroshiro128plus>, starts: Int32Array, lengths: Int32Array): number {
  const logKeep = Math.log(1 - 1 / block);
  let runs = 0;
  for (let filled = 0; filled < n; runs++) {
    starts[runs] = uniformInt(rng, 0, n - 1);
    const u = uniformFloat64(rng);
    const length = logKeep < 0 ? Math.max(1, Math.ceil(Math.log(1 - u) / logKeep)) : 1;
    lengths[runs] = Math.min(length, n - filled);
    filled += lengths[runs];
  }
  return runs;
}

/** The runs as the index sequence they stand for (tests, and the definition above). */
export function stationaryIndices(n: number, block: number, rng: ReturnType<typeof xoroshiro128plus>, out: Int32Array): Int32Array {
  const starts = new Int32Array(n);
  const lengths = new Int32Array(n);
  const runs = stationaryRuns(n, block, rng, starts, lengths);
  let t = 0;
  for (let r = 0; r < runs; r++) for (let i = 0; i < lengths[r]; i++) out[t++] = (starts[r] + i) % n;
  return out;
}

/**
 * Adds to sums[j] each set's Σ d over `length` consecutive indices from `start`, wrapping, from
 * the interleaved prefix sums (prefix[i·k + j] = Σ_{t<i} d_j,t).
 */
function addRun(prefix: Float64Array, k: number, n: number, start: number, length: number, sums: Float64Array): void {
  let i = start;
  let left = length;
  while (left > 0) {
    const take = Math.min(left, n - i);
    const a = i * k;
    const b = (i + take) * k;
    for (let j = 0; j < k; j++) sums[j] += prefix[b + j] - prefix[a + j];
    left -= take;
    i = 0;
  }
}

/**
 * Hansen's (2005) estimate of the long-run variance of √n·d̄ under the stationary bootstrap:
 * ω̂² = γ̂₀ + 2·Σᵢ₌₁ⁿ⁻¹ κ(n, i)·γ̂ᵢ, κ(n, i) = ((n − i)/n)·ρⁱ + (i/n)·ρⁿ⁻ⁱ, ρ = 1 − 1/block,
 * γ̂ᵢ = (1/n)·Σₜ (dₜ − d̄)(dₜ₊ᵢ − d̄). In O(n), not O(n²): the first part is
 * (1/n)·Σₜ xₜ·(Sₜ − Tₜ/n) with Sₜ = Σₖ≥₁ ρᵏ·xₜ₊ₖ and Tₜ = Σₖ≥₁ k·ρᵏ·xₜ₊ₖ, both by backward
 * recursion (Sₜ₋₁ = ρ(xₜ + Sₜ), Tₜ₋₁ = ρ(xₜ + Tₜ + Sₜ)); the second part's weight ρⁿ⁻ⁱ is below
 * 10⁻¹⁸ except for the last lags, which are summed directly (the others are left out).
 */
export function spaVariance(d: Float64Array, block: number): number {
  const n = d.length;
  let mean = 0;
  for (let t = 0; t < n; t++) mean += d[t];
  mean /= n;
  const x = new Float64Array(n);
  for (let t = 0; t < n; t++) x[t] = d[t] - mean;
  const rho = 1 - 1 / block;
  let g0 = 0;
  for (let t = 0; t < n; t++) g0 += x[t] * x[t];
  g0 /= n;
  let first = 0;
  let s = 0;
  let tt = 0;
  for (let t = n - 1; t >= 0; t--) {
    first += x[t] * (s - tt / n);
    const next = rho * (x[t] + s);
    tt = rho * (x[t] + tt + s);
    s = next;
  }
  first /= n;
  const reach = rho > 0 ? Math.ceil(Math.log(1e-18) / Math.log(rho)) : 0;
  let second = 0;
  for (let i = Math.max(1, n - reach); i < n; i++) {
    let g = 0;
    for (let t = 0; t + i < n; t++) g += x[t] * x[t + i];
    second += (i / n) * Math.pow(rho, n - i) * (g / n);
  }
  return g0 + 2 * (first + second);
}

/**
 * Hansen's test for superior predictive ability, consistent p-value: dₖ,ₜ = the set's bar return −
 * the benchmark's; T = max(0, maxₖ √n·d̄ₖ/ω̂ₖ); per bootstrap replication b (stationary bootstrap
 * indices, one sequence for all sets), Zₖ = d̄*ₖ − g(d̄ₖ) with Hansen's consistent recentring
 * g(x) = x·1{x ≥ −ω̂ₖ·√(2·ln ln n / n)} (a set far below the benchmark keeps its mean, so it cannot
 * inflate the null), T*_b = max(0, maxₖ √n·Zₖ/ω̂ₖ); p = #(T*_b > T)/B. Sets with ω̂ₖ = 0 are left out.
 * A replication's mean d̄* is summed run by run from prefix sums (equal to index by index up to rounding).
 * With block = 1 every run is one uniform index: the i.i.d. bootstrap.
 */
export function spaTest(diffs: readonly Float64Array[], spec: SpaSpec): SpaResult {
  const used = diffs.map((d) => ({ d, omega: d.length > 1 ? Math.sqrt(spaVariance(d, spec.block)) : 0 })).filter((x) => x.omega > 0);
  if (used.length === 0) return { p_value: null, statistic: null, sets: 0 };
  const n = used[0].d.length;
  const rootN = Math.sqrt(n);
  const k = used.length;
  const mean = new Float64Array(k);
  const centre = new Float64Array(k);
  const threshold = Math.sqrt((2 * Math.log(Math.log(n))) / n);
  let statistic = 0;
  for (let j = 0; j < k; j++) {
    let s = 0;
    for (let t = 0; t < n; t++) s += used[j].d[t];
    mean[j] = s / n;
    centre[j] = mean[j] >= -used[j].omega * threshold ? mean[j] : 0; // g(d̄ₖ)
    statistic = Math.max(statistic, (rootN * mean[j]) / used[j].omega);
  }
  const rng = xoroshiro128plus(spec.seed);
  // A replication's sum is a sum over its runs of contiguous sums: prefix sums make each run O(1).
  // The sets' prefix sums are interleaved (index t·k + j), so a run's bounds for every set are two
  // rows of k values, not 2k scattered ones (a long series' prefixes do not fit in cache).
  const prefix = new Float64Array((n + 1) * k);
  for (let j = 0; j < k; j++) {
    const d = used[j].d;
    let s = 0;
    for (let t = 0; t < n; t++) prefix[(t + 1) * k + j] = s += d[t];
  }
  const starts = new Int32Array(n);
  const lengths = new Int32Array(n);
  const sums = new Float64Array(k);
  let above = 0;
  for (let b = 0; b < spec.bootstrap; b++) {
    const runs = stationaryRuns(n, spec.block, rng, starts, lengths);
    sums.fill(0);
    for (let r = 0; r < runs; r++) addRun(prefix, k, n, starts[r], lengths[r], sums);
    let t = 0;
    for (let j = 0; j < k; j++) t = Math.max(t, (rootN * (sums[j] / n - centre[j])) / used[j].omega);
    if (t > statistic) above++;
  }
  return { p_value: above / spec.bootstrap, statistic, sets: k };
}
