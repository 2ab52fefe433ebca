import { UserError } from '../errors.js';
import type { BarWindow } from '../types.js';
import { barsOf } from './windows.js';

/**
 * Combinatorial purged cross-validation (López de Prado, Advances in Financial Machine Learning,
 * ch. 12): the bars cut into `groups` contiguous groups, group j = [⌊j·n/g⌋, ⌊(j+1)·n/g⌋); every
 * choice of `test_groups` of them (lexicographic order) is one split. A split's train part is every
 * other bar, minus `purge` bars just before each test group and `embargo` bars just after it (as in
 * k_fold), cut into its contiguous segments; each segment is backtested on its own.
 */
export interface CpcvSpec {
  readonly groups: number;
  readonly test_groups: number;
  readonly purge?: number | string;
  readonly embargo?: number | string;
}

export interface CpcvSplit {
  /** The test groups (indices, ascending). */
  readonly test: readonly number[];
  readonly train: readonly BarWindow[];
}

export interface CpcvLayout {
  readonly groupBounds: readonly BarWindow[];
  readonly splits: readonly CpcvSplit[];
  /**
   * paths[p][j]: the split whose test run on group j path p takes. Group j is a test group of
   * C(g−1, t−1) splits; path p takes the p-th of them (in split order) for every group.
   */
  readonly paths: readonly (readonly number[])[];
}

function combinations(n: number, k: number): number[][] {
  const out: number[][] = [];
  const pick = Array.from({ length: k }, (_, i) => i);
  for (;;) {
    out.push([...pick]);
    let i = k - 1;
    while (i >= 0 && pick[i] === n - k + i) i--;
    if (i < 0) return out;
    pick[i]++;
    for (let j = i + 1; j < k; j++) pick[j] = pick[j - 1] + 1;
  }
}

export function cpcvLayout(bars: number, spec: CpcvSpec, periodsPerYear: number): CpcvLayout {
  const g = spec.groups;
  const t = spec.test_groups;
  if (!Number.isInteger(g) || g < 2) throw new UserError(`sequence.groups: expected at least 2 groups, got ${g}`);
  if (!Number.isInteger(t) || t < 1 || t >= g) throw new UserError(`sequence.test_groups: expected 1 to ${g - 1} (fewer than the ${g} groups), got ${t}`);
  if (bars < g) throw new UserError(`sequence: ${bars} bars cannot be cut into ${g} groups`);
  const purge = spec.purge === undefined ? 0 : barsOf(spec.purge, periodsPerYear, 'purge');
  const embargo = spec.embargo === undefined ? 0 : barsOf(spec.embargo, periodsPerYear, 'embargo');
  const groupBounds = Array.from({ length: g }, (_, j) => ({ start: Math.floor((j * bars) / g), end: Math.floor(((j + 1) * bars) / g) }));
  const splits = combinations(g, t).map((test, si) => {
    const isTrain = new Uint8Array(bars).fill(1);
    for (const j of test) {
      const { start, end } = groupBounds[j];
      for (let i = Math.max(0, start - purge); i < Math.min(bars, end + embargo); i++) isTrain[i] = 0;
    }
    const train: BarWindow[] = [];
    for (let i = 0; i < bars;) {
      if (isTrain[i] === 0) {
        i++;
        continue;
      }
      const start = i;
      while (i < bars && isTrain[i] === 1) i++;
      // A segment needs two bars for one return.
      if (i - start >= 2) train.push({ start, end: i });
    }
    if (train.length === 0)
      throw new UserError(
        `sequence: split ${si + 1} (test groups ${test.map((j) => j + 1).join(', ')}) has no train bars left after purge (${purge}) and embargo (${embargo})`,
      );
    return { test, train };
  });
  const perGroup = groupBounds.map((_, j) => splits.flatMap((s, si) => (s.test.includes(j) ? [si] : [])));
  const pathCount = perGroup[0].length;
  const paths = Array.from({ length: pathCount }, (_, p) => perGroup.map((list) => list[p]));
  return { groupBounds, splits, paths };
}
