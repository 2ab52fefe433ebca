import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { coordinatorClientName, QUEUE_REGISTRY, runDataPattern, runMetaKey } from './keys.js';

/** A run registered in Redis, as `fanfold queues` lists it. */
export interface RegisteredRun {
  readonly queue: string;
  /** A coordinator of the run is connected (null: Redis refuses CLIENT LIST, so unknown). */
  readonly coordinator: boolean | null;
  /** Workers consuming its queue (null: unknown). */
  readonly workers: number | null;
  readonly version: string | null;
  readonly jobs: { readonly waiting: number; readonly active: number; readonly completed: number; readonly failed: number };
}

/** The client names in a CLIENT LIST reply. */
export function clientNamesIn(list: string): string[] {
  return list.split('\n').flatMap((line) => /(?:^| )name=(\S+)/.exec(line)?.[1] ?? []);
}

/** Names of the clients Redis lists, or null where CLIENT LIST is refused (a managed Redis). */
async function clientNames(connection: Redis): Promise<string[] | null> {
  try {
    return clientNamesIn((await connection.client('LIST')) as string);
  } catch {
    return null;
  }
}

/** Every run registered in `fanfold:queues`, sorted by queue name. */
export async function registeredRuns(connection: Redis): Promise<RegisteredRun[]> {
  const queues = (await connection.smembers(QUEUE_REGISTRY)).sort();
  const clients = queues.length > 0 ? await clientNames(connection) : null;
  const out: RegisteredRun[] = [];
  for (const name of queues) {
    const queue = new Queue(name, { connection });
    try {
      const counts = await queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized');
      const meta = await connection.hgetall(runMetaKey(name));
      out.push({
        queue: name,
        coordinator: clients === null ? null : clients.includes(coordinatorClientName(name)),
        // BullMQ names a worker's connections after the queue (bull:<base64 of the name>…): counted by the queue itself.
        workers: clients === null ? null : await queue.getWorkersCount().catch(() => null),
        version: meta.version ?? null,
        jobs: {
          waiting: (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0),
          active: counts.active ?? 0,
          completed: counts.completed ?? 0,
          failed: counts.failed ?? 0,
        },
      });
    } finally {
      await queue.close();
    }
  }
  return out;
}

/**
 * Removes a run from Redis: its registration (so workers leave it), after they have left (or
 * `workersLeaveMs`) every BullMQ key of its queue, its market data, plans and metadata.
 */
export async function removeRun(connection: Redis, name: string, workersLeaveMs: number, queue: Queue = new Queue(name, { connection })): Promise<void> {
  await connection.srem(QUEUE_REGISTRY, name);
  // Workers leave a queue once they see it gone from the registry; until then their stalled-job
  // checks would write BullMQ keys again after the obliteration.
  const deadline = Date.now() + workersLeaveMs;
  try {
    while ((await queue.getWorkersCount()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  } catch {
    // CLIENT LIST refused (a managed Redis): obliterate now; a worker may leave an expiring key behind.
  }
  await queue.obliterate({ force: true });
  const dataKeys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await connection.scan(cursor, 'MATCH', runDataPattern(name), 'COUNT', 1000);
    dataKeys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  await connection.del(runMetaKey(name), ...dataKeys);
}
