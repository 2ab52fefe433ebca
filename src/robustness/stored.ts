import type { BlockPlan } from '../batch/plan.js';
import { eligible, type Objective } from '../reduce/leaderboard.js';
import type { MetricsJson } from '../results/contract.js';
import { combineSegments } from '../metrics/combine.js';
import { choose, chosenCombinations } from './combinations.js';
import { Cscv, type PboResult } from './pbo.js';
import { plateauOf, type PlateauResult } from './plateau.js';
import { sharpeOfSums } from './sharpe.js';

/** One stored row as the statistics read it (a trial's rows come together, in window order). */
export interface BlockRow {
  readonly trial: number;
  readonly blocks: Float64Array | null;
  /** The metrics the statistics read (all of them for a plan whose segments combine). */
  readonly metrics: Partial<MetricsJson>;
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

/**
 * trials × combinations the default budget allows: 2^24, about 0.15 s per pass here (9 ns a trial
 * on a combination), so the 24,079-set ORCL grid gets 696 of 12,870 combinations (PBO's sampling
 * error then at most √(0.25/696) ≈ 0.019) and a sweep of up to 1,303 sets gets all of them.
 */
export const EVALUATION_BUDGET = 2 ** 24;
/** Block sums kept in memory between the passes up to this many bytes (beyond, the second pass reads the store again). */
const KEEP_BYTES = 2 ** 26;
export const MIN_COMBINATIONS = 200;

/** How many combinations to evaluate: the config's cap, else all within the budget, else ⌊budget / trials⌋ (at least 200). */
export function combinationCount(blocks: number, trials: number, cap: number | null): number {
  const all = choose(blocks, blocks / 2);
  if (cap !== null) return Math.min(all, cap);
  if (trials * all <= EVALUATION_BUDGET) return all;
  return Math.min(all, Math.max(MIN_COMBINATIONS, Math.floor(EVALUATION_BUDGET / Math.max(1, trials))));
}

export interface StoredInput {
  readonly blocks: BlockPlan;
  /** Plan window lengths in bars (k_fold segments' metrics combine). */
  readonly windowBars: readonly number[];
  readonly combine: boolean;
  readonly capital: number;
  readonly objective: Objective;
  /** Grid spaces: each dimension's size, whether its values are all numbers, and its name. */
  readonly grid: { readonly radix: readonly number[]; readonly numeric: readonly boolean[]; readonly names: readonly string[] } | null;
  readonly best: number | null;
}

/**
 * Two streaming passes over a search's stored rows (`rows()` yields them afresh each time):
 * the first sums each trial's windows' block sums, keeps the whole-window Sharpe ratios' variance
 * (Welford, in grid order), each combination's in-sample best and the objective per grid point; the
 * second ranks the in-sample bests out of sample. Memory: the combinations' state and the grid's
 * objective values, not the trials' returns.
 */
export function storedStats(rows: () => Iterable<BlockRow>, trials: number, input: StoredInput): StoredStats {
  const { blocks } = input;
  const width = 2 * blocks.count;
  const masks = chosenCombinations(blocks.count, combinationCount(blocks.count, trials, blocks.combinations), blocks.seed);
  const cscv = new Cscv(blocks.count, blocks.total, masks);
  const gridSize = input.grid === null ? 0 : input.grid.radix.reduce((a, b) => a * b, 1);
  const values = gridSize > 0 ? new Float64Array(gridSize).fill(NaN) : null;
  const ok = gridSize > 0 ? new Uint8Array(gridSize) : null;
  let count = 0;
  let defined = 0;
  let mean = 0;
  let m2 = 0;
  const pass = (each: (trial: number, sums: Float64Array, metrics: Partial<MetricsJson>) => void): void => {
    let current = -1;
    let sums = new Float64Array(width);
    let parts: Partial<MetricsJson>[] = [];
    let complete = true;
    const finish = (): void => {
      if (current < 0 || !complete || parts.length !== input.windowBars.length) return;
      const metrics = input.combine ? combineSegments(parts.map((m, w) => ({ metrics: m as MetricsJson, bars: input.windowBars[w] })), input.capital) : parts[0];
      each(current, sums, metrics);
    };
    for (const row of rows()) {
      if (row.trial !== current) {
        finish();
        current = row.trial;
        sums = new Float64Array(width);
        parts = [];
        complete = true;
      }
      parts.push(row.metrics);
      if (row.blocks === null || row.blocks.length !== width) complete = false;
      else for (let j = 0; j < width; j++) sums[j] += row.blocks[j];
    }
    finish();
  };
  // The trials' sums for the second pass, when they fit (else it reads the store again).
  const kept: Float64Array[] | null = trials * width * 8 <= KEEP_BYTES ? [] : null;
  pass((trial, sums, metrics) => {
    kept?.push(sums);
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
      const d = sr - mean;
      mean += d / defined;
      m2 += d * (sr - mean);
    }
    cscv.best(trial, sums);
    if (values !== null && trial < gridSize) {
      const v = metrics[input.objective.metric] ?? null;
      values[trial] = v === null ? NaN : v;
      ok![trial] = eligible(metrics as MetricsJson, input.objective) ? 1 : 0;
    }
  });
  if (kept !== null && kept.length === count) for (const sums of kept) cscv.rank(sums);
  else if (count > 0) pass((_, sums) => cscv.rank(sums));
  const of = choose(blocks.count, blocks.count / 2);
  return {
    trials: count,
    defined,
    sharpeVariance: defined >= 2 ? m2 / (defined - 1) : null,
    pbo: count >= 2 ? cscv.finish(of) : null,
    plateau: input.grid !== null && values !== null && count > 0 ? plateauOf(input.grid.radix, input.grid.numeric, input.grid.names, values, ok!, input.objective.direction, input.best) : null,
  };
}
