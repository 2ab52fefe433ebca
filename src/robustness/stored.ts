import type { BlockPlan } from './block-plan.js';
import { choose, chosenCombinations } from './combinations.js';

/** Block sums kept in memory between the passes up to this many bytes (beyond, the second pass reads the store again). */
export const KEEP_BYTES = 2 ** 26;
import { Cscv, type PboResult } from './pbo.js';
import { plateauOf, type PlateauResult } from './plateau.js';
import { sharpeOfSums } from './sharpe.js';
import { ExactSum } from '../features/exact-sum.js';

/** One stored point of a search as the statistics read it (robustness/stored.ts: `trial_blocks`). */
export interface PointRow {
  readonly trial: number;
  /** The objective over the plan's windows (combined for k_fold), null when undefined. */
  readonly objective: number | null;
  readonly eligible: boolean;
  /** Σr, Σr² per block. */
  readonly sums: Float64Array;
}

/** What the stored rows of a search give: every figure but those that need a set's own bar returns. */
export interface StoredStats {
  /** Trials with stored block sums (every successful trial of the search). */
  readonly trials: number;
  /** Of those, how many have a defined per-period Sharpe over the whole window (DSR's N). */
  readonly defined: number;
  /** Variance (divisor N − 1) of those Sharpe ratios; null for N < 2. */
  readonly sharpeVariance: number | null;
  readonly pbo: PboResult | null;
  readonly plateau: PlateauResult | null;
}

export interface StoredInput {
  readonly blocks: BlockPlan;
  readonly direction: 'max' | 'min';
  /** Grid spaces: each dimension's size, whether its values are all numbers, and its name. */
  readonly grid: { readonly radix: readonly number[]; readonly numeric: readonly boolean[]; readonly names: readonly string[] } | null;
  readonly best: number | null;
}

/** (Σx² − Σx·(Σx/N)) / (N − 1), not below 0. */
function varianceOf(s1: number, s2: number, n: number): number {
  return Math.max(0, (s2 - s1 * (s1 / n)) / (n - 1));
}

/** A first pass done already (merged from the workers' batches): its state and how many points it saw. */
export interface FirstPass {
  readonly partial: Float64Array;
  readonly points: number;
}

/**
 * The statistics of a search's stored points (`rows()` yields them afresh each time, each point
 * once, in any order: nothing below depends on it). The first pass finds each combination's
 * in-sample best — merged from the batches' first passes when every point came through this run's
 * workers (`first`), else computed here; the other pass ranks the in-sample bests out of sample and
 * keeps the whole-window Sharpe ratios' variance (exactly rounded sums) and the objective per grid point. Memory: the combinations'
 * state, the grid's objective values and at most 64 MiB of block sums kept between two passes.
 */
export function storedStats(rows: () => Iterable<PointRow>, trials: number, input: StoredInput, first: FirstPass | null = null): StoredStats {
  const { blocks } = input;
  const width = 2 * blocks.count;
  const masks = chosenCombinations(blocks.count, blocks.combinations, blocks.seed);
  const cscv = new Cscv(blocks.count, blocks.total, masks);
  const gridSize = input.grid === null ? 0 : input.grid.radix.reduce((a, b) => a * b, 1);
  const values = gridSize > 0 ? new Float64Array(gridSize).fill(NaN) : null;
  const ok = gridSize > 0 ? new Uint8Array(gridSize) : null;
  let count = 0;
  let defined = 0;
  // V from exactly rounded sums of SR and SR²: the same bits in whatever order the points come.
  const sumSr = new ExactSum();
  const sumSr2 = new ExactSum();
  const each = (row: PointRow): void => {
    const sums = row.sums;
    count++;
    let s1 = 0;
    let s2 = 0;
    for (let j = 0; j < width; j += 2) {
      s1 += sums[j];
      s2 += sums[j + 1];
    }
    const sr = sharpeOfSums(blocks.total, s1, s2);
    if (sr === sr) {
      defined++;
      sumSr.add(sr);
      sumSr2.add(sr * sr);
    }
    if (values !== null && row.trial < gridSize) {
      values[row.trial] = row.objective ?? NaN;
      ok![row.trial] = row.eligible ? 1 : 0;
    }
  };
  if (first !== null) {
    cscv.merge(first.partial, first.points);
    for (const row of rows()) {
      if (row.sums.length !== width) continue;
      each(row);
      cscv.rank(row.sums);
    }
  } else {
    const kept: Float64Array[] | null = trials * width * 8 <= KEEP_BYTES ? [] : null;
    for (const row of rows()) {
      if (row.sums.length !== width) continue;
      kept?.push(row.sums);
      each(row);
      cscv.best(row.trial, row.sums);
    }
    if (kept !== null && kept.length === count) for (const sums of kept) cscv.rank(sums);
    else if (count > 0) for (const row of rows()) if (row.sums.length === width) cscv.rank(row.sums);
  }
  const of = choose(blocks.count, blocks.count / 2);
  return {
    trials: count,
    defined,
    sharpeVariance: defined >= 2 ? varianceOf(sumSr.value(), sumSr2.value(), defined) : null,
    pbo: count >= 2 ? cscv.finish(of) : null,
    plateau:
      input.grid !== null && values !== null && count > 0
        ? plateauOf(input.grid.radix, input.grid.numeric, input.grid.names, values, ok!, input.direction, input.best)
        : null,
  };
}
