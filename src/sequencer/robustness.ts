import type { PlanRef, SearchPlan } from '../batch/plan.js';
import type { MarketData } from '../data/series.js';
import type { Config } from '../config/schema.js';
import { robustnessDefaults } from '../config/schema.js';
import type { Leaderboard } from '../reduce/leaderboard.js';
import type { Results } from '../results/thread.js';
import { benchmarkReturns, concatenated, curveReturns } from '../robustness/benchmark.js';
import { robustnessOf, spaOf, type Robustness } from '../robustness/figures.js';
import { trialSet } from '../search/template.js';
import { runBatch } from '../topology/run.js';
import type { TrialResult } from '../types.js';

export type { Robustness };

export type RobustnessSettings = Exclude<NonNullable<Config['search']>['robustness'], false>;

/** A phase's robustness settings (on by default, `search.robustness: false` turns them off). */
export function robustnessSettings(config: Config): RobustnessSettings | null {
  const r = config.search === undefined ? robustnessDefaults : config.search.robustness;
  return r === false ? null : r;
}

/**
 * A search's robustness figures once its rows are stored: N, V, PBO and the plateau from the store
 * (in the results thread), then PSR, DSR and SPA from the bar returns of its top-k sets, which are
 * run again here with their equity curves (top_k sets, one pass over the bars per plan window).
 */
export async function searchRobustness(ref: PlanRef, plan: SearchPlan, data: MarketData, settings: RobustnessSettings, results: Results, leaderboard: Leaderboard<TrialResult>): Promise<Robustness | null> {
  const ranked = leaderboard.ranked;
  // The store's passes run in the results thread while this thread runs the top sets and SPA.
  const stored = results.stats(ref, ranked[0]?.item.trial ?? null);
  const sets = ranked.map((r) => trialSet(plan.template, r.item.trial));
  const perWindow =
    sets.length === 0
      ? []
      : plan.windows.map((window) => runBatch(data, sets, { window, periodsPerYear: plan.periodsPerYear ?? undefined, recordCurves: true, replay: plan.replay ?? undefined }));
  const top = ranked.map((r, i) => ({ trial: r.item.trial, returns: concatenated(perWindow.map((results) => curveReturns(results[i].curve!.equity))) }));
  const spa = settings.spa === false ? null : settings.spa;
  const benchmark = spa === null ? new Float64Array(0) : benchmarkReturns(data, plan.windows, spa.benchmark);
  const spaJson = spaOf(top, benchmark, spa, plan.topK);
  const stats = await stored;
  return stats === null ? null : robustnessOf(stats, top, spaJson);
}
