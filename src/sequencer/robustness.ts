import type { PlanRef, SearchPlan } from '../batch/plan.js';
import type { TestReply } from '../batch/work.js';
import type { MarketData } from '../data/series.js';
import type { Config } from '../config/schema.js';
import { robustnessDefaults } from '../config/schema.js';
import type { Executor } from '../executor/executor.js';
import type { Leaderboard } from '../metrics/leaderboard.js';
import type { Results } from '../results/thread.js';
import { benchmarkReturns, concatenated, curveReturns } from '../robustness/benchmark.js';
import type { Robustness } from '../robustness/figures.js';
import type { TrialResult } from '../types.js';
import type { Dispatcher } from './dispatch.js';

export type { Robustness };

export type RobustnessSettings = Exclude<NonNullable<Config['search']>['robustness'], false>;

/** A phase's robustness settings (on by default, `search.robustness: false` turns them off). */
export function robustnessSettings(config: Config): RobustnessSettings | null {
  const r = config.search === undefined ? robustnessDefaults : config.search.robustness;
  return r === false ? null : r;
}

/**
 * A search's robustness figures once its rows are stored. The results thread makes its passes over
 * the stored points (N, V, PBO, plateau) while the executor re-runs the top-k sets with their equity
 * curves (a test task per set and window, untraced, stored nowhere); the results thread then runs
 * SPA over their returns. This thread only gathers: its work per search does not grow with the sets.
 */
export async function searchRobustness(
  ref: PlanRef,
  plan: SearchPlan,
  data: MarketData,
  settings: RobustnessSettings,
  results: Results,
  leaderboard: Leaderboard<TrialResult>,
  executor: Executor,
  dispatcher: Dispatcher,
  priority: number,
): Promise<Robustness | null> {
  const ranked = leaderboard.ranked;
  const stored = results.stats(ref, ranked[0]?.item.trial ?? null);
  const curveOf = async (trial: number, wi: number): Promise<TestReply> => {
    const release = await dispatcher.acquire(priority);
    try {
      return await executor.test({ plan: ref, data, trial, window: plan.windows[wi], recordCurve: true, trades: false, traceSegment: null });
    } finally {
      release();
    }
  };
  const replies = await Promise.all(ranked.map((r) => Promise.all(plan.windows.map((_, wi) => curveOf(r.item.trial, wi)))));
  const top = ranked.map((r, i) => ({ trial: r.item.trial, returns: concatenated(replies[i].map((reply) => curveReturns(reply.curve!.equity))) }));
  const spa = settings.spa === false ? null : settings.spa;
  const spaJson = spa === null ? null : await results.spa(top, benchmarkReturns(data, plan.windows, spa.benchmark), spa, plan.topK);
  const stats = await stored;
  // Loaded when first needed: Φ and Φ⁻¹ (stdlib, 148 small modules) cost a run without robustness nothing.
  const { robustnessOf } = await import('../robustness/figures.js');
  return stats === null ? null : robustnessOf(stats, top, spaJson);
}
