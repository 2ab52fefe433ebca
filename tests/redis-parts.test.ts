import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSynthetic } from '../src/data/synthetic.js';
import { batchJobId, QUEUE_REGISTRY, queueNameFor, runMetaKey } from '../src/executor/redis/keys.js';
import { MarketCache } from '../src/executor/redis/market-cache.js';
import { pluginsHash } from '../src/executor/redis/plugins-hash.js';
import { packMarketData, unpackMarketData } from '../src/executor/redis/market-wire.js';
import { redactedUrl } from '../src/executor/redis/url.js';
import { decodePayload, decodeReply, encodePayload, encodeReply } from '../src/executor/redis/wire.js';
import { runWorkerService } from '../src/executor/redis/worker-service.js';
import { METRIC_NAMES, type Metrics } from '../src/metrics/metrics.js';
import { ResultsStore } from '../src/results/store.js';
import { runBatch } from '../src/topology/run.js';
import { VERSION } from '../src/version.js';
import { makeSet } from './helpers.js';
import { startRedis, type RedisServer } from './support/redis.js';

function metrics(values: readonly (number | null)[]): Metrics {
  return Object.fromEntries(METRIC_NAMES.map((m, i) => [m, values[i % values.length]])) as unknown as Metrics;
}

describe('redis wire formats', () => {
  it('metric rows come back bit for bit: -0, ±Infinity, subnormals; null stays null', () => {
    const rows = [metrics([-0, Infinity, -Infinity, 5e-324, null, 0.1 + 0.2]), metrics([1.5, null, -0])];
    const back = decodeReply(encodeReply(rows.map((m) => ({ metrics: m, trades: null }))));
    expect(back).toHaveLength(2);
    for (let i = 0; i < 2; i++) {
      for (const m of METRIC_NAMES) expect([m, Object.is(back[i].metrics[m], rows[i][m])]).toEqual([m, true]);
      expect(back[i].trades).toBe(null);
    }
    // JSON, what BullMQ would use for a plain return value, loses exactly these.
    expect(JSON.parse(JSON.stringify({ x: -0, y: Infinity }))).toEqual({ x: 0, y: null });
  });

  it('a real batch through encodeReply/decodeReply equals the topology output, trades included', () => {
    const data = generateSynthetic({ bars: 600, seed: 3 });
    const sets = [5, 8, 13].map((fast) => makeSet('sma_crossover', { fast, slow: 34 }));
    const results = runBatch(data, sets, { storeTrades: true });
    expect(results.some((r) => (r.trades?.length ?? 0) > 0)).toBe(true);
    expect(decodeReply(encodeReply(results))).toEqual(results.map((r) => ({ metrics: r.metrics, trades: r.trades })));
  });

  it('job payloads keep non-JSON numbers of parameter sets', () => {
    const set = makeSet('sma_crossover', { fast: 5, slow: 20 }, { risk: { stopLoss: Infinity as number } });
    const back = decodePayload(encodePayload({ sets: [set], options: { window: { start: 10, end: 500 }, periodsPerYear: 252, storeTrades: true }, plugins: ['/p'] }));
    expect(back.sets[0].risk.stopLoss).toBe(Infinity);
    expect(back.options).toEqual({ window: { start: 10, end: 500 }, periodsPerYear: 252, storeTrades: true });
    expect(back.plugins).toEqual(['/p']);
  });

  it('market data round-trips onto shared memory with the same hash; tampered bytes are refused', () => {
    const data = generateSynthetic({ bars: 300, symbols: ['A', 'B'], seed: 9 });
    const back = unpackMarketData(packMarketData(data), data.hash);
    expect(back.hash).toBe(data.hash);
    expect(back.time.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(back.symbols[1].close.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(back.symbols[1].close)).toEqual(Array.from(data.symbols[1].close));
    const bytes = Buffer.from(packMarketData(data));
    // Flip one bit inside the data (far from the msgpack header): a different close price.
    bytes[bytes.length - 100] ^= 1;
    expect(() => unpackMarketData(bytes, data.hash)).toThrow(new RegExp(`^market data received from Redis hashes to [0-9a-f]{64}, not ${data.hash}: refusing it$`));
    // Data of another content (another machine's file) is refused under the expected hash.
    const other = generateSynthetic({ bars: 300, symbols: ['A', 'B'], seed: 10 });
    expect(() => unpackMarketData(packMarketData(other), data.hash)).toThrow(/refusing it/);
  });

  it('job ids depend on every input of the batch; queue names are BullMQ-safe; passwords never printed', () => {
    const base = batchJobId('h', { start: 0, end: 10 }, 252, true, ['k1', 'k2']);
    expect(base).toMatch(/^b[0-9a-f]{64}$/);
    expect(batchJobId('h', { start: 0, end: 10 }, 252, true, ['k1', 'k2'])).toBe(base);
    for (const other of [
      batchJobId('h2', { start: 0, end: 10 }, 252, true, ['k1', 'k2']),
      batchJobId('h', { start: 1, end: 10 }, 252, true, ['k1', 'k2']),
      batchJobId('h', { start: 0, end: 10 }, 52, true, ['k1', 'k2']),
      batchJobId('h', { start: 0, end: 10 }, 252, false, ['k1', 'k2']),
      batchJobId('h', { start: 0, end: 10 }, 252, true, ['k2', 'k1']),
    ])
      expect(other).not.toBe(base);
    expect(queueNameFor('my.flow', '20260101-000000000-ab:cd')).toBe('fanfold-my.flow-20260101-000000000-ab_cd');
    expect(redactedUrl('rediss://alice:p%40ss@h.example:6380/2')).toBe('rediss://alice:***@h.example:6380/2');
  });
});

describe('at-least-once is harmless to the store', () => {
  it('one row per (phase, trial key), whether the duplicate comes before or after the index exists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanfold-dup-'));
    const row = (sharpe: number) => ({ trialKey: 'k'.repeat(64), phase: 'sweep', window: [0, 100] as const, trial: 3, params: { fast: 5 }, metrics: { ...metrics([1]), sharpe }, error: null, tradesFile: null });
    const store = new ResultsStore(dir);
    store.add(row(1));
    store.flush();
    store.add(row(2));
    store.flush();
    store.close();
    const reopened = new ResultsStore(dir);
    expect(reopened.count('sweep')).toBe(1);
    reopened.add(row(3));
    reopened.flush();
    expect(reopened.count()).toBe(1);
    expect(reopened.stored('sweep').get('k'.repeat(64))?.metrics.sharpe).toBe(3);
    // Another phase's row for the same key is its own.
    reopened.add({ ...row(4), phase: 'holdout' });
    reopened.flush();
    expect(reopened.count()).toBe(2);
    reopened.close();
  });
});

describe('worker process pieces against a real redis-server', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('the market cache fetches once per hash and says so when the run data is gone', async () => {
    const data = generateSynthetic({ bars: 200, seed: 1 });
    await redis.client.set('fanfold:data:q:h', packMarketData(data));
    const cache = new MarketCache(redis.client);
    const first = await cache.get('fanfold:data:q:h', data.hash);
    await redis.client.del('fanfold:data:q:h');
    // Cached: no second fetch.
    expect(await cache.get('fanfold:data:q:h', data.hash)).toBe(first);
    await expect(cache.get('fanfold:data:q:other', 'f'.repeat(64))).rejects.toThrow(`market data ${'f'.repeat(64)} is not in Redis (fanfold:data:q:other): its run has ended or its data was evicted`);
  });

  it('a worker does not take a run whose coordinator runs another fanfold version', async () => {
    await redis.client.sadd(QUEUE_REGISTRY, 'fanfold-old-run');
    await redis.client.hset(runMetaKey('fanfold-old-run'), { version: '0.0.0-elsewhere' });
    const lines: string[] = [];
    const stop = new AbortController();
    const done = runWorkerService({ url: redis.url, workers: 1, pollMs: 20, signal: stop.signal, log: (l) => lines.push(l) });
    const deadline = Date.now() + 10_000;
    while (!lines.some((l) => l.startsWith('worker: not taking')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    await done;
    expect(lines).toContain(`worker: not taking run fanfold-old-run: its coordinator runs fanfold 0.0.0-elsewhere, this worker ${VERSION}`);
    expect(lines.some((l) => l.startsWith('worker: taking'))).toBe(false);
    await redis.client.del(QUEUE_REGISTRY, runMetaKey('fanfold-old-run'));
  });

  it('a worker does not take a run whose plugin modules differ from its own copy, or that it cannot read', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'fanfold-plugins-'));
    writeFileSync(join(folder, 'mine.js'), 'export const x = 1;\n');
    const coordinatorHash = pluginsHash([folder]);
    writeFileSync(join(folder, 'mine.js'), 'export const x = 2;\n');
    expect(pluginsHash([folder])).not.toBe(coordinatorHash);
    await redis.client.sadd(QUEUE_REGISTRY, 'fanfold-plugged', 'fanfold-elsewhere');
    await redis.client.hset(runMetaKey('fanfold-plugged'), { version: VERSION, plugins: JSON.stringify([folder]), plugins_hash: coordinatorHash });
    await redis.client.hset(runMetaKey('fanfold-elsewhere'), { version: VERSION, plugins: JSON.stringify(['/no/such/plugins']), plugins_hash: coordinatorHash });
    const lines: string[] = [];
    const stop = new AbortController();
    const done = runWorkerService({ url: redis.url, workers: 1, pollMs: 20, signal: stop.signal, log: (l) => lines.push(l) });
    const deadline = Date.now() + 10_000;
    while (lines.filter((l) => l.startsWith('worker: not taking')).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    await done;
    expect(lines).toContain(`worker: not taking run fanfold-plugged: its plugin modules (${folder}) differ from this machine's copy`);
    expect(lines.some((l) => l.startsWith("worker: not taking run fanfold-elsewhere: cannot read its plugin folders here (ENOENT"))).toBe(true);
    await redis.client.del(QUEUE_REGISTRY, runMetaKey('fanfold-plugged'), runMetaKey('fanfold-elsewhere'));
  });
});
