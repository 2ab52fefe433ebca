import type { Config } from '../config/schema.js';
import type { ValidatedPhase } from '../config/validate.js';
import { inferPeriodsPerYear } from '../data/load.js';
import type { MarketData } from '../data/series.js';
import type { Executor } from '../executor/executor.js';
import type { BarWindow } from '../types.js';
import { kFolds, type KFoldSpec } from './folds.js';
import { runKFold } from './k-fold.js';
import { runCpcv } from './cpcv.js';
import { cpcvLayout, type CpcvSpec } from './cpcv-splits.js';
import { runMonteCarlo, type MonteCarloSpec } from './monte-carlo.js';
import type { PhaseRun } from './phase-run.js';
import { runSearch, type SearchOptions } from './run-search.js';
import { runTrainTest, trainTestSplit } from './train-test.js';
import { runWalkForward } from './walk-forward.js';
import { walkForwardWindows, type WalkForwardSpec } from './windows.js';

export type { PhaseRun, WindowResult } from './phase-run.js';
export { isoDay, windowResult } from './phase-run.js';
export { trainTestSplit } from './train-test.js';

export const SEQUENCES = [
  { name: 'single_pass', description: 'every parameter set over the whole data' },
  {
    name: 'monte_carlo',
    description: 'search the whole data, then resample the best set: block bootstrap of its bar returns and bootstrap of its trades, seeded; percentile bands',
  },
  {
    name: 'walk_forward',
    description:
      'rolling or anchored train/test windows (bars or durations, optional gap): search each train window, run its best on the test window, stitch the out-of-sample equity',
  },
  {
    name: 'k_fold',
    description: 'contiguous folds, each the test part once; train on the rest minus purge/embargo bars beside it; test metrics aggregated over folds',
  },
  {
    name: 'cpcv',
    description:
      'combinatorial purged cross-validation: contiguous groups, every choice of test groups one split (purge/embargo as k_fold); each split searched on its train segments, its best run on its test groups, reassembled into complete backtest paths whose metrics are reported as a distribution',
  },
  { name: 'train_test', description: 'search on a train window, run the best set on the test window after it (split by ratio, bar count or date)' },
];

type SequenceConfig = Config['sequence'];

export function sequenceName(s: SequenceConfig): string {
  return typeof s === 'string' ? s : s.type;
}

/**
 * The windows a phase's sequence searches its parameter space on, in the order it searches them:
 * the whole data (single_pass, monte_carlo), the train window (train_test), every window's train
 * range (walk_forward), every fold's train segments (k_fold). Test runs are single backtests of a
 * chosen set, not searches. What signal_generation must store for a signal_replay with this sequence.
 */
export function searchedWindows(phase: ValidatedPhase, data: MarketData): BarWindow[] {
  const n = data.time.length;
  const name = sequenceName(phase.config.sequence);
  const periodsPerYear = (): number => phase.config.periods_per_year ?? inferPeriodsPerYear(data.time);
  if (name === 'walk_forward')
    return walkForwardWindows(n, phase.config.sequence as WalkForwardSpec, periodsPerYear()).map((w) => ({ start: w.train[0], end: w.train[1] }));
  if (name === 'k_fold') return kFolds(n, phase.config.sequence as KFoldSpec, periodsPerYear()).flatMap((f) => f.train);
  if (name === 'cpcv') return cpcvLayout(n, phase.config.sequence as CpcvSpec, periodsPerYear()).splits.flatMap((s) => s.train);
  if (name === 'train_test') return [{ start: 0, end: trainTestSplit(phase.config.sequence, data.time) }];
  return [{ start: 0, end: n }];
}

/** Runs a phase's sequence: the search over its windows, and the out-of-sample runs. */
export async function runSequence(phase: ValidatedPhase, data: MarketData, executor: Executor, options: SearchOptions): Promise<PhaseRun> {
  const name = sequenceName(phase.config.sequence);
  if (name === 'walk_forward') return runWalkForward(phase, data, executor, options, phase.config.sequence as WalkForwardSpec);
  if (name === 'k_fold') return runKFold(phase, data, executor, options, phase.config.sequence as KFoldSpec);
  if (name === 'cpcv') return runCpcv(phase, data, executor, options, phase.config.sequence as CpcvSpec);
  if (name === 'monte_carlo') return runMonteCarlo(phase, data, executor, options, phase.config.sequence as MonteCarloSpec);
  if (name === 'train_test') return runTrainTest(phase, data, executor, options);
  return { sequence: name, ...(await runSearch(phase, data, { start: 0, end: data.time.length }, executor, options)) };
}
