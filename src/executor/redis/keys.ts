import { createHash } from 'node:crypto';

/** The set in which a coordinator registers its run's queue while the run is live; workers poll it. */
export const QUEUE_REGISTRY = 'fanfold:queues';

/** A run's BullMQ queue: named after the workflow and run id (BullMQ refuses ':' in names). */
export function queueNameFor(workflow: string, runId: string): string {
  return `fanfold-${workflow}-${runId}`.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/**
 * The Redis client name of a run's coordinator connection: while Redis lists a client of this name,
 * the run has a live coordinator (a killed one's connections close with its process).
 */
export function coordinatorClientName(queue: string): string {
  return `fanfold-coordinator-${queue}`;
}

/** Facts a worker checks before consuming a queue (the coordinator's fanfold version). */
export function runMetaKey(queue: string): string {
  return `fanfold:run:${queue}`;
}

/** Where the run's market data waits for workers, one key per content hash. */
export function marketDataKey(queue: string, dataHash: string): string {
  return `fanfold:data:${queue}:${dataHash}`;
}

/** Every key of a run outside BullMQ's own `bull:<queue>:*` keys share this prefix (cleanup). */
export function runDataPattern(queue: string): string {
  return `fanfold:data:${queue}:*`;
}

/** Where a search's plan (its template, windows and ranking) waits for workers, one key per plan id. */
export function planKey(queue: string, planId: string): string {
  return `fanfold:data:${queue}:plan:${planId}`;
}

/** A resumed search's stored points (skipped by every task of the plan), by plan and list content. */
export function skipKey(queue: string, id: string): string {
  return `fanfold:data:${queue}:skip:${id}`;
}

/**
 * A task's job id: a hash of everything its results depend on (the plan, its points, the points
 * it skips). The same task enqueued again (a restarted coordinator) gets the same id, so BullMQ
 * keeps one job.
 */
export function taskJobId(parts: readonly (string | number)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p}|`);
  // A letter first: BullMQ treats purely numeric ids specially.
  return `b${h.digest('hex')}`;
}
