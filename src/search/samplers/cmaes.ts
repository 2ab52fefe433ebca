import { nearestIndex, type Axis } from './axes.js';
import { symmetricEigen } from './eigen.js';
import type { PointSpace, Proposer, Told } from './proposer.js';
import { mixSeed, Random } from './random.js';

export interface CmaEsSettings {
  readonly seed: number;
  /** λ; default 4 + ⌊3 ln n⌋. */
  readonly population?: number;
  /** σ0; default the smallest parameter range / 6. */
  readonly sigma0?: number;
}

type NumericAxis = Axis & { kind: 'numeric' };

/**
 * CMA-ES (Hansen, "The CMA Evolution Strategy: A Tutorial", 2016: weights, learning rates, the
 * cumulation paths with h_σ and the rank-μ update as given there; c_m = 1), minimising the first
 * loss over the numeric parameters' model coordinates (each range widened by half a step, log ranges
 * in log space). The mean starts at the centre, σ0 = the smallest range / 6, λ = 4 + ⌊3 ln n⌋,
 * μ = ⌊λ/2⌋. A sample outside the bounds is drawn again (up to 100 times, then clipped); each sample
 * is evaluated at its nearest grid point, and told that point's loss (infeasible or failed: +∞; a
 * point evaluated before costs no new trial). One batch is one generation; the sampler has
 * converged when 20 generations in a row hold no new point.
 */
export class CmaEsSampler implements Proposer {
  readonly batch: number;
  converged = false;
  private readonly n: number;
  private readonly mu: number;
  private readonly weights: Float64Array;
  private readonly muEff: number;
  private readonly cSigma: number;
  private readonly dSigma: number;
  private readonly cc: number;
  private readonly c1: number;
  private readonly cMu: number;
  private readonly chiN: number;
  private readonly mean: Float64Array;
  private sigma: number;
  private readonly pSigma: Float64Array;
  private readonly pc: Float64Array;
  private readonly C: Float64Array;
  private B: Float64Array;
  private D: Float64Array;
  private generation = 0;
  private stale = 0;
  /** The generation's samples (model coordinates) and their grid points. */
  private samples: Float64Array[] = [];
  private points: number[] = [];
  private readonly losses = new Map<number, number>();
  private readonly axes: readonly NumericAxis[];

  constructor(
    private readonly space: PointSpace,
    private readonly settings: CmaEsSettings,
    private readonly stream: number,
  ) {
    this.axes = space.axes as NumericAxis[];
    const n = (this.n = this.axes.length);
    const lambda = (this.batch = settings.population ?? 4 + Math.floor(3 * Math.log(n)));
    this.mu = Math.floor(lambda / 2);
    const w = new Float64Array(this.mu);
    let sum = 0;
    for (let i = 0; i < this.mu; i++) sum += w[i] = Math.log((lambda + 1) / 2) - Math.log(i + 1);
    let sq = 0;
    for (let i = 0; i < this.mu; i++) {
      w[i] /= sum;
      sq += w[i] * w[i];
    }
    this.weights = w;
    const me = (this.muEff = 1 / sq);
    this.cSigma = (me + 2) / (n + me + 5);
    this.dSigma = 1 + 2 * Math.max(0, Math.sqrt((me - 1) / (n + 1)) - 1) + this.cSigma;
    this.cc = (4 + me / n) / (n + 4 + (2 * me) / n);
    this.c1 = 2 / ((n + 1.3) ** 2 + me);
    this.cMu = Math.min(1 - this.c1, (2 * (me - 2 + 1 / me)) / ((n + 2) ** 2 + me));
    this.chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
    this.mean = Float64Array.from(this.axes, (a) => 0.5 * (a.low + a.high));
    this.sigma = settings.sigma0 ?? Math.min(...this.axes.map((a) => a.high - a.low)) / 6;
    this.pSigma = new Float64Array(n);
    this.pc = new Float64Array(n);
    this.C = new Float64Array(n * n);
    for (let i = 0; i < n; i++) this.C[i * n + i] = 1;
    this.B = Float64Array.from(this.C);
    this.D = new Float64Array(n).fill(1);
  }

  /** The distribution's state (tests). */
  get state(): { mean: Float64Array; sigma: number; C: Float64Array } {
    return { mean: this.mean, sigma: this.sigma, C: this.C };
  }

  propose(batch: number, count: number): number[] {
    const rng = new Random(mixSeed(this.settings.seed, this.stream, batch));
    const n = this.n;
    this.samples = [];
    this.points = [];
    const fresh: number[] = [];
    const values = new Int32Array(n);
    for (let s = 0; s < this.batch; s++) {
      const x = new Float64Array(n);
      for (let attempt = 0; attempt < 100; attempt++) {
        this.draw(rng, x);
        if (this.axes.every((a, i) => x[i] >= a.low && x[i] <= a.high)) break;
      }
      for (let i = 0; i < n; i++) {
        const a = this.axes[i];
        x[i] = Math.min(a.high, Math.max(a.low, x[i]));
        values[i] = nearestIndex(a, x[i]);
      }
      const k = this.space.pointOf(values);
      this.samples.push(x);
      this.points.push(k);
      if (!this.losses.has(k) && !this.space.seen.has(k) && fresh.length < count) {
        if (this.space.accepts(k)) {
          this.space.seen.add(k);
          fresh.push(k);
        } else this.losses.set(k, Infinity);
      }
    }
    this.stale = fresh.length === 0 ? this.stale + 1 : 0;
    if (this.stale >= 20) this.converged = true;
    // Nothing to evaluate: the generation is complete already.
    if (fresh.length === 0) this.update();
    return fresh;
  }

  tell(trials: readonly Told[]): void {
    for (const t of trials) {
      const loss = t.losses === null ? Infinity : t.losses[0];
      this.losses.set(t.point, Number.isNaN(loss) ? Infinity : loss);
    }
    if (this.points.length > 0 && this.points.every((k) => this.losses.has(k))) this.update();
  }

  private draw(rng: Random, out: Float64Array): void {
    const n = this.n;
    const z = new Float64Array(n);
    for (let i = 0; i < n; i++) z[i] = this.D[i] * rng.normal();
    for (let i = 0; i < n; i++) {
      let y = 0;
      for (let j = 0; j < n; j++) y += this.B[i * n + j] * z[j];
      out[i] = this.mean[i] + this.sigma * y;
    }
  }

  /** One generation's update of the mean, the paths, C and σ from the samples ranked by loss (ties: sample order). */
  private update(): void {
    const n = this.n;
    // A sample whose grid point was never evaluated (the budget ended mid-generation) cannot be ranked.
    if (!this.points.every((k) => this.losses.has(k))) return;
    const order = this.samples.map((_, i) => i).sort((a, b) => this.losses.get(this.points[a])! - this.losses.get(this.points[b])! || a - b);
    const ys = order.slice(0, this.mu).map((i) => Float64Array.from(this.samples[i], (x, j) => (x - this.mean[j]) / this.sigma));
    const yw = new Float64Array(n);
    for (let r = 0; r < this.mu; r++) for (let j = 0; j < n; j++) yw[j] += this.weights[r] * ys[r][j];
    for (let j = 0; j < n; j++) this.mean[j] += this.sigma * yw[j];
    // C^(−1/2) y_w = B D^(−1) Bᵀ y_w.
    const t = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += this.B[j * n + i] * yw[j];
      t[i] = s / this.D[i];
    }
    const ps = this.pSigma;
    const k1 = Math.sqrt(this.cSigma * (2 - this.cSigma) * this.muEff);
    let norm = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += this.B[i * n + j] * t[j];
      ps[i] = (1 - this.cSigma) * ps[i] + k1 * s;
      norm += ps[i] * ps[i];
    }
    norm = Math.sqrt(norm);
    this.generation++;
    const hSigma = norm / Math.sqrt(1 - (1 - this.cSigma) ** (2 * this.generation)) < (1.4 + 2 / (n + 1)) * this.chiN ? 1 : 0;
    const k2 = hSigma * Math.sqrt(this.cc * (2 - this.cc) * this.muEff);
    for (let i = 0; i < n; i++) this.pc[i] = (1 - this.cc) * this.pc[i] + k2 * yw[i];
    const keep = 1 - this.c1 - this.cMu + (1 - hSigma) * this.c1 * this.cc * (2 - this.cc);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let rankMu = 0;
        for (let r = 0; r < this.mu; r++) rankMu += this.weights[r] * ys[r][i] * ys[r][j];
        this.C[i * n + j] = keep * this.C[i * n + j] + this.c1 * this.pc[i] * this.pc[j] + this.cMu * rankMu;
      }
    }
    this.sigma *= Math.exp((this.cSigma / this.dSigma) * (norm / this.chiN - 1));
    const { values, vectors } = symmetricEigen(this.C, n);
    this.B = vectors;
    this.D = Float64Array.from(values, (v) => Math.sqrt(Math.max(v, 1e-20)));
    this.points = [];
    this.samples = [];
  }
}
