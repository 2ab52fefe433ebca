import { encodePlan, type SearchPlan } from '../batch/plan.js';
import { runTest, type TestReply } from '../batch/work.js';
import { inferPeriodsPerYear } from '../data/load.js';
import type { MarketData } from '../data/series.js';
import { objectiveOf } from '../sequencer/plan-of.js';
import type { BarWindow } from '../types.js';
import type { StageRecord } from '../report/run-record.js';

/**
 * Runs one stored trial again on its window, in this thread, through what a worker runs for one
 * chosen set (batch/work.ts `runTest`): the set is rebuilt from the stage's template by its grid
 * index, its trial key computed from it and the data's hash, and the backtest run with trades and
 * the equity curve kept. The periods per year are the run's (the config's, else inferred from the
 * whole data). Not traced, and a signal_replay stage runs the full backtest, which gives the
 * replay's results bit for bit (README, Signal generation and replay).
 */
export function recomputeTrial(stage: StageRecord, data: MarketData, window: BarWindow, trial: number): TestReply {
  const config = stage.template.config;
  const plan: SearchPlan = {
    label: stage.label,
    template: stage.template,
    windows: [window],
    combine: false,
    dataHash: data.hash,
    periodsPerYear: config.periods_per_year ?? inferPeriodsPerYear(data.time),
    storeTrades: true,
    tradesIn: 'rows',
    objective: objectiveOf(config),
    topK: 1,
    replay: null,
    trace: null,
    blocks: null,
    report: null,
  };
  return runTest({ plan: encodePlan(plan, false), data, trial, window, recordCurve: true, trades: true, traceSegment: null });
}
