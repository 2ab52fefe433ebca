import { UserError } from '../errors.js';
import type { BarWindow } from '../types.js';
import { barsOf } from './windows.js';

/**
 * k_fold: the bars cut into k contiguous folds, fold j = [⌊j·n/k⌋, ⌊(j+1)·n/k⌋). Fold i is the test
 * part once; its train part is what lies before it minus `purge` bars next to it, and what lies
 * after it minus `embargo` bars next to it (serially correlated bars on either side of the test
 * fold would leak it into training). Each train segment is backtested on its own with the full
 * capital, features warming on every earlier bar; `combineSegments` says how their metrics combine.
 */
export interface KFoldSpec {
  readonly folds: number;
  readonly purge?: number | string;
  readonly embargo?: number | string;
}

export interface Fold {
  readonly test: BarWindow;
  /** One or two contiguous train segments, in time order. */
  readonly train: readonly BarWindow[];
}

export function kFolds(bars: number, spec: KFoldSpec, periodsPerYear: number): Fold[] {
  const k = spec.folds;
  const purge = spec.purge === undefined ? 0 : barsOf(spec.purge, periodsPerYear, 'purge');
  const embargo = spec.embargo === undefined ? 0 : barsOf(spec.embargo, periodsPerYear, 'embargo');
  if (!Number.isInteger(k) || k < 2) throw new UserError(`sequence.folds: expected at least 2 folds, got ${k}`);
  if (bars < k) throw new UserError(`sequence: ${bars} bars cannot be cut into ${k} folds`);
  const folds: Fold[] = [];
  for (let i = 0; i < k; i++) {
    const test = { start: Math.floor((i * bars) / k), end: Math.floor(((i + 1) * bars) / k) };
    const train: BarWindow[] = [];
    if (test.start - purge > 0) train.push({ start: 0, end: test.start - purge });
    if (test.end + embargo < bars) train.push({ start: test.end + embargo, end: bars });
    if (train.length === 0) throw new UserError(`sequence: fold ${i + 1} of ${k} has no train bars left after purge (${purge}) and embargo (${embargo})`);
    folds.push({ test, train });
  }
  return folds;
}

export { combineSegments } from '../metrics/combine.js';
