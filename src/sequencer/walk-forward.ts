import type { ValidatedPhase } from '../config/validate.js';
import { inferPeriodsPerYear } from '../data/load.js';
import type { MarketData } from '../data/series.js';
import type { Executor } from '../executor/executor.js';
import { MetricsAccumulator } from '../metrics/accumulator.js';
import { Leaderboard } from '../reduce/leaderboard.js';
import { metricsJson, type MetricsJson } from '../results/contract.js';
import { trialKey } from '../search/trial-key.js';
import { runBacktest } from '../topology/run.js';
import { objectiveOf, searchWindows, trialSet, type FailedTrial, type SearchOptions, type TrialResult } from './search.js';
import { windowResult, type PhaseRun, type WindowResult } from './sequences.js';
import { aggregate, type Aggregate } from './aggregate.js';
import { walkForwardWindows, type WalkForwardSpec } from './windows.js';
import { traceWithin } from '../tracing/settings.js';

export interface ParamStability {
  /** The chosen value in each window (null where no set qualified). */
  readonly values: unknown[];
  readonly distinct: number;
  readonly mean?: number;
  readonly std?: number;
  readonly min?: number;
  readonly max?: number;
}

export interface WalkForwardSummary {
  /** Metrics of the stitched out-of-sample equity: each test window compounds on the previous one's end. */
  readonly oos_metrics: MetricsJson;
  /** Stitched out-of-sample equity at each test bar's close (from the first test bar). */
  readonly oos_equity: number[];
  /** Annualised out-of-sample return / mean annualised in-sample return of the chosen sets; null when undefined. */
  readonly efficiency: number | null;
  readonly stability: Record<string, ParamStability>;
  /** The windows' test metrics summarised (a window without a qualifying set is left out). */
  readonly aggregate: Aggregate;
}

/**
 * Walk-forward optimisation: for each window, search the train part, pick the best set by the
 * objective under the result constraints, run it on the test part (features warm on every bar
 * before it; it starts with the full capital). The test runs are single sets, run in this thread
 * with their equity curves recorded so the out-of-sample curve can be stitched.
 */
export async function runWalkForward(phase: ValidatedPhase, data: MarketData, executor: Executor, options: SearchOptions, spec: WalkForwardSpec): Promise<PhaseRun & { walkForward: WalkForwardSummary }> {
  const periodsPerYear = phase.config.periods_per_year ?? inferPeriodsPerYear(data.time);
  const windows = walkForwardWindows(data.time.length, spec, periodsPerYear);
  const capital = phase.config.capital;
  const results: TrialResult[] | null = options.keepAll ? [] : null;
  const failures: FailedTrial[] = [];
  let trials = 0;
  let last = new Leaderboard<TrialResult>(objectiveOf(phase.config), options.topK);
  const windowResults: WindowResult[] = [];
  const oos = new MetricsAccumulator(capital);
  const oosEquity: number[] = [];
  const inSampleCagr: number[] = [];
  let level = capital;
  let interrupted = false;

  const outcomes = await searchWindows(
    phase,
    data,
    windows.map((w) => ({ start: w.train[0], end: w.train[1] })),
    executor,
    options,
  );
  for (let wi = 0; wi < windows.length; wi++) {
    const w = windows[wi];
    const outcome = outcomes[wi];
    trials += outcome.trials;
    failures.push(...outcome.failures);
    results?.push(...(outcome.results ?? []));
    last = outcome.leaderboard;
    if (outcome.interrupted) {
      interrupted = true;
      break;
    }
    const best = outcome.leaderboard.best?.item ?? null;
    let testMetrics: MetricsJson | null = null;
    const test = { start: w.test[0], end: w.test[1] };
    if (best !== null) {
      const set = trialSet(phase, best.trial);
      const trace = traceWithin(options.trace, `${test.start}-${test.end}_test`, [best.trial]);
      const r = runBacktest(data, set, { window: test, periodsPerYear, storeTrades: true, recordCurves: true, trace });
      testMetrics = metricsJson(r.metrics);
      options.sink?.result({ trial: best.trial, params: best.params, metrics: testMetrics, ...(options.storeTrades && r.trades ? { trades: r.trades } : {}) }, trialKey(set, data.hash, test), test);
      options.sink?.batchDone();
      if (best.metrics.cagr !== null) inSampleCagr.push(best.metrics.cagr);
      const curve = r.curve!;
      const scale = level / capital;
      // Trades close inside the window, so their pnl scales with the level the window starts from.
      for (const t of r.trades ?? []) oos.onTrade(t.pnl * scale);
      for (let i = 0; i < curve.equity.length; i++) {
        const e = curve.equity[i] * scale;
        oos.onBar(e, curve.exposed[i] === 1);
        oosEquity.push(e);
      }
      level = curve.equity[curve.equity.length - 1] * scale;
    } else {
      // No set qualified: the out-of-sample account stays in cash through this window.
      for (let i = test.start; i < test.end; i++) {
        oos.onBar(level, false);
        oosEquity.push(level);
      }
    }
    windowResults.push(windowResult(data, { start: w.train[0], end: w.train[1] }, test, best, testMetrics));
  }
  const oosMetrics = metricsJson(oos.finish(periodsPerYear));
  const meanIs = inSampleCagr.length > 0 ? inSampleCagr.reduce((a, b) => a + b, 0) / inSampleCagr.length : null;
  const efficiency = meanIs !== null && meanIs > 0 && oosMetrics.cagr !== null ? oosMetrics.cagr / meanIs : null;
  return {
    sequence: 'walk_forward',
    results,
    trials,
    failures,
    leaderboard: last,
    windows: windowResults,
    interrupted,
    walkForward: { oos_metrics: oosMetrics, oos_equity: oosEquity, efficiency, stability: stabilityOf(windowResults), aggregate: aggregate(windowResults.map((w) => w.test_metrics)) },
  };
}

/** How the chosen parameters moved across windows. */
export function stabilityOf(windows: readonly Pick<WindowResult, 'best'>[]): Record<string, ParamStability> {
  const names = new Set<string>();
  for (const w of windows) for (const k of Object.keys(w.best?.params ?? {})) names.add(k);
  const out: Record<string, ParamStability> = {};
  for (const name of names) {
    const values = windows.map((w) => (w.best ? (w.best.params[name] ?? null) : null));
    const distinct = new Set(values.filter((v) => v !== null).map((v) => JSON.stringify(v))).size;
    const nums = values.filter((v): v is number => typeof v === 'number');
    if (nums.length > 0 && nums.length === values.filter((v) => v !== null).length) {
      const mean = nums.reduce((a, b) => a + b, 0) / nums.length;
      const std = Math.sqrt(nums.reduce((a, b) => a + (b - mean) ** 2, 0) / nums.length);
      out[name] = { values, distinct, mean, std, min: Math.min(...nums), max: Math.max(...nums) };
    } else {
      out[name] = { values, distinct };
    }
  }
  return out;
}
