import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { describe, expect, it } from 'vitest';
import { blockEdge, ReturnBlocks } from '../src/metrics/blocks.js';
import { allCombinations, choose, chosenCombinations } from '../src/robustness/combinations.js';
import { Cscv } from '../src/robustness/pbo.js';
import { plateauOf } from '../src/robustness/plateau.js';
import { momentsOf, sharpeOfSums } from '../src/robustness/sharpe.js';
import { deflatedBenchmark, expectedMaxNormal, probabilisticSharpe } from '../src/robustness/deflated.js';
import { spaTest, spaVariance, stationaryIndices } from '../src/robustness/spa.js';
import { normalQuantile } from '../src/robustness/normal.js';

/**
 * The statistics of README "Is the best set real?" against hand computations. Expected values were
 * computed from the formulas by a separate Python script (math.erf for Φ, NormalDist for
 * Φ⁻¹, itertools.combinations for CSCV, plain two-pass sums), not by this code.
 */

/** Block sums of each row of a return matrix: Σr and Σr² of each block, added one by one. */
function blockSums(returns: readonly number[], blocks: number): Float64Array {
  const out = new Float64Array(2 * blocks);
  for (let j = 0; j < blocks; j++) {
    for (let i = blockEdge({ count: blocks, total: returns.length }, j); i < blockEdge({ count: blocks, total: returns.length }, j + 1); i++) {
      out[2 * j] += returns[i];
      out[2 * j + 1] += returns[i] * returns[i];
    }
  }
  return out;
}

/** The engine's block sums of one return series: differences of its Welford moments at block ends. */
function engineBlocks(returns: readonly number[], blocks: number, offset = 0, total = returns.length): Float64Array {
  const b = new ReturnBlocks(1, { count: blocks, total, offset });
  let mean = 0;
  let m2 = 0;
  returns.forEach((r, k) => {
    if (b.next()) b.cut(0, k, mean, m2);
    const d = r - mean;
    mean += d / (k + 1);
    m2 += d * (r - mean);
  });
  b.finish(0, returns.length, mean, m2);
  return b.of(0);
}

function pboOf(matrix: readonly number[][], blocks: number, masks = allCombinations(blocks)): ReturnType<Cscv['finish']> {
  const cscv = new Cscv(blocks, matrix[0].length, masks);
  matrix.forEach((row, k) => cscv.best(k, blockSums(row, blocks)));
  matrix.forEach((row) => cscv.rank(blockSums(row, blocks)));
  return cscv.finish(choose(blocks, blocks / 2));
}

/** i.i.d. N(0, σ²) returns (Box–Muller over xoroshiro128+), plus a drift. */
function noise(seed: number, rows: number, n: number, sigma = 0.01, drift: (k: number) => number = () => 0): number[][] {
  const rng = xoroshiro128plus(seed);
  return Array.from({ length: rows }, (_, k) =>
    Array.from({ length: n }, () => {
      const u = 1 - uniformFloat64(rng);
      const v = uniformFloat64(rng);
      return drift(k) + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }),
  );
}

describe('per-period Sharpe, PSR and DSR', () => {
  it('Sharpe from sums: mean / sd (divisor n − 1), undefined for n < 2 or sd = 0', () => {
    // r = 0.01, −0.02, 0.03, 0: mean 0.005, Σ(r − mean)² = 0.0013, sd = √(0.0013/3).
    expect(sharpeOfSums(4, 0.02, 0.0014)).toBeCloseTo(0.24019223070763063, 14);
    expect(sharpeOfSums(1, 0.01, 0.0001)).toBeNaN();
    expect(sharpeOfSums(5, 0, 0)).toBeNaN();
    // A constant non-zero series: sd is 0 up to rounding.
    expect(sharpeOfSums(3, 0.03, 0.0003)).toBeNaN();
  });

  it('PSR of r = 0.01, −0.02, 0.03, 0 (symmetric: g3 = 0, g4 = 1.852071)', () => {
    const m = momentsOf([0.01, -0.02, 0.03, 0]);
    expect(m.sharpe).toBeCloseTo(0.24019223070763063, 14);
    expect(m.skew).toBeCloseTo(0, 12);
    expect(m.kurtosis).toBeCloseTo(1.852071005917159, 12);
    expect(probabilisticSharpe(m)).toBeCloseTo(0.660376946559917, 12);
  });

  it('PSR and DSR of a skewed series, N = 10, V = 0.01', () => {
    const m = momentsOf([0.02, -0.01, 0, 0.05, -0.03, 0.01]);
    expect(m.sharpe).toBeCloseTo(0.24397501823713333, 14);
    expect(m.skew).toBeCloseTo(0.317372724771004, 12);
    expect(m.kurtosis).toBeCloseTo(2.34375, 12);
    expect(probabilisticSharpe(m)).toBeCloseTo(0.712914805584705, 12);
    const sr0 = deflatedBenchmark(10, 0.01)!;
    expect(sr0).toBeCloseTo(0.157459830134575, 12);
    expect(probabilisticSharpe(m, sr0)).toBeCloseTo(0.5789705887192591, 12);
    expect(deflatedBenchmark(1, 0.01)).toBeNull();
  });

  it('the expected maximum of N standard normals: 1.5746, 2.5306, 3.2551 for N = 10, 100, 1000', () => {
    expect(expectedMaxNormal(10)).toBeCloseTo(1.5746, 4);
    expect(expectedMaxNormal(100)).toBeCloseTo(2.5306, 4);
    expect(expectedMaxNormal(1000)).toBeCloseTo(3.2551, 4);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 14);
  });
});

describe('CSCV: probability of backtest overfitting', () => {
  it('blocks cut the returns at ⌊j·n/S⌋ and the engine sums each block', () => {
    expect([0, 1, 2, 3, 4].map((j) => blockEdge({ count: 4, total: 10 }, j))).toEqual([0, 2, 5, 7, 10]);
    const expected = [3, 5, 12, 50, 13, 85, 27, 245];
    expect(Array.from(blockSums([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4))).toEqual(expected);
    Array.from(engineBlocks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4)).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
    // A second segment numbered from 6 of 10: its 4 returns land in blocks 2 (one) and 3 (three).
    Array.from(engineBlocks([7, 8, 9, 10], 4, 6, 10)).forEach((v, i) => expect(v).toBeCloseTo([0, 0, 0, 0, 7, 49, 27, 245][i], 12));
    const r = noise(3, 1, 1000)[0];
    const direct = blockSums(r, 16);
    Array.from(engineBlocks(r, 16)).forEach((v, i) => expect(Math.abs(v - direct[i])).toBeLessThan(1e-15));
  });

  it('combinations in lexicographic order; a seeded sample stays in that order', () => {
    // {0,1} {0,2} {0,3} {1,2} {1,3} {2,3}
    expect(Array.from(allCombinations(4))).toEqual([3, 5, 9, 6, 10, 12]);
    expect(allCombinations(16).length).toBe(12870);
    const sample = chosenCombinations(16, 300, 7);
    expect(sample.length).toBe(300);
    expect(new Set(sample).size).toBe(300);
    const all = Array.from(allCombinations(16));
    const at = Array.from(sample, (m) => all.indexOf(m));
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(Array.from(chosenCombinations(16, 300, 7))).toEqual(Array.from(sample));
    expect(Array.from(chosenCombinations(16, 300, 8))).not.toEqual(Array.from(sample));
  });

  it('a 4 × 8 return matrix with 4 blocks: PBO 5/6, slope −0.2583, prob_loss 1/3', () => {
    const matrix = [
      [0.011, 0.023, -0.012, 0.004, 0.031, -0.022, 0.013, 0.006],
      [0.002, 0.014, 0.027, -0.009, -0.015, 0.001, 0.021, 0.033],
      [0.024, -0.013, 0.003, 0.012, 0.016, 0.025, -0.028, 0.005],
      [-0.004, 0.008, 0.019, 0.007, -0.011, 0.018, 0.002, -0.006],
    ];
    const r = pboOf(matrix, 4);
    // Per combination: the in-sample best is 3, 2, 0, 2, 1, 1; its out-of-sample rank is 1 of 4
    // (λ = ln(0.2/0.8) = −1.386294) in five and 3 of 4 in {2,3} (λ = ln(0.6/0.4) = 0.405465).
    expect(r.value).toBe(5 / 6);
    expect(r.combinations).toBe(6);
    expect(r.slope).toBeCloseTo(-0.2582666992887927, 12);
    expect(r.prob_loss).toBe(2 / 6);
    expect(r.lambda.counts.reduce((a, b) => a + b, 0)).toBe(6);
    expect(r.lambda.edges[0]).toBeCloseTo(-1.3862943611198906, 12);
    expect(r.lambda.edges.at(-1)).toBeCloseTo(0.4054651081081642, 12);
    expect(r.lambda.counts[0]).toBe(5);
    expect(r.lambda.counts.at(-1)).toBe(1);
  });

  it('the first pass merged from batches (any split, any order) equals the pass over all trials', () => {
    const matrix = noise(21, 40, 400, 0.01, (k) => (k % 7 === 0 ? 0.0005 : 0));
    // Trials 20 and 33 repeat trial 3: ties must go to the lower trial however batches merge.
    matrix[20] = matrix[3];
    matrix[33] = matrix[3];
    const masks = chosenCombinations(16, 300, 4);
    const pass = (trials: readonly number[]): Cscv => {
      const c = new Cscv(16, 400, masks);
      for (const k of trials) c.best(k, blockSums(matrix[k], 16));
      return c;
    };
    const all = [...Array(40).keys()];
    const whole = pass(all);
    for (const row of matrix) whole.rank(blockSums(row, 16));
    const expected = whole.finish(12870);
    for (const cuts of [[13, 27], [1, 2, 39], [20]]) {
      const bounds = [0, ...cuts, 40];
      const merged = new Cscv(16, 400, masks);
      // Batches merged last first: the order they arrive in does not matter.
      for (let i = bounds.length - 2; i >= 0; i--) merged.merge(pass(all.slice(bounds[i], bounds[i + 1])).partial(), bounds[i + 1] - bounds[i]);
      expect(Array.from(merged.partial())).toEqual(Array.from(whole.partial()));
      for (const row of matrix) merged.rank(blockSums(row, 16));
      expect(merged.finish(12870)).toEqual(expected);
    }
    for (let c = 0; c < masks.length; c++) expect([20, 33]).not.toContain(whole.bestOf(c));
  });

  it('ties: trials with the same returns share the average rank; the lower trial number is the in-sample best', () => {
    const a = [0.01, -0.02, 0.03, 0.0, 0.02, -0.01, 0.01, 0.02];
    const b = [0.02, 0.01, -0.01, 0.0, -0.02, 0.01, 0.03, -0.01];
    // Trials 0 and 2 are identical; trial 1 differs; trial 3 never trades (SR undefined: −∞).
    const matrix = [a, b, a, new Array(8).fill(0)];
    const cscv = new Cscv(4, 8, allCombinations(4));
    matrix.forEach((row, k) => cscv.best(k, blockSums(row, 4)));
    for (let c = 0; c < 6; c++) expect(cscv.bestOf(c)).not.toBe(2);
  });

  it('noise gives PBO near 0.5 over seeds; one real edge among noise gives PBO near 0', () => {
    const values: number[] = [];
    for (let seed = 1; seed <= 12; seed++) values.push(pboOf(noise(seed, 100, 800), 16, chosenCombinations(16, 400, seed)).value!);
    const mean = values.reduce((x, y) => x + y, 0) / values.length;
    expect(mean).toBeGreaterThan(0.35);
    expect(mean).toBeLessThan(0.65);
    // Trial 0 earns 0.3 sd per bar more than the others.
    const edge = pboOf(
      noise(99, 100, 800, 0.01, (k) => (k === 0 ? 0.003 : 0)),
      16,
      chosenCombinations(16, 400, 1),
    );
    expect(edge.value).toBeLessThan(0.02);
    expect(edge.slope).not.toBeNull();
  });
});

describe('Deflated Sharpe over many noise trials', () => {
  it('PSR of the best of 200 noise trials is high, DSR much lower (near 0.5: the best is about as good as luck predicts)', () => {
    const psr: number[] = [];
    const dsr: number[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const m = noise(seed, 200, 500);
      const moments = m.map((r) => momentsOf(r));
      const srs = moments.map((x) => x.sharpe);
      const mean = srs.reduce((a, b) => a + b, 0) / srs.length;
      const v = srs.reduce((a, b) => a + (b - mean) ** 2, 0) / (srs.length - 1);
      const best = moments.reduce((a, b) => (b.sharpe > a.sharpe ? b : a));
      psr.push(probabilisticSharpe(best)!);
      dsr.push(probabilisticSharpe(best, deflatedBenchmark(srs.length, v)!)!);
    }
    const avg = (x: number[]): number => x.reduce((a, b) => a + b, 0) / x.length;
    expect(avg(psr)).toBeGreaterThan(0.97);
    expect(avg(dsr)).toBeLessThan(0.75);
    expect(avg(dsr)).toBeGreaterThan(0.2);
  });
});

describe('SPA', () => {
  it('Hansen variance with the stationary-bootstrap kernel, n = 5, block 2 (hand computation)', () => {
    expect(spaVariance(Float64Array.from([0.01, -0.02, 0.03, 0, 0.01]), 2)).toBeCloseTo(0.0001364, 15);
  });

  it('Hansen variance in O(n) equals the O(n²) sum over every lag (n = 300, block 10)', () => {
    const d = Float64Array.from(noise(8, 1, 300, 0.01, () => 0.0002)[0]);
    const n = d.length;
    const mean = d.reduce((a, b) => a + b, 0) / n;
    const gamma = (i: number): number => {
      let g = 0;
      for (let t = 0; t + i < n; t++) g += (d[t] - mean) * (d[t + i] - mean);
      return g / n;
    };
    const q = 0.1;
    let v = gamma(0);
    for (let i = 1; i < n; i++) v += 2 * (((n - i) / n) * (1 - q) ** i + (i / n) * (1 - q) ** (n - i)) * gamma(i);
    expect(spaVariance(d, 10)).toBeCloseTo(v, 16);
    expect(Math.abs(spaVariance(d, 10) - v) / v).toBeLessThan(1e-12);
  });

  it('stationary bootstrap: indices in range, mean run length near the block length, seeded', () => {
    const rng = xoroshiro128plus(5);
    const out = stationaryIndices(20000, 20, rng, new Int32Array(20000));
    // Runs as seen in the indices (a fresh start that happens to continue the previous run merges with it).
    let runs = 1;
    for (let t = 1; t < out.length; t++) if (out[t] !== (out[t - 1] + 1) % 20000) runs++;
    expect(Math.min(...out)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...out)).toBeLessThan(20000);
    expect(20000 / runs).toBeGreaterThan(17);
    expect(20000 / runs).toBeLessThan(23);
    expect(Array.from(stationaryIndices(50, 5, xoroshiro128plus(5), new Int32Array(50)))).toEqual(
      Array.from(stationaryIndices(50, 5, xoroshiro128plus(5), new Int32Array(50))),
    );
  });

  it('a real edge gives p ≈ 0; noise sets against a flat benchmark do not reject', () => {
    const spec = { bootstrap: 500, block: 10, seed: 3 };
    const edge = noise(4, 10, 1000, 0.01, (k) => (k === 0 ? 0.002 : 0)).map((r) => Float64Array.from(r));
    expect(spaTest(edge, spec).p_value).toBeLessThan(0.01);
    const rejected = [1, 2, 3, 4, 5, 6].filter(
      (seed) =>
        spaTest(
          noise(seed, 10, 1000).map((r) => Float64Array.from(r)),
          { ...spec, seed },
        ).p_value! < 0.05,
    );
    expect(rejected.length).toBeLessThanOrEqual(1);
  });

  it('no set with a spread against the benchmark: p undefined', () => {
    expect(spaTest([new Float64Array(10)], { bootstrap: 10, block: 5, seed: 1 })).toEqual({ p_value: null, statistic: null, sets: 0 });
  });
});

describe('plateau', () => {
  it('3 × 3 grid of 1..9: the neighbourhood is the 3 × 3 box around a point, the point included', () => {
    const values = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const all = new Uint8Array(9).fill(1);
    const r = plateauOf([3, 3], [true, true], ['a', 'b'], values, all, 'max', 8);
    // Point 8 (9): neighbours 5, 6, 8, 9 → mean 7, worst 5. The best neighbourhood mean is 8's too.
    expect(r.best).toEqual({ trial: 8, objective: 9, mean: 7, worst: 5, sets: 4 });
    expect(r.plateau_best).toEqual(r.best);
    const min = plateauOf([3, 3], [true, true], ['a', 'b'], values, all, 'min', 0);
    // Minimised: point 0 (1) with 2, 4, 5 → mean 3, worst 5.
    expect(min.best).toEqual({ trial: 0, objective: 1, mean: 3, worst: 5, sets: 4 });
  });

  it('a sharp peak loses to a broad plateau; holes and categorical dimensions', () => {
    // 1 × 5 numeric: [0, 10, 0, 6, 6] → means 5, 3.33, 5.33, 4, 6: the peak (10) is not the plateau best.
    const r = plateauOf([5], [true], ['x'], Float64Array.from([0, 10, 0, 6, 6]), new Uint8Array(5).fill(1), 'max', 1);
    expect(r.best!.mean).toBeCloseTo(10 / 3, 14);
    expect(r.plateau_best!.trial).toBe(4);
    expect(r.plateau_best!.mean).toBe(6);
    // A categorical dimension (2 values) does not move; a NaN is left out of the mean.
    const c = plateauOf([2, 3], [false, true], ['kind', 'x'], Float64Array.from([1, NaN, 3, 100, 100, 100]), new Uint8Array(6).fill(1), 'max', 0);
    expect(c.dimensions).toEqual(['x']);
    expect(c.best).toEqual({ trial: 0, objective: 1, mean: 1, worst: 1, sets: 1 });
    expect(c.plateau_best!.trial).toBe(3);
  });
});

describe('SPA bootstrap runs', () => {
  it('runs expand to the index sequence; lengths are geometric with the block as mean', async () => {
    const { stationaryRuns } = await import('../src/robustness/spa.js');
    const n = 30000;
    const starts = new Int32Array(n);
    const lengths = new Int32Array(n);
    const runs = stationaryRuns(n, 7, xoroshiro128plus(11), starts, lengths);
    const expanded: number[] = [];
    for (let r = 0; r < runs; r++) for (let i = 0; i < lengths[r]; i++) expanded.push((starts[r] + i) % n);
    expect(expanded).toEqual(Array.from(stationaryIndices(n, 7, xoroshiro128plus(11), new Int32Array(n))));
    expect(expanded.length).toBe(n);
    expect(n / runs).toBeGreaterThan(6.5);
    expect(n / runs).toBeLessThan(7.5);
    // Geometric: P(L = 1) = 1/7.
    let ones = 0;
    for (let r = 0; r < runs - 1; r++) if (lengths[r] === 1) ones++;
    expect(ones / (runs - 1)).toBeCloseTo(1 / 7, 1);
  });
});
