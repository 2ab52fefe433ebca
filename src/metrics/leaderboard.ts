import type { MetricName } from '../types.js';
import type { MetricsJson } from '../contract.js';

export interface Objective {
  readonly metric: MetricName;
  readonly direction: 'max' | 'min';
  /** Result constraints: trials outside them cannot be best. */
  readonly minTrades?: number;
  readonly maxDrawdown?: number;
}

export interface Ranked<T> {
  readonly trial: number;
  readonly value: number;
  readonly item: T;
}

/** Whether a trial's metrics can compete: objective defined and within the result constraints. */
export function eligible(metrics: MetricsJson, objective: Objective): boolean {
  const v = metrics[objective.metric];
  if (v === null) return false;
  if (objective.minTrades !== undefined && metrics.trades !== null && metrics.trades < objective.minTrades) return false;
  if (objective.maxDrawdown !== undefined && metrics.max_drawdown !== null && metrics.max_drawdown > objective.maxDrawdown) return false;
  return true;
}

/**
 * The top k trials by the objective, kept in a bounded sorted array. Ties go to the lower trial
 * number (grid order), so the ranking never depends on the order in which results arrive.
 */
export class Leaderboard<T> {
  private readonly entries: Ranked<T>[] = [];

  constructor(
    readonly objective: Objective,
    readonly k: number,
  ) {}

  private better(a: Ranked<T>, b: Ranked<T>): boolean {
    if (a.value !== b.value) return this.objective.direction === 'max' ? a.value > b.value : a.value < b.value;
    return a.trial < b.trial;
  }

  offer(trial: number, metrics: MetricsJson, item: T): void {
    if (!eligible(metrics, this.objective)) return;
    const entry = { trial, value: metrics[this.objective.metric] as number, item };
    const list = this.entries;
    if (list.length === this.k && !this.better(entry, list[list.length - 1])) return;
    let i = list.length;
    while (i > 0 && this.better(entry, list[i - 1])) i--;
    list.splice(i, 0, entry);
    if (list.length > this.k) list.pop();
  }

  get best(): Ranked<T> | null {
    return this.entries[0] ?? null;
  }

  get ranked(): readonly Ranked<T>[] {
    return this.entries;
  }
}
