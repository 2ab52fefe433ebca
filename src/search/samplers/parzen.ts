import { coordinate, nearestIndex, type Axis } from './axes.js';
import { logDensity, logMass, logSumExp, truncatedNormal } from './gauss.js';
import type { Random } from './random.js';

/** Optuna's `default_weights`: 1 for fewer than 25 observations, else a ramp from 1/n up to 1 for the older n − 25 and 1 for the newest 25. */
export function observationWeights(n: number): Float64Array {
  const w = new Float64Array(n).fill(1);
  if (n < 25) return w;
  const ramp = n - 25;
  // numpy.linspace(1/n, 1, ramp): evenly spaced, both ends included.
  for (let i = 0; i < ramp; i++) w[i] = ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1);
  return w;
}

/** The kernels of one numeric axis: means, widths, and each kernel's log mass on the axis's range. */
interface NumericKernels {
  readonly axis: Axis & { kind: 'numeric' };
  readonly mu: Float64Array;
  readonly sigma: Float64Array;
  readonly logZ: Float64Array;
}

/** The kernels of one categorical axis: row k is kernel k's probability of each choice. */
interface CategoricalKernels {
  readonly axis: Axis & { kind: 'categorical' };
  readonly probs: Float64Array;
}

export interface ParzenOptions {
  /** One σ for every kernel of an axis, shrinking with the observations (Optuna's multivariate rule), else each kernel's from its neighbours. */
  readonly multivariate: boolean;
  /** Parameters of the whole search space (the multivariate σ's exponent): the axes of the sampler, not of this estimator. */
  readonly spaceParams: number;
  readonly priorWeight: number;
}

/**
 * A Parzen estimator as Optuna's TPE builds it (samplers/_tpe/parzen_estimator.py): one kernel per
 * observation plus a prior kernel, mixed with the observations' weights and the prior's, over one
 * or several axes (a kernel is a product over the axes). On a numeric axis, over its range
 * [low, high] (a stepped range widened by half a step at each end, or its log):
 * - observation kernels are normals truncated to the range, centred on the observation, of width
 *   the larger of the gaps to its two neighbours among the observations and the range's ends
 *   (univariate), or 0.2 · max(n, 1)^(−1/(d + 4)) · range (multivariate, d parameters);
 * - widths are clipped to [range / min(100, n + 2), range];
 * - the prior kernel is centred on the middle of the range with width = range;
 * - a linear stepped axis is discrete: a kernel's probability of a grid value is its mass on the
 *   value's step; a log axis is continuous in log space (the value's density there).
 * On a categorical axis, kernel k gives its observed choice 1 + p/(n+1) and every choice
 * p/(n+1), normalised (p = the prior weight); the prior kernel is uniform.
 */
export class Parzen {
  /** log of each kernel's normalised mixture weight (observations first, the prior last). */
  readonly logWeights: Float64Array;
  private readonly weights: Float64Array;
  private readonly numeric: (NumericKernels | null)[];
  private readonly categorical: (CategoricalKernels | null)[];
  private readonly scratch: Float64Array;

  /**
   * `observations[i]` holds observation i's value index on each axis (in `axes` order);
   * `weights[i]` its weight before normalisation.
   */
  constructor(
    readonly axes: readonly Axis[],
    observations: readonly Int32Array[],
    weights: ArrayLike<number>,
    options: ParzenOptions,
  ) {
    const n = observations.length;
    const kernels = n + 1;
    this.weights = new Float64Array(kernels);
    let total = 0;
    for (let i = 0; i < n; i++) total += this.weights[i] = weights[i];
    total += this.weights[n] = n === 0 ? 1 : options.priorWeight;
    this.logWeights = new Float64Array(kernels);
    for (let k = 0; k < kernels; k++) {
      this.weights[k] /= total;
      this.logWeights[k] = Math.log(this.weights[k]);
    }
    this.numeric = axes.map((axis, a) => (axis.kind === 'numeric' ? numericKernels(axis, observations, a, options) : null));
    this.categorical = axes.map((axis, a) => (axis.kind === 'categorical' ? categoricalKernels(axis, observations, a, options.priorWeight) : null));
    this.scratch = new Float64Array(kernels);
  }

  get kernels(): number {
    return this.weights.length;
  }

  /** Kernel k's σ on numeric axis a (tests). */
  sigmaOf(a: number, k: number): number {
    return this.numeric[a]!.sigma[k];
  }

  muOf(a: number, k: number): number {
    return this.numeric[a]!.mu[k];
  }

  /** Kernel k's probability of choice c on categorical axis a (tests). */
  choiceProbability(a: number, k: number, c: number): number {
    const cat = this.categorical[a]!;
    return cat.probs[k * cat.axis.count + c];
  }

  /** Draws a point: a kernel by the mixture weights, then each axis from that kernel; value indices into `out`. */
  sample(rng: Random, out: Int32Array): void {
    const k = rng.pick(this.weights, 1);
    for (let a = 0; a < this.axes.length; a++) {
      const num = this.numeric[a];
      if (num !== null) {
        out[a] = nearestIndex(num.axis, truncatedNormal(num.mu[k], num.sigma[k], num.axis.low, num.axis.high, rng.uniform()));
      } else {
        const cat = this.categorical[a]!;
        const c = cat.axis.count;
        out[a] = rng.pick(cat.probs.subarray(k * c, (k + 1) * c), 1);
      }
    }
  }

  /**
   * log of the mixture's probability (discrete axes) or density (log axes) at a point's value
   * indices. A kernel's probability of a grid value is its normal mass on the value's step; since
   * the prior kernel (width = range) always lies within a few widths, a kernel whose bound
   * (mass ≤ step · φ(distance to the step)) is below e^−40 of the prior's exact term adds less than
   * 4·10⁻¹⁸ of it and is left out; a step narrow against its kernel (width · (|z| + 1) ≤ 0.25) is
   * integrated by 3-point Gauss–Legendre (relative error below 10⁻⁸), wider ones exactly.
   */
  logPdf(point: Int32Array): number {
    // Candidates repeat (a discrete space, a concentrated l(x)): each distinct point is computed once.
    let key = 0;
    for (let a = 0; a < this.axes.length; a++) key = key * this.axes[a].count + point[a];
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    const value = this.computeLogPdf(point);
    this.memo.set(key, value);
    return value;
  }

  private readonly memo = new Map<number, number>();

  private computeLogPdf(point: Int32Array): number {
    const terms = this.scratch;
    const kernels = terms.length;
    const prior = kernels - 1;
    for (let k = 0; k < kernels; k++) terms[k] = this.logWeights[k];
    // First the bounds (exact on categorical and log axes).
    for (let a = 0; a < this.axes.length; a++) {
      const num = this.numeric[a];
      if (num !== null) {
        const axis = num.axis;
        const x = coordinate(axis, point[a]);
        const half = axis.step / 2;
        for (let k = 0; k < kernels; k++) {
          const mu = num.mu[k];
          const s = num.sigma[k];
          if (axis.log) terms[k] += logDensity(x, mu, s) - num.logZ[k];
          else {
            const lo = (x - half - mu) / s;
            const hi = (x + half - mu) / s;
            const near = lo > 0 ? lo : hi < 0 ? -hi : 0;
            terms[k] += Math.log(hi - lo) - 0.5 * near * near - LOG_SQRT_2PI - num.logZ[k];
          }
        }
      } else {
        const cat = this.categorical[a]!;
        const c = cat.axis.count;
        for (let k = 0; k < kernels; k++) terms[k] += Math.log(cat.probs[k * c + point[a]]);
      }
    }
    const priorTerm = this.exactTerm(point, prior, terms[prior]);
    const floor = priorTerm - 40;
    for (let k = 0; k < prior; k++) terms[k] = terms[k] < floor ? -Infinity : this.exactTerm(point, k, terms[k]);
    terms[prior] = priorTerm;
    return logSumExp(terms);
  }

  /** Kernel k's exact term, from its bound (which already holds the exact categorical and log-axis parts). */
  private exactTerm(point: Int32Array, k: number, bound: number): number {
    let t = bound;
    for (let a = 0; a < this.axes.length; a++) {
      const num = this.numeric[a];
      if (num === null || num.axis.log) continue;
      const axis = num.axis;
      const x = coordinate(axis, point[a]);
      const half = axis.step / 2;
      const mu = num.mu[k];
      const s = num.sigma[k];
      const lo = (x - half - mu) / s;
      const hi = (x + half - mu) / s;
      const near = lo > 0 ? lo : hi < 0 ? -hi : 0;
      t -= Math.log(hi - lo) - 0.5 * near * near - LOG_SQRT_2PI;
      const h = hi - lo;
      t += h * (Math.max(Math.abs(lo), Math.abs(hi)) + 1) <= 0.25 ? logGaussLegendre(lo, hi) : logMass(lo, hi);
    }
    return t;
  }
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
/** Gauss–Legendre 3-point nodes at ±√(3/5) of the half-width. */
const GL = Math.sqrt(0.6);

/** log of the standard normal mass on [a, b] by 3-point Gauss–Legendre (for narrow intervals). */
function logGaussLegendre(a: number, b: number): number {
  const h = b - a;
  const m = 0.5 * (a + b);
  const d = 0.5 * h * GL;
  const p = Math.exp(-0.5 * (m - d) * (m - d));
  const q = Math.exp(-0.5 * m * m);
  const r = Math.exp(-0.5 * (m + d) * (m + d));
  return Math.log((h * (5 * p + 8 * q + 5 * r)) / 18) - LOG_SQRT_2PI;
}

function numericKernels(axis: Axis & { kind: 'numeric' }, observations: readonly Int32Array[], a: number, options: ParzenOptions): NumericKernels {
  const n = observations.length;
  const range = axis.high - axis.low;
  const mu = new Float64Array(n + 1);
  const sigma = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) mu[i] = coordinate(axis, observations[i][a]);
  if (options.multivariate) {
    sigma.fill(0.2 * Math.pow(Math.max(n, 1), -1 / (options.spaceParams + 4)) * range, 0, n);
  } else {
    // Each observation's neighbours in sorted order; the range's ends neighbour the outermost.
    const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => mu[x] - mu[y] || x - y);
    for (let j = 0; j < n; j++) {
      const left = j === 0 ? axis.low : mu[order[j - 1]];
      const right = j === n - 1 ? axis.high : mu[order[j + 1]];
      const x = mu[order[j]];
      sigma[order[j]] = Math.max(x - left, right - x);
    }
  }
  const minSigma = range / Math.min(100, n + 2);
  for (let i = 0; i < n; i++) sigma[i] = Math.min(range, Math.max(minSigma, sigma[i]));
  mu[n] = 0.5 * (axis.low + axis.high);
  sigma[n] = range;
  const logZ = new Float64Array(n + 1);
  for (let k = 0; k <= n; k++) {
    const a = (axis.low - mu[k]) / sigma[k];
    const b = (axis.high - mu[k]) / sigma[k];
    // Beyond 9 widths on both sides the mass lost is under 2.3·10⁻¹⁹: log Z = 0 to double precision of every term it enters.
    logZ[k] = a < -9 && b > 9 ? 0 : logMass(a, b);
  }
  return { axis, mu, sigma, logZ };
}

function categoricalKernels(axis: Axis & { kind: 'categorical' }, observations: readonly Int32Array[], a: number, priorWeight: number): CategoricalKernels {
  const n = observations.length;
  const c = axis.count;
  const probs = new Float64Array((n + 1) * c).fill(priorWeight / (n + 1));
  for (let i = 0; i < n; i++) probs[i * c + observations[i][a]] += 1;
  for (let k = 0; k <= n; k++) {
    let s = 0;
    for (let j = 0; j < c; j++) s += probs[k * c + j];
    for (let j = 0; j < c; j++) probs[k * c + j] /= s;
  }
  return { axis, probs };
}
