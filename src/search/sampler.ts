import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { evaluateCondition, type CompiledExpression, type ExprValue } from '../expression/expression.js';
import { Grid, type Dimension } from '../space/space.js';

export interface SearchSpec {
  readonly method: 'grid' | 'random' | 'tpe' | 'cmaes' | 'nsga2';
  readonly trials?: number;
  readonly seed: number;
}

/**
 * The points a search visits, as grid indices, lazily. `grid` walks the grid in its fixed order;
 * `random` draws `trials` distinct points with a generator seeded from the config (all points, in
 * grid order, when trials cover the grid). Points failing a constraint are skipped.
 */
export class Sampler {
  readonly grid: Grid;
  private readonly scratch: Int32Array;
  private readonly lookup: (name: string) => ExprValue | undefined;

  constructor(
    readonly dimensions: readonly Dimension[],
    private readonly constraints: readonly CompiledExpression[],
    private readonly search: SearchSpec,
    /** Values of non-swept config paths constraints may read (`risk.stop_loss` when fixed). */
    fixed: (name: string) => unknown,
  ) {
    this.grid = new Grid(dimensions);
    this.scratch = new Int32Array(dimensions.length);
    const byName = new Map(dimensions.map((d, i) => [d.name, i]));
    this.lookup = (name) => {
      const d = byName.get(name);
      const v = d === undefined ? fixed(name) : dimensions[d].values[this.scratch[d]];
      return v === undefined ? undefined : typeof v === 'object' && v !== null ? JSON.stringify(v) : (v as ExprValue);
    };
  }

  /** Whether grid point k satisfies every constraint. */
  accepts(k: number): boolean {
    if (this.constraints.length === 0) return true;
    this.grid.indicesAt(k, this.scratch);
    for (const c of this.constraints) if (!evaluateCondition(c, this.lookup)) return false;
    return true;
  }

  /** Grid indices of the points to evaluate, in evaluation order. */
  *points(): Generator<number> {
    const size = this.grid.size;
    const trials = this.search.method === 'random' ? (this.search.trials ?? size) : size;
    if (trials >= size) {
      for (let k = 0; k < size; k++) if (this.accepts(k)) yield k;
      return;
    }
    const rng = xoroshiro128plus(this.search.seed);
    const seen = new Set<number>();
    let drawn = 0;
    // Rejection sampling; bounded so a space whose constraints reject almost everything ends.
    for (let attempts = 0; drawn < trials && attempts < trials * 100; attempts++) {
      const k = uniformInt(rng, 0, size - 1);
      if (seen.has(k)) continue;
      seen.add(k);
      if (!this.accepts(k)) continue;
      drawn++;
      yield k;
    }
  }

  /** Points satisfying the constraints, counted by enumeration when the grid is small enough, else null. */
  countAccepted(limit = 2_000_000): number | null {
    if (this.constraints.length === 0) return this.grid.size;
    if (this.grid.size > limit) return null;
    let n = 0;
    for (let k = 0; k < this.grid.size; k++) if (this.accepts(k)) n++;
    return n;
  }

  indicesAt(k: number, out: Int32Array): Int32Array {
    return this.grid.indicesAt(k, out);
  }
}
