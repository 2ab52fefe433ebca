import { describe, expect, it } from 'vitest';
import { normalCdf } from '../src/robustness/normal.js';
import { axesOf, type Axis } from '../src/search/samplers/axes.js';
import { CmaEsSampler } from '../src/search/samplers/cmaes.js';
import { mainEffects } from '../src/search/samplers/importance.js';
import { Nsga2Sampler } from '../src/search/samplers/nsga2.js';
import { crowding, dominates, hypervolume2d, nondominatedFronts, paretoFront } from '../src/search/samplers/pareto.js';
import { observationWeights, Parzen } from '../src/search/samplers/parzen.js';
import { PointSpace, type Told } from '../src/search/samplers/proposer.js';
import { Random } from '../src/search/samplers/random.js';
import { goodCount, TpeSampler } from '../src/search/samplers/tpe.js';
import { Grid, type Dimension } from '../src/space/space.js';
import { prefixWindows, timeoutSeconds } from '../src/sequencer/prefix.js';
import { expandRange, isLogRange } from '../src/space/range.js';

/** A range dimension with `count` values first + i·step. */
function range(name: string, first: number, step: number, count: number): Dimension {
  return { path: name.split('.'), name, values: Array.from({ length: count }, (_, i) => Number((first + i * step).toFixed(10))), range: true };
}

// [−1, 1] in steps of 0.01: 201 values, modelled on [−1.005, 1.005] (range 2.01).
const unit = axesOf([range('x', -1, 0.01, 201)])[0] as Axis & { kind: 'numeric' };
const at = (x: number): number => Math.round((x + 1) / 0.01);

describe('the Parzen estimator', () => {
  it('widths: the larger gap to a neighbouring observation or end, clipped to [range / min(100, n + 2), range]; the prior at the middle with width = range', () => {
    const obs = [-0.4, 0.4, 0.41, 0.42].map((x) => Int32Array.of(at(x)));
    const p = new Parzen([unit], obs, [1, 1, 1, 1], { multivariate: false, spaceParams: 1, priorWeight: 1 });
    const R = 2.01;
    // −0.4: gaps 0.605 (to −1.005) and 0.8; 0.4: 0.8 and 0.01; 0.41: 0.01 and 0.01 → clipped to R/6; 0.42: 0.01 and 0.585.
    const expected = [0.8, 0.8, R / 6, 0.585];
    expected.forEach((s, k) => expect(p.sigmaOf(0, k)).toBeCloseTo(s, 12));
    expect(p.muOf(0, 4)).toBeCloseTo(0, 12);
    expect(p.sigmaOf(0, 4)).toBeCloseTo(R, 12);
    for (let k = 0; k < 5; k++) expect(Math.exp(p.logWeights[k])).toBeCloseTo(0.2, 15);
  });

  it('a grid value’s probability is each kernel’s normal mass on its step over the mass on the range, mixed by weight', () => {
    const obs = [-0.4, 0.4, 0.41, 0.42].map((x) => Int32Array.of(at(x)));
    const p = new Parzen([unit], obs, [1, 1, 1, 1], { multivariate: false, spaceParams: 1, priorWeight: 1 });
    const mus = [-0.4, 0.4, 0.41, 0.42, 0];
    const sigmas = [0.8, 0.8, 2.01 / 6, 0.585, 2.01];
    for (const x of [-1, -0.4, 0, 0.41, 0.7, 1]) {
      let prob = 0;
      for (let k = 0; k < 5; k++) {
        const [m, s] = [mus[k], sigmas[k]];
        const mass = normalCdf((x + 0.005 - m) / s) - normalCdf((x - 0.005 - m) / s);
        const z = normalCdf((1.005 - m) / s) - normalCdf((-1.005 - m) / s);
        prob += 0.2 * (mass / z);
      }
      expect(Math.exp(p.logPdf(Int32Array.of(at(x))))).toBeCloseTo(prob, 9);
    }
    // Probabilities over the whole grid sum to 1.
    let total = 0;
    for (let i = 0; i < 201; i++) total += Math.exp(p.logPdf(Int32Array.of(i)));
    expect(total).toBeCloseTo(1, 8);
  });

  it('multivariate: one width per axis, 0.2 · max(n, 1)^(−1/(d + 4)) · range', () => {
    const obs = [-0.4, 0.4, 0.41, 0.42].map((x) => Int32Array.of(at(x)));
    const p = new Parzen([unit], obs, [1, 1, 1, 1], { multivariate: true, spaceParams: 2, priorWeight: 1 });
    for (let k = 0; k < 4; k++) expect(p.sigmaOf(0, k)).toBeCloseTo(Math.max(0.2 * 4 ** (-1 / 6) * 2.01, 2.01 / 6), 12);
  });

  it('categorical: each observation’s kernel is its choice plus p/(n+1) on every choice, normalised; the prior is uniform', () => {
    const axis: Axis = { kind: 'categorical', dim: 0, name: 'c', count: 3 };
    const p = new Parzen([axis], [Int32Array.of(0), Int32Array.of(0), Int32Array.of(2)], [1, 1, 1], { multivariate: false, spaceParams: 1, priorWeight: 1 });
    expect(p.choiceProbability(0, 0, 0)).toBeCloseTo(1.25 / 1.75, 15);
    expect(p.choiceProbability(0, 0, 1)).toBeCloseTo(0.25 / 1.75, 15);
    expect(p.choiceProbability(0, 3, 1)).toBeCloseTo(1 / 3, 15);
    expect(Math.exp(p.logPdf(Int32Array.of(0)))).toBeCloseTo(0.25 * (1.25 / 1.75 + 1.25 / 1.75 + 0.25 / 1.75 + 1 / 3), 14);
  });

  it('samples stay on the grid and follow the mixture', () => {
    const obs = [Int32Array.of(at(0.5))];
    const p = new Parzen([unit], obs, [1], { multivariate: false, spaceParams: 1, priorWeight: 1 });
    const rng = new Random(1);
    const v = new Int32Array(1);
    let near = 0;
    for (let i = 0; i < 4000; i++) {
      p.sample(rng, v);
      expect(v[0]).toBeGreaterThanOrEqual(0);
      expect(v[0]).toBeLessThan(201);
      if (Math.abs(-1 + v[0] * 0.01 - 0.5) <= 0.01) near++;
    }
    // P(|x − 0.5| ≤ 0.01) = Σ over the 3 values of their probabilities.
    const expected = [-1, 0, 1].reduce((a, d) => a + Math.exp(p.logPdf(Int32Array.of(at(0.5) + d))), 0);
    expect(near / 4000).toBeGreaterThan(expected - 0.02);
    expect(near / 4000).toBeLessThan(expected + 0.02);
  });
});

describe('TPE', () => {
  it('γ(n) = min(⌈0.1·n⌉, 25); weights 1 below 25 trials, else a ramp from 1/n for the older n − 25', () => {
    expect([1, 10, 11, 100, 250, 251, 1000].map(goodCount)).toEqual([1, 1, 2, 10, 25, 25, 25]);
    expect(Array.from(observationWeights(3))).toEqual([1, 1, 1]);
    const w = observationWeights(30);
    expect(w[0]).toBeCloseTo(1 / 30, 15);
    expect(w[4]).toBeCloseTo(1, 15);
    expect(w[2]).toBeCloseTo((1 / 30 + 1) / 2, 15);
    expect(Array.from(w.subarray(5))).toEqual(new Array(25).fill(1));
  });

  const dims = [range('a', 0, 1, 100), range('b', 0, 1, 100)];
  const f = (v: Int32Array): number => (v[0] - 70) ** 2 + (v[1] - 20) ** 2;
  function runTpe(seed: number, batch: number, multivariate: boolean, trials: number): { points: number[]; best: number } {
    const grid = new Grid(dims);
    const space = new PointSpace(grid, axesOf(dims), () => true);
    const tpe = new TpeSampler(space, { seed, startup: 10, candidates: 24, multivariate }, 0);
    const points: number[] = [];
    let best = Infinity;
    for (let b = 0; points.length < trials; b++) {
      const proposed = tpe.propose(b, Math.min(batch, trials - points.length));
      const told: Told[] = proposed.map((k) => {
        const loss = f(space.valuesOf(k));
        best = Math.min(best, loss);
        return { point: k, losses: Float64Array.of(loss), prunedAt: null };
      });
      points.push(...proposed);
      tpe.tell(told.reverse());
    }
    return { points, best };
  }

  it('proposes distinct points, the same for the same seed and batch size, others for another seed', () => {
    const a = runTpe(3, 8, false, 120);
    const b = runTpe(3, 8, false, 120);
    expect(a.points).toEqual(b.points);
    expect(new Set(a.points).size).toBe(120);
    expect(runTpe(4, 8, false, 120).points).not.toEqual(a.points);
  });

  it('finds the bottom of a bowl that random search of the same budget misses (univariate and multivariate)', () => {
    const rng = new Random(5);
    let randomBest = Infinity;
    for (let i = 0; i < 150; i++) randomBest = Math.min(randomBest, (rng.int(100) - 70) ** 2 + (rng.int(100) - 20) ** 2);
    for (const multivariate of [false, true]) {
      const { best } = runTpe(1, 10, multivariate, 150);
      expect(best).toBeLessThanOrEqual(2);
      expect(best).toBeLessThan(Math.max(randomBest, 3));
    }
  });
});

describe('CMA-ES', () => {
  it('λ = 4 + ⌊3 ln n⌋, σ0 = smallest range / 6, mean at the centre; converges on a bowl', () => {
    const dims = [range('a', 0, 0.1, 1001), range('b', 0, 0.1, 501)];
    const space = new PointSpace(new Grid(dims), axesOf(dims), () => true);
    const cma = new CmaEsSampler(space, { seed: 2 }, 0);
    expect(cma.batch).toBe(4 + Math.floor(3 * Math.log(2)));
    expect(cma.state.sigma).toBeCloseTo(50.1 / 6, 12);
    expect(Array.from(cma.state.mean)).toEqual([50, 25]);
    const loss = (v: Int32Array): number => (v[0] * 0.1 - 62) ** 2 + 3 * (v[1] * 0.1 - 11) ** 2;
    let best = Infinity;
    for (let g = 0; g < 80 && !cma.converged; g++) {
      const told = cma.propose(g, 100).map((k) => ({ point: k, losses: Float64Array.of(loss(space.valuesOf(k))), prunedAt: null }));
      for (const t of told) best = Math.min(best, t.losses[0]);
      cma.tell(told);
    }
    expect(best).toBeLessThan(0.05);
    expect(cma.state.mean[0]).toBeCloseTo(62, 0);
    expect(cma.state.mean[1]).toBeCloseTo(11, 0);
  });
});

describe('Pareto fronts', () => {
  it('dominance, fronts, crowding and the 2-D hypervolume by hand', () => {
    expect(dominates([1, 2], [2, 2])).toBe(true);
    expect(dominates([1, 2], [1, 2])).toBe(false);
    expect(dominates([1, 3], [2, 2])).toBe(false);
    expect(dominates([9, 9], [NaN, 0])).toBe(true);
    const losses = [
      [1, 3],
      [2, 2],
      [3, 1],
      [2, 3],
      [3, 3],
      [NaN, 0],
    ];
    expect(nondominatedFronts(losses)).toEqual([[0, 1, 2], [3], [4], [5]]);
    expect(paretoFront(losses)).toEqual([0, 1, 2]);
    // Middle point: (3 − 1)/(3 − 1) + (3 − 1)/(3 − 1) = 2; the ends ∞.
    expect(Array.from(crowding(losses, [0, 1, 2]))).toEqual([Infinity, 2, Infinity]);
    // (4−1)(4−3) + (4−2)(3−2) + (4−3)(2−1) = 6; a dominated point adds nothing.
    expect(
      hypervolume2d(
        [
          [1, 3],
          [2, 2],
          [3, 1],
          [3, 3],
        ],
        [4, 4],
      ),
    ).toBe(6);
  });

  it('NSGA-II keeps a population of the configured size and moves it to the front of two conflicting objectives', () => {
    const dims = [range('a', 0, 1, 50), range('b', 0, 1, 50)];
    const space = new PointSpace(new Grid(dims), axesOf(dims), () => true);
    const nsga = new Nsga2Sampler(space, { seed: 1, population: 20, crossover: 0.9, swap: 0.5, mutation: null }, 0, 2);
    const objectives = (v: Int32Array): Float64Array => Float64Array.of(v[0] + v[1] / 10, 49 - v[0] + v[1] / 10);
    for (let g = 0; g < 30; g++) nsga.tell(nsga.propose(g, 100).map((k) => ({ point: k, losses: objectives(space.valuesOf(k)), prunedAt: null })));
    expect(nsga.members.length).toBe(20);
    // The true front is b = 0: most of the population is on it.
    const onFront = nsga.members.filter((k) => space.valuesOf(k)[1] === 0).length;
    expect(onFront).toBeGreaterThanOrEqual(16);
  });
});

describe('parameter importance', () => {
  it('η² of each parameter’s main effect and their shares, by hand', () => {
    const values = [Int32Array.of(0, 0), Int32Array.of(0, 1), Int32Array.of(1, 0), Int32Array.of(1, 1)];
    const [a, b] = mainEffects(values, [1, 2, 3, 4], ['a', 'b']);
    // ȳ = 2.5, SS = 5; a's groups 1.5 and 3.5 → 4/5; b's 2 and 3 → 1/5.
    expect(a.eta_squared).toBeCloseTo(0.8, 15);
    expect(b.eta_squared).toBeCloseTo(0.2, 15);
    expect(a.share).toBeCloseTo(0.8, 15);
    const flat = mainEffects(values, [1, 1, 1, 1], ['a', 'b']);
    expect(flat[0].eta_squared).toBeNull();
  });
});

describe('rungs, timeouts and log ranges', () => {
  it('a history prefix cuts the concatenated windows after round(fraction · bars) bars', () => {
    expect(prefixWindows([{ start: 100, end: 1100 }], 0.25)).toEqual([{ start: 100, end: 350 }]);
    // Segments of 300 and 500 bars: 0.5 → 400 bars: the first whole, 100 of the second.
    expect(
      prefixWindows(
        [
          { start: 0, end: 300 },
          { start: 600, end: 1100 },
        ],
        0.5,
      ),
    ).toEqual([
      { start: 0, end: 300 },
      { start: 600, end: 700 },
    ]);
    expect(
      prefixWindows(
        [
          { start: 0, end: 300 },
          { start: 600, end: 1100 },
        ],
        0.375,
      ),
    ).toEqual([{ start: 0, end: 300 }]);
  });

  it('timeouts in seconds, minutes, hours, days', () => {
    expect([timeoutSeconds(90), timeoutSeconds('45s'), timeoutSeconds('30m'), timeoutSeconds('8h'), timeoutSeconds('1.5d')]).toEqual([
      90, 45, 1800, 28800, 129600,
    ]);
  });

  it('range(…, log) keeps its grid and is modelled in log space over [a − step/2, b + step/2]', () => {
    expect(expandRange('range(1, 5, 1, log)')).toEqual([1, 2, 3, 4, 5]);
    expect(isLogRange('range(1, 5, 1, log)')).toBe(true);
    expect(isLogRange('range(1, 5, 1)')).toBe(false);
    expect(expandRange('range(0, 5, 1, log)')).toContain('a log range needs start − step/2 > 0');
    const [axis] = axesOf([{ ...range('x', 1, 1, 5), log: true }]) as (Axis & { kind: 'numeric' })[];
    expect(axis.low).toBeCloseTo(Math.log(0.5), 15);
    expect(axis.high).toBeCloseTo(Math.log(5.5), 15);
  });
});
