import type { ValidatedPhase } from '../config/validate.js';
import { inferPeriodsPerYear } from '../data/load.js';
import type { MarketData } from '../data/series.js';
import type { BarWindow } from '../types.js';
import { cpcvLayout, type CpcvSpec } from './cpcv-splits.js';
import { kFolds, type KFoldSpec } from './folds.js';
import { sequenceName } from './sequences.js';
import { trainTestSplit } from './train-test.js';
import { walkForwardWindows, type WalkForwardSpec } from './windows.js';

/**
 * One window of a phase's sequence as results.db stores it: the train segments its search ran on
 * (each backtested on its own, metrics combined when there are several) and the test segments its
 * chosen set ran on.
 */
export interface WindowParts {
  readonly train: readonly BarWindow[];
  readonly test: readonly BarWindow[];
}

/**
 * A phase's windows in the order its summary and JSON list them: walk-forward and train_test
 * windows, k_fold folds, cpcv splits (test segments: its test groups); single_pass and monte_carlo
 * have one window, the whole data, and no test part.
 */
export function windowParts(phase: Pick<ValidatedPhase, 'config'>, data: MarketData): WindowParts[] {
  const n = data.time.length;
  const sequence = phase.config.sequence;
  const name = sequenceName(sequence);
  const periodsPerYear = (): number => phase.config.periods_per_year ?? inferPeriodsPerYear(data.time);
  if (name === 'walk_forward')
    return walkForwardWindows(n, sequence as WalkForwardSpec, periodsPerYear()).map((w) => ({
      train: [{ start: w.train[0], end: w.train[1] }],
      test: [{ start: w.test[0], end: w.test[1] }],
    }));
  if (name === 'k_fold') return kFolds(n, sequence as KFoldSpec, periodsPerYear()).map((f) => ({ train: f.train, test: [f.test] }));
  if (name === 'cpcv') {
    const layout = cpcvLayout(n, sequence as CpcvSpec, periodsPerYear());
    return layout.splits.map((s) => ({ train: s.train, test: s.test.map((g) => layout.groupBounds[g]) }));
  }
  if (name === 'train_test') {
    const split = trainTestSplit(sequence, data.time);
    return [{ train: [{ start: 0, end: split }], test: [{ start: split, end: n }] }];
  }
  return [{ train: [{ start: 0, end: n }], test: [] }];
}
