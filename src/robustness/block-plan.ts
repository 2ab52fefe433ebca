import type { BarWindow } from '../types.js';
import { combinationCount } from './budget.js';

/**
 * How the returns of a plan's windows are cut into blocks: `count` blocks over the `total` returns
 * of the windows concatenated in order (a window of b bars has b − 1 returns); window w's returns
 * start at `offsets[w]`.
 */
export interface BlockPlan {
  readonly count: number;
  readonly total: number;
  readonly offsets: readonly number[];
  /** CSCV combinations to evaluate (robustness/budget.ts) and the seed of their sample. */
  readonly combinations: number;
  readonly seed: number;
  /** Names the blocking (windows and block count): the stored points of a search are found by it. */
  readonly signature: string;
}

export function blockPlanOf(count: number, windows: readonly BarWindow[], cap: number | null, seed: number, plannedPoints: number): BlockPlan {
  const combinations = combinationCount(count, plannedPoints, cap);
  const offsets: number[] = [];
  let total = 0;
  for (const w of windows) {
    offsets.push(total);
    total += Math.max(0, w.end - w.start - 1);
  }
  return { count, total, offsets, combinations, seed, signature: `${count}:${windows.map((w) => `${w.start}-${w.end}`).join(',')}` };
}
