import { combineSegments } from '../metrics/combine.js';
import { Leaderboard, type Objective } from '../metrics/leaderboard.js';
import type { BarWindow, MetricsJson } from '../types.js';
import type { StoredTrials } from './stored.js';

/**
 * The best trial of a search as the run chose it: the leaderboard's rule (eligible under the
 * result constraints, best objective, ties to the lower trial) over the stored rows of its train
 * segments; with several segments (k_fold, cpcv) over each trial's metrics combined as the workers
 * combine them (metrics/combine.ts, with the template's capital). Null when no trial is eligible.
 */
export function bestStored(stored: StoredTrials, label: string, segments: readonly BarWindow[], objective: Objective, capital: number): number | null {
  const board = new Leaderboard<number>(objective, 1);
  if (segments.length === 1) {
    for (const { trial, metrics } of stored.completed(label, segments[0])) board.offer(trial, metrics, trial);
    return board.best?.trial ?? null;
  }
  const parts = new Map<number, MetricsJson[]>();
  segments.forEach((segment, si) => {
    for (const { trial, metrics } of stored.completed(label, segment)) {
      const list = parts.get(trial) ?? [];
      // Only trials stored on every earlier segment can have all of them.
      if (list.length === si) {
        list.push(metrics);
        parts.set(trial, list);
      }
    }
  });
  for (const [trial, list] of parts) {
    if (list.length !== segments.length) continue;
    board.offer(
      trial,
      combineSegments(
        list.map((metrics, i) => ({ metrics, bars: segments[i].end - segments[i].start })),
        capital,
      ),
      trial,
    );
  }
  return board.best?.trial ?? null;
}
