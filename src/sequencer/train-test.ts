import type { Config } from '../config/schema.js';
import type { ValidatedPhase } from '../config/validate.js';
import type { MarketData } from '../data/series.js';
import { UserError } from '../errors.js';
import type { Executor } from '../executor/executor.js';
import type { MetricsJson } from '../contract.js';
import type { BarWindow } from '../types.js';
import { testRun, windowResult, type PhaseRun } from './phase-run.js';
import { runSearch, type SearchOptions } from './run-search.js';

type SequenceConfig = Config['sequence'];

/** First bar of the test window of a train_test sequence (DESIGN: windows counted in bars). */
export function trainTestSplit(s: SequenceConfig, time: Float64Array): number {
  const n = time.length;
  const spec = typeof s === 'string' ? { type: s } : s;
  let split: number;
  if ('train_bars' in spec && spec.train_bars !== undefined) split = spec.train_bars;
  else if ('train_end' in spec && spec.train_end !== undefined) {
    const t = Date.parse(spec.train_end.length === 10 ? `${spec.train_end}T00:00:00Z` : spec.train_end);
    if (Number.isNaN(t)) throw new UserError(`sequence.train_end: cannot read '${spec.train_end}' as a date`);
    split = time.findIndex((x) => x >= t);
    if (split < 0) split = n;
  } else {
    // 5550 × 0.7 is 3884.9999999999995 in binary: a share of the bars is rounded to the nearest
    // millionth of a bar before flooring, so 70% of 5,550 is 3,885.
    const share = 'split' in spec && spec.split !== undefined ? spec.split : 0.7;
    split = Math.floor(Math.round(n * share * 1e6) / 1e6);
  }
  if (split < 1 || split >= n) throw new UserError(`sequence: the train window would hold ${split} of ${n} bars; both windows need at least one bar`);
  return split;
}

/** Searches the train window, then runs the best set on the test window after it. */
export async function runTrainTest(phase: ValidatedPhase, data: MarketData, executor: Executor, options: SearchOptions): Promise<PhaseRun> {
  const n = data.time.length;
  const split = trainTestSplit(phase.config.sequence, data.time);
  const train: BarWindow = { start: 0, end: split };
  const test: BarWindow = { start: split, end: n };
  const outcome = await runSearch(phase, data, train, executor, options);
  const best = outcome.leaderboard.best?.item ?? null;
  let testMetrics: MetricsJson | null = null;
  if (best !== null && !outcome.interrupted)
    testMetrics = (await testRun(outcome.plan, data, executor, options, best, test, { recordCurve: false, trades: false })).metrics;
  return { sequence: 'train_test', ...outcome, windows: [windowResult(data, train, test, best, testMetrics, outcome.robustness, outcome.search)] };
}
