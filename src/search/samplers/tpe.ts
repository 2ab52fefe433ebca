import type { Axis } from './axes.js';
import { Parzen, observationWeights, type ParzenOptions } from './parzen.js';
import type { PointSpace, Proposer, Told } from './proposer.js';
import { mixSeed, Random } from './random.js';

export interface TpeSettings {
  readonly seed: number;
  /** Random trials before the model proposes (Optuna's n_startup_trials). */
  readonly startup: number;
  /** Candidates drawn from l(x) per proposal (n_ei_candidates). */
  readonly candidates: number;
  /** One joint estimator over every parameter, else one per parameter (Optuna's default). */
  readonly multivariate: boolean;
}

/** Optuna's default γ: the size of the good set among n trials. */
export function goodCount(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

interface Observation {
  readonly values: Int32Array;
  /** Sort key: 0 complete and feasible, 1 pruned, 2 infeasible, 3 pending. */
  readonly group: number;
  /** Within the group: the loss (pruned: minus the rung, then the loss). */
  readonly loss: number;
  readonly rung: number;
  /** Told order (pending: after every told trial, in proposal order). */
  readonly order: number;
}

/**
 * The tree-structured Parzen estimator (Bergstra et al. 2011) with the behaviour of Optuna's
 * TPESampler: `startup` uniform random trials, then each proposal splits the trials so far into
 * the good γ(n) = min(⌈0.1·n⌉, 25) by loss and the rest, fits a Parzen estimator to each (weights by
 * age: {@link observationWeights}), draws `candidates` points from the good one, l(x), and proposes
 * the one with the highest log l(x) − log g(x). Pruned trials rank after every complete one (a
 * deeper rung first), infeasible ones after those; the batch's pending proposals join the bad set
 * (a constant liar), so one batch spreads out. A candidate already evaluated, pending or rejected by
 * the constraints gives way to the next best; when none of four rounds of candidates is new, a
 * uniform random new point is proposed.
 */
export class TpeSampler implements Proposer {
  readonly batch = null;
  converged = false;
  private readonly told: Observation[] = [];
  private completed = 0;

  constructor(
    private readonly space: PointSpace,
    private readonly settings: TpeSettings,
    /** The search's stream: a windowed sequence's window index. */
    private readonly stream: number,
  ) {}

  propose(batch: number, count: number): number[] {
    const rng = new Random(mixSeed(this.settings.seed, this.stream, batch));
    const out: number[] = [];
    const pending: Observation[] = [];
    for (let i = 0; i < count; i++) {
      const k = this.completed < this.settings.startup ? this.space.randomPoint(rng) : this.modelPoint(rng, pending);
      if (k < 0) break;
      this.space.seen.add(k);
      out.push(k);
      pending.push({ values: this.space.valuesOf(k), group: 3, loss: 0, rung: 0, order: this.told.length + pending.length });
    }
    if (out.length === 0) this.converged = true;
    return out;
  }

  tell(trials: readonly Told[]): void {
    for (const t of trials) {
      this.space.seen.add(t.point);
      if (t.losses === null) continue;
      const loss = t.losses[0];
      const group = t.prunedAt !== null ? 1 : Number.isNaN(loss) ? 2 : 0;
      if (t.prunedAt === null) this.completed++;
      this.told.push({
        values: this.space.valuesOf(t.point),
        group,
        loss: Number.isNaN(loss) ? Infinity : loss,
        rung: t.prunedAt ?? 0,
        order: this.told.length,
      });
    }
  }

  private modelPoint(rng: Random, pending: readonly Observation[]): number {
    const all = [...this.told, ...pending];
    const ranked = all.slice().sort((a, b) => a.group - b.group || (a.group === 1 ? b.rung - a.rung : 0) || a.loss - b.loss || a.order - b.order);
    const good = Math.min(goodCount(all.length), this.told.length);
    const byAge = (a: Observation, b: Observation): number => a.order - b.order;
    const below = ranked.slice(0, good).sort(byAge);
    const above = ranked.slice(good).sort(byAge);
    const axes = this.space.axes;
    const options = { multivariate: this.settings.multivariate, spaceParams: axes.length, priorWeight: 1 };
    const estimators = this.settings.multivariate
      ? [{ l: fit(axes, below, options), g: fit(axes, above, options), axes: axes.map((_, a) => a) }]
      : axes.map((axis, a) => ({ l: fit([axis], below, options, a), g: fit([axis], above, options, a), axes: [a] }));
    for (let round = 0; round < 4; round++) {
      const k = this.bestCandidate(rng, estimators);
      if (k >= 0) return k;
    }
    return this.space.randomPoint(rng);
  }

  /**
   * Draws the candidates and returns the best new one. Multivariate: joint candidates ranked by
   * their score; univariate: each parameter's candidates ranked on their own, the joint point made
   * of each parameter's best, then of its next best on the parameter whose next costs least.
   */
  private bestCandidate(rng: Random, estimators: readonly { l: Parzen; g: Parzen; axes: readonly number[] }[]): number {
    const c = this.settings.candidates;
    const ranked = estimators.map(({ l, g, axes }) => {
      const draws: { values: Int32Array; score: number }[] = [];
      for (let i = 0; i < c; i++) {
        const v = new Int32Array(axes.length);
        l.sample(rng, v);
        draws.push({ values: v, score: l.logPdf(v) - g.logPdf(v) });
      }
      // Stable: equal scores keep draw order.
      return draws.sort((a, b) => b.score - a.score);
    });
    const point = new Int32Array(this.space.axes.length);
    const choice = new Int32Array(estimators.length);
    const tried = new Set<number>();
    for (let step = 0; step < c * estimators.length; step++) {
      estimators.forEach((e, j) => e.axes.forEach((a, i) => (point[a] = ranked[j][choice[j]].values[i])));
      const k = this.space.pointOf(point);
      if (!tried.has(k)) {
        tried.add(k);
        if (this.space.fresh(k)) return k;
      }
      // Advance the estimator whose next candidate loses the least score.
      let next = -1;
      let cost = Infinity;
      for (let j = 0; j < estimators.length; j++) {
        if (choice[j] + 1 >= c) continue;
        const d = ranked[j][choice[j]].score - ranked[j][choice[j] + 1].score;
        if (d < cost) {
          cost = d;
          next = j;
        }
      }
      if (next < 0) break;
      choice[next]++;
    }
    return -1;
  }
}

function fit(axes: readonly Axis[], group: readonly Observation[], options: ParzenOptions, axis?: number): Parzen {
  const observations = axis === undefined ? group.map((o) => o.values) : group.map((o) => Int32Array.of(o.values[axis]));
  return new Parzen(axes, observations, observationWeights(group.length), options);
}
