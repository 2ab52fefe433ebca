import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { EquityCurve } from '../engine/components/portfolio-manager.js';
import type { Trade } from '../types.js';
import { MetricsAccumulator } from '../metrics/accumulator.js';
import type { PlanRef } from '../batch/plan.js';
import type { TestReply } from '../batch/work.js';
import type { ValidatedPhase } from '../config/validate.js';
import { inferPeriodsPerYear } from '../data/load.js';
import type { MarketData } from '../data/series.js';
import type { Executor } from '../executor/executor.js';
import { lowerBound } from '../common/sorted.js';
import { trialSet } from '../search/template.js';
import type { Bands, MonteCarloSummary, PhaseRun } from './phase-result.js';
import { percentile } from '../metrics/percentile.js';
import { runSearch, type SearchOptions } from './run-search.js';

export type { Bands, MonteCarloSummary };
export { percentile };

export interface MonteCarloSpec {
  readonly paths: number;
  readonly seed: number;
  /** Bars per block of the block bootstrap. */
  readonly block: number;
  readonly percentiles: readonly number[];
}

function bands(values: number[], percentiles: readonly number[]): Bands {
  const finite = Float64Array.from(values.filter((v) => Number.isFinite(v))).sort();
  const out: Bands = {};
  for (const p of percentiles) out[`p${p}`] = finite.length === 0 ? null : percentile(finite, p);
  return out;
}

/**
 * Seeded resampling of one run (DESIGN.md: monte_carlo). Bars: a circular block bootstrap of the
 * bar returns r_t = E_t/E_{t−1} − 1 — `paths` paths of the same length, each built from blocks of
 * `block` consecutive returns starting at uniformly drawn bars — replayed from the capital.
 * Trades: each closed trade's return is its net pnl over the equity at the close of the bar before
 * its entry (when the decision to enter was taken);
 * a path draws as many trades with replacement and compounds them from the capital.
 */
export function monteCarlo(
  curve: EquityCurve,
  trades: readonly Trade[],
  entryEquity: readonly number[],
  capital: number,
  periodsPerYear: number,
  spec: MonteCarloSpec,
): MonteCarloSummary {
  const rng = xoroshiro128plus(spec.seed);
  const equity = curve.equity;
  const n = equity.length - 1;
  const returns = new Float64Array(Math.max(n, 0));
  for (let t = 1; t <= n; t++) returns[t - 1] = equity[t] / equity[t - 1] - 1;
  const final: number[] = [];
  const drawdown: number[] = [];
  const sharpe: number[] = [];
  for (let path = 0; path < spec.paths; path++) {
    const acc = new MetricsAccumulator(capital);
    let e = capital;
    acc.onBar(e, false);
    for (let t = 0; t < n;) {
      const start = uniformInt(rng, 0, n - 1);
      for (let j = 0; j < spec.block && t < n; j++, t++) {
        e *= 1 + returns[(start + j) % n];
        acc.onBar(e, false);
      }
    }
    const m = acc.finish(periodsPerYear);
    final.push(m.final_equity);
    drawdown.push(m.max_drawdown);
    if (m.sharpe !== null) sharpe.push(m.sharpe);
  }
  let tradeBands: MonteCarloSummary['trades'] = null;
  if (trades.length > 0) {
    const tradeReturns = trades.map((t, i) => t.pnl / entryEquity[i]);
    const tf: number[] = [];
    const td: number[] = [];
    for (let path = 0; path < spec.paths; path++) {
      let e = capital;
      let peak = capital;
      let dd = 0;
      for (let i = 0; i < trades.length; i++) {
        e *= 1 + tradeReturns[uniformInt(rng, 0, trades.length - 1)];
        if (e > peak) peak = e;
        dd = Math.max(dd, 1 - e / peak);
      }
      tf.push(e);
      td.push(dd);
    }
    tradeBands = { final_equity: bands(tf, spec.percentiles), max_drawdown: bands(td, spec.percentiles) };
  }
  return {
    paths: spec.paths,
    seed: spec.seed,
    block: spec.block,
    bars: { final_equity: bands(final, spec.percentiles), max_drawdown: bands(drawdown, spec.percentiles), sharpe: bands(sharpe, spec.percentiles) },
    trades: tradeBands,
  };
}

/**
 * The monte_carlo sequence: searches all bars, then resamples the best set — a block bootstrap of
 * its bar returns and a bootstrap of its trades (seeded from the config). The best set's base run
 * (its curve and trades) goes to the executor like a test run.
 */
export async function runMonteCarlo(
  phase: ValidatedPhase,
  data: MarketData,
  executor: Executor,
  options: SearchOptions,
  spec: MonteCarloSpec,
): Promise<PhaseRun> {
  const n = data.time.length;
  const outcome = await runSearch(phase, data, { start: 0, end: n }, executor, options);
  const best = outcome.leaderboard.best?.item ?? null;
  if (best === null || outcome.interrupted) return { sequence: 'monte_carlo', ...outcome };
  const periodsPerYear = phase.config.periods_per_year ?? inferPeriodsPerYear(data.time);
  const capital = trialSet(phase, best.trial).capital;
  // The resamples are drawn from this run's curve and trades: its trace is the one topology run to keep.
  const r = await baseRun(outcome.plan, data, executor, options, best.trial, n);
  const trades = r.trades ?? [];
  const entryEquity = trades.map((t) => {
    const entry = lowerBound(data.time, Date.parse(t.entry_time));
    return entry > 0 ? r.curve!.equity[entry - 1] : capital;
  });
  return { sequence: 'monte_carlo', ...outcome, monteCarlo: monteCarlo(r.curve!, trades, entryEquity, capital, periodsPerYear, spec) };
}

async function baseRun(plan: PlanRef, data: MarketData, executor: Executor, options: SearchOptions, trial: number, n: number): Promise<TestReply> {
  const release = options.dispatcher ? await options.dispatcher.acquire(options.priority ?? 0) : () => {};
  try {
    return await executor.test({ plan, data, trial, window: { start: 0, end: n }, recordCurve: true, trades: true, traceSegment: `0-${n}_monte_carlo` });
  } finally {
    release();
  }
}
