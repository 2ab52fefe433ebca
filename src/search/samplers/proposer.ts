import type { Grid } from '../../space/space.js';
import type { Axis } from './axes.js';
import type { Random } from './random.js';

/** A trial as a sampler is told it: its point, its objectives, how far it got. */
export interface Told {
  /** Grid index. */
  readonly point: number;
  /**
   * Its objectives as losses (a maximised objective negated), one per objective; NaN: the trial ran
   * but is infeasible (an objective undefined, or outside the result constraints); null: it failed.
   */
  readonly losses: Float64Array | null;
  /** Pruned after this rung (0-based), or null: complete. */
  readonly prunedAt: number | null;
}

/**
 * A model-based search's sampler. A batch's proposals depend only on the seed, the batch number,
 * its size and what was told of earlier batches, so any executor and worker count give the same
 * points. Proposals are new points the constraints accept; fewer than asked (or none) when the
 * space has no more.
 */
export interface Proposer {
  /** The batch size the sampler needs (CMA-ES: its population), or null: the search's. */
  readonly batch: number | null;
  propose(batch: number, count: number): number[];
  /** The outcome of every point of the batch just proposed (in any order). */
  tell(trials: readonly Told[]): void;
  /** The sampler has converged: it proposes nothing new any more. */
  readonly converged: boolean;
}

/** What every sampler shares: the grid, its axes, the constraints, the points already taken. */
export class PointSpace {
  readonly seen = new Set<number>();
  private readonly indices: Int32Array;

  constructor(
    readonly grid: Grid,
    readonly axes: readonly Axis[],
    readonly accepts: (k: number) => boolean,
  ) {
    this.indices = new Int32Array(grid.dimensions.length);
  }

  /** Grid index of a point given by its value index on each axis (other dimensions have one value). */
  pointOf(values: ArrayLike<number>): number {
    this.indices.fill(0);
    for (let a = 0; a < this.axes.length; a++) this.indices[this.axes[a].dim] = values[a];
    return this.grid.indexOf(this.indices);
  }

  /** The value index on each axis of grid point k. */
  valuesOf(k: number, out: Int32Array = new Int32Array(this.axes.length)): Int32Array {
    this.grid.indicesAt(k, this.indices);
    for (let a = 0; a < this.axes.length; a++) out[a] = this.indices[this.axes[a].dim];
    return out;
  }

  /** Whether k is new and allowed. */
  fresh(k: number): boolean {
    return !this.seen.has(k) && this.accepts(k);
  }

  /**
   * A uniformly drawn new point the constraints accept (each axis uniform over its values), or −1
   * when 1,000 draws and a bounded scan from a random start find none.
   */
  randomPoint(rng: Random): number {
    const values = new Int32Array(this.axes.length);
    for (let attempt = 0; attempt < 1000; attempt++) {
      for (let a = 0; a < this.axes.length; a++) values[a] = rng.int(this.axes[a].count);
      const k = this.pointOf(values);
      if (this.fresh(k)) return k;
    }
    const size = this.grid.size;
    const start = rng.int(size);
    for (let i = 0; i < Math.min(size, 1_000_000); i++) {
      const k = (start + i) % size;
      if (this.fresh(k)) return k;
    }
    return -1;
  }
}
