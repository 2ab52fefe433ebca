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

/**
 * A batch's job id: a hash of everything its results depend on (data, window, periods per year,
 * whether trades are kept, and the sets' trial keys in order). The same batch enqueued again (a
 * restarted coordinator) gets the same id, so BullMQ keeps one job and a finished one is reused.
 */
export function batchJobId(dataHash: string, window: { start: number; end: number }, periodsPerYear: number | undefined, storeTrades: boolean, keys: readonly string[]): string {
  const h = createHash('sha256');
  h.update(`${dataHash}|${window.start}|${window.end}|${periodsPerYear ?? ''}|${storeTrades ? 1 : 0}`);
  for (const k of keys) h.update(`|${k}`);
  // A letter first: BullMQ treats purely numeric ids specially.
  return `b${h.digest('hex')}`;
}

/** What a result depends on besides the set's trial key (two phases may differ only in these). */
export function resultScope(periodsPerYear: number | undefined, storeTrades: boolean): string {
  return `${periodsPerYear ?? ''}|${storeTrades ? 1 : 0}`;
}
