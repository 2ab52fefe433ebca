import type { Redis } from 'ioredis';
import type { PlanRef } from '../../batch/plan.js';

/** Plans (and resumed searches' skipped points) a worker process keeps; a run needs a few. */
const KEEP = 64;

/**
 * A worker process's search plans: fetched from Redis on first use of a plan id, put on shared
 * memory for the local pool's threads, then reused by every later task of the plan.
 */
export class PlanCache {
  private readonly plans = new Map<string, Promise<PlanRef>>();
  private readonly skips = new Map<string, Promise<Float64Array>>();

  constructor(private readonly redis: Redis) {}

  plan(key: string, id: string): Promise<PlanRef> {
    return cached(this.plans, key, async () => {
      const bytes = await this.fetch(key, 'plan');
      const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
      shared.set(bytes);
      return { id, bytes: shared };
    });
  }

  skip(key: string): Promise<Float64Array> {
    return cached(this.skips, key, async () => {
      const bytes = await this.fetch(key, 'list of stored points');
      const out = new Float64Array(new SharedArrayBuffer(bytes.byteLength));
      new Uint8Array(out.buffer).set(bytes);
      return out;
    });
  }

  private async fetch(key: string, what: string): Promise<Buffer> {
    const bytes = await this.redis.getBuffer(key);
    if (bytes === null) throw new Error(`the search's ${what} is not in Redis (${key}): its run has ended`);
    return bytes;
  }
}

function cached<T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let entry = map.get(key);
  if (entry === undefined) {
    entry = load();
    entry.catch(() => map.delete(key));
    map.set(key, entry);
    while (map.size > KEEP) map.delete(map.keys().next().value!);
  }
  return entry;
}
