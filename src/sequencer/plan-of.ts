import type { SearchPlan } from '../batch/plan.js';
import { blockPlanOf } from '../robustness/block-plan.js';
import type { Config } from '../config/schema.js';
import type { ValidatedPhase } from '../config/validate.js';
import type { Objective } from '../metrics/leaderboard.js';
import { Grid } from '../space/space.js';
import type { BarWindow, MetricName } from '../types.js';
import { robustnessSettings } from './robustness.js';
import type { SearchOptions } from './search-options.js';
import { BatchSizer, MAX_BATCH } from './batch-sizer.js';

export { BatchSizer, MAX_BATCH };

/** The objective of a phase's config (sharpe, maximised, when `search` is absent). */
export function objectiveOf(config: Config): Objective {
  const s = config.search;
  // validatePhase has checked the name against the metric table.
  const first = s?.objectives?.[0];
  return {
    metric: (first?.metric ?? s?.objective ?? 'sharpe') as MetricName,
    direction: first?.direction ?? s?.direction ?? 'max',
    minTrades: s?.min_trades,
    maxDrawdown: s?.max_drawdown,
  };
}

/** The points a search plans to evaluate before its constraints: the grid's size, or a random search's draws. */
export function plannedPoints(phase: ValidatedPhase): number {
  const size = new Grid(phase.dimensions).size;
  const search = phase.config.search;
  if (search === undefined || search.method === 'grid') return size;
  return Math.min(search.trials ?? (search.method === 'random' ? size : DEFAULT_BUDGET), size);
}

/** The budget of a tpe, cmaes or nsga2 search without `trials`. */
export const DEFAULT_BUDGET = 100;

/** The plan of a search: the template, the windows, how results are kept and ranked. */
export function planOf(
  phase: ValidatedPhase,
  dataHash: string,
  windows: readonly BarWindow[],
  combine: boolean,
  options: SearchOptions,
  periodsPerYear: number | null = phase.config.periods_per_year ?? null,
): SearchPlan {
  const robustness = options.results === null ? null : robustnessSettings(phase.config);
  return {
    label: options.label,
    dataHash,
    template: { config: phase.config, dimensions: phase.dimensions },
    windows,
    combine,
    periodsPerYear,
    storeTrades: options.storeTrades,
    tradesIn: !options.storeTrades ? 'none' : options.tradesTopOnly ? (combine ? 'none' : 'top') : 'rows',
    objective: objectiveOf(phase.config),
    topK: options.topK,
    replay: options.replay ?? null,
    trace: options.trace ?? null,
    blocks: robustness === null ? null : blockPlanOf(robustness.blocks, windows, robustness.combinations ?? null, robustness.seed, plannedPoints(phase)),
    report: null,
  };
}
