import type { Redis } from 'ioredis';
import type { MarketData } from '../../data/series.js';
import { unpackMarketData } from './market-wire.js';

/** Market data sets a worker process keeps (one per content hash; a sweep usually needs one). */
const KEEP = 4;

/**
 * A worker process's market data: fetched from Redis on first use of a content hash, verified
 * against that hash, rebuilt on shared memory for the local pool, then reused by every later job.
 */
export class MarketCache {
  private readonly byHash = new Map<string, Promise<MarketData>>();

  constructor(private readonly redis: Redis) {}

  get(key: string, hash: string): Promise<MarketData> {
    let entry = this.byHash.get(hash);
    if (entry) {
      // Most recently used last: the oldest is the first dropped.
      this.byHash.delete(hash);
      this.byHash.set(hash, entry);
      return entry;
    }
    entry = this.fetch(key, hash);
    entry.catch(() => this.byHash.delete(hash));
    this.byHash.set(hash, entry);
    while (this.byHash.size > KEEP) this.byHash.delete(this.byHash.keys().next().value!);
    return entry;
  }

  private async fetch(key: string, hash: string): Promise<MarketData> {
    const bytes = await this.redis.getBuffer(key);
    if (bytes === null) throw new Error(`market data ${hash} is not in Redis (${key}): its run has ended or its data was evicted`);
    return unpackMarketData(bytes, hash);
  }
}
