import { choose } from './combinations.js';

/**
 * trials × combinations the default budget allows: 2^23 (8,388,608), about 0.1 s per
 * pass here (10–25 ns a trial on a combination), so the 24,079-set ORCL grid gets 348 of 12,870
 * combinations (PBO's sampling error then at most √(0.25/348) ≈ 0.027) and a sweep of up to 651
 * sets gets all of them. With 2^24 the statistics cost the 24,079-set grid 1.22–1.34× its time.
 */
export const EVALUATION_BUDGET = 2 ** 23;
export const MIN_COMBINATIONS = 200;

/**
 * How many combinations to evaluate for a search of `trials` planned points (the grid's size, or a
 * random search's draws: known before it runs, so every worker and a resume use the same ones): the
 * config's cap, else all within the budget, else ⌊budget / trials⌋ (at least 200).
 */
export function combinationCount(blocks: number, trials: number, cap: number | null): number {
  const all = choose(blocks, blocks / 2);
  if (cap !== null) return Math.min(all, cap);
  if (trials * all <= EVALUATION_BUDGET) return all;
  return Math.min(all, Math.max(MIN_COMBINATIONS, Math.floor(EVALUATION_BUDGET / Math.max(1, trials))));
}
