import { crowding, dominates, nondominatedFronts } from './pareto.js';
import type { PointSpace, Proposer, Told } from './proposer.js';
import { mixSeed, Random } from './random.js';

export interface Nsga2Settings {
  readonly seed: number;
  readonly population: number;
  readonly crossover: number;
  readonly swap: number;
  /** Per-parameter mutation probability; null: 1 / parameters. */
  readonly mutation: number | null;
}

interface Member {
  readonly point: number;
  readonly losses: Float64Array;
}

/**
 * NSGA-II (Deb et al. 2002) with the behaviour of Optuna's NSGAIISampler: generation 0 is
 * `population` uniform random points; each later generation is `population` children of the
 * current population, each from two parents chosen by binary tournament (the dominating one of two
 * uniformly drawn members, else either at random), crossed with probability `crossover` by uniform
 * crossover (each parameter from the second parent with probability `swap`), else a copy of the
 * first, then each parameter mutated (redrawn uniformly) with probability 1/parameters. A child that
 * repeats an evaluated point takes its known losses (no new trial); one the constraints reject is
 * drawn again (up to 100 times, then a random point). The next population is the elite of the
 * current one and the generation's children (distinct points): whole non-dominated fronts, the
 * last one cut by crowding distance (larger first, ties by point). Failed trials are infeasible.
 */
export class Nsga2Sampler implements Proposer {
  readonly batch: number;
  converged = false;
  private population: Member[] = [];
  private children: number[] = [];
  private readonly known = new Map<number, Float64Array>();
  private stale = 0;

  constructor(
    private readonly space: PointSpace,
    private readonly settings: Nsga2Settings,
    private readonly stream: number,
    private readonly objectives: number,
  ) {
    this.batch = settings.population;
  }

  propose(batch: number, count: number): number[] {
    const rng = new Random(mixSeed(this.settings.seed, this.stream, batch));
    this.children = [];
    const fresh: number[] = [];
    for (let c = 0; c < this.batch && fresh.length < count; c++) {
      const k = this.population.length === 0 ? this.space.randomPoint(rng) : this.child(rng);
      if (k < 0) break;
      this.children.push(k);
      if (!this.known.has(k) && !this.space.seen.has(k)) {
        this.space.seen.add(k);
        fresh.push(k);
      }
    }
    this.stale = fresh.length === 0 ? this.stale + 1 : 0;
    if (this.stale >= 20 || this.children.length === 0) this.converged = true;
    if (fresh.length === 0) this.select();
    return fresh;
  }

  tell(trials: readonly Told[]): void {
    for (const t of trials) this.known.set(t.point, t.losses ?? new Float64Array(this.objectives).fill(NaN));
    if (this.children.length > 0 && this.children.every((k) => this.known.has(k))) this.select();
  }

  /** The current population's points (tests). */
  get members(): readonly number[] {
    return this.population.map((m) => m.point);
  }

  private child(rng: Random): number {
    const axes = this.space.axes;
    const mutation = this.settings.mutation ?? 1 / Math.max(1, axes.length);
    for (let attempt = 0; attempt < 100; attempt++) {
      const a = this.space.valuesOf(this.parent(rng).point);
      const b = this.space.valuesOf(this.parent(rng).point);
      if (rng.uniform() < this.settings.crossover) for (let i = 0; i < axes.length; i++) if (rng.uniform() < this.settings.swap) a[i] = b[i];
      for (let i = 0; i < axes.length; i++) if (rng.uniform() < mutation) a[i] = rng.int(axes[i].count);
      const k = this.space.pointOf(a);
      if (this.space.accepts(k)) return k;
    }
    return this.space.randomPoint(rng);
  }

  private parent(rng: Random): Member {
    const p = this.population;
    const x = p[rng.int(p.length)];
    const y = p[rng.int(p.length)];
    if (dominates(x.losses, y.losses)) return x;
    if (dominates(y.losses, x.losses)) return y;
    return rng.uniform() < 0.5 ? x : y;
  }

  /** The elite of the population and the generation's children. */
  private select(): void {
    const pool = new Map<number, Member>();
    for (const m of this.population) pool.set(m.point, m);
    for (const k of this.children) if (this.known.has(k)) pool.set(k, { point: k, losses: this.known.get(k)! });
    this.children = [];
    const members = [...pool.values()].sort((a, b) => a.point - b.point);
    const losses = members.map((m) => m.losses);
    const next: Member[] = [];
    for (const front of nondominatedFronts(losses)) {
      if (next.length + front.length <= this.settings.population) {
        for (const i of front) next.push(members[i]);
        continue;
      }
      const d = crowding(losses, front);
      const order = front.map((_, i) => i).sort((a, b) => d[b] - d[a] || members[front[a]].point - members[front[b]].point);
      for (const i of order.slice(0, this.settings.population - next.length)) next.push(members[front[i]]);
      break;
    }
    this.population = next;
  }
}
