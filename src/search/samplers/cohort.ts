import type { Sampler } from '../sampler.js';
import type { Proposer } from './proposer.js';

/**
 * Grid or random search under a pruner: the whole sample is one cohort (batch 0): every point of
 * the grid in grid order, or the seeded random sample, each within the constraints. Successive
 * halving over it is then the classic synchronous one.
 */
export class CohortSampler implements Proposer {
  readonly batch = null;
  converged = false;

  constructor(
    private readonly sampler: Sampler,
    private readonly budget: number,
  ) {}

  propose(batch: number): number[] {
    this.converged = true;
    if (batch > 0) return [];
    const out: number[] = [];
    for (const k of this.sampler.points()) {
      out.push(k);
      if (out.length >= this.budget) break;
    }
    return out;
  }

  tell(): void {}
}
