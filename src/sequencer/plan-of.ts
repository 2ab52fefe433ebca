import { blockPlanOf, type SearchPlan } from '../batch/plan.js';
import type { Config } from '../config/schema.js';
import type { ValidatedPhase } from '../config/validate.js';
import type { Objective } from '../reduce/leaderboard.js';
import { Grid } from '../search/space.js';
import type { BarWindow, MetricName } from '../types.js';
import { robustnessSettings } from './robustness.js';
import type { SearchOptions } from './search.js';

/** The objective of a phase's config (sharpe, maximised, when `search` is absent). */
export function objectiveOf(config: Config): Objective {
  const s = config.search;
  // validatePhase has checked the name against the metric table.
  const first = s?.objectives?.[0];
  return { metric: (first?.metric ?? s?.objective ?? 'sharpe') as MetricName, direction: first?.direction ?? s?.direction ?? 'max', minTrades: s?.min_trades, maxDrawdown: s?.max_drawdown };
}

/** Batch sizing: aim for tasks of about this long, within these bounds (points per batch). */
const TARGET_TASK_MS = 200;
const MIN_BATCH = 4;
export const MAX_BATCH = 4096;
const FIRST_BATCH = 16;

/**
 * Measures what a point costs per bar streamed (a point on a window streams the bars up to the
 * window's end: the bars before it warm the strategies) and sizes batches to last about 200 ms,
 * smaller towards the end of a search so the last tasks do not leave workers idle.
 */
export class BatchSizer {
  private msPerPointBar = NaN;

  observe(points: number, barsPerPoint: number, ms: number): void {
    if (points <= 0 || !(ms > 0)) return;
    const m = ms / (points * barsPerPoint);
    this.msPerPointBar = this.msPerPointBar !== this.msPerPointBar ? m : 0.5 * this.msPerPointBar + 0.5 * m;
  }

  size(barsPerPoint: number, remaining: number | null, concurrency: number, max: number): number {
    const target = this.msPerPointBar !== this.msPerPointBar ? FIRST_BATCH : Math.round(TARGET_TASK_MS / (this.msPerPointBar * barsPerPoint));
    const tail = remaining === null ? Infinity : Math.ceil(remaining / (2 * concurrency));
    // The caller's maximum wins over the minimum (tests force tiny batches).
    return Math.min(max, Math.max(MIN_BATCH, Math.min(target, tail)));
  }
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
export function planOf(phase: ValidatedPhase, dataHash: string, windows: readonly BarWindow[], combine: boolean, options: SearchOptions, periodsPerYear: number | null = phase.config.periods_per_year ?? null): SearchPlan {
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

