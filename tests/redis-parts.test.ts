import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSynthetic } from '../src/data/synthetic.js';
import { QUEUE_REGISTRY, queueNameFor, runMetaKey, taskJobId } from '../src/executor/redis/keys.js';
import { MarketCache } from '../src/executor/redis/market-cache.js';
import { pluginsHash } from '../src/executor/redis/plugins-hash.js';
import { packMarketData, unpackMarketData } from '../src/executor/redis/market-wire.js';
import { redactedUrl } from '../src/common/redis-url.js';
import { decodeTestReply, decodeWorkReply, encodeReply } from '../src/executor/redis/wire.js';
import { decodePlan } from '../src/batch/plan.js';
import { packRows, unpackRows } from '../src/batch/rows.js';
import { runTest, runWork } from '../src/batch/work.js';
import { phaseOf, planFor } from './support/plan.js';
import { runWorkerService } from '../src/executor/redis/worker-service.js';
import { METRIC_NAMES } from '../src/types.js';
import type { MetricsJson } from '../src/contract.js';
import { ResultsStore } from '../src/results/store.js';
import { VERSION } from '../src/version.js';
import { startRedis, type RedisServer } from './support/redis.js';

function metrics(values: readonly (number | null)[]): MetricsJson {
  return Object.fromEntries(METRIC_NAMES.map((m, i) => [m, values[i % values.length]])) as MetricsJson;
}

const tmp = mkdtempSync(join(tmpdir(), 'fanfold-wire-'));

describe('redis wire formats', () => {
  it('metric rows come back bit for bit: -0, ±Infinity, subnormals; null (NaN) stays null', () => {
    const values = [-0, Infinity, -Infinity, 5e-324, NaN, 0.1 + 0.2, 1.5, NaN, -0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
    const rows = packRows({
      label: 'p',
      windows: [[0, 10]],
      window: Int32Array.of(0, 0),
      trial: Float64Array.of(3, 9),
      keys: 'a'.repeat(64) + 'b'.repeat(64),
      params: ['{"x":1}', '{"x":2}'],
      metrics: Float64Array.from(values),
      trades: null,
      points: null,
    });
    const back = unpackRows(decodeWorkReply(encodeReply({ points: 2, ms: 1.25, top: [], rows })).rows);
    expect(back.metrics.length).toBe(values.length);
    values.forEach((v, i) => expect([i, Object.is(back.metrics[i], v)]).toEqual([i, true]));
    expect(Array.from(back.trial)).toEqual([3, 9]);
    expect(back.params).toEqual(['{"x":1}', '{"x":2}']);
    // JSON, what BullMQ would use for a plain return value, loses exactly these.
    expect(JSON.parse(JSON.stringify({ x: -0, y: Infinity }))).toEqual({ x: 0, y: null });
  });

  it('a real task through encodeReply/decode equals the worker output, top-k trades and test curves included', () => {
    const data = generateSynthetic({ bars: 600, seed: 3 });
    const phase = phaseOf(
      tmp,
      'wire',
      'name: wire\ndata: {synthetic: {bars: 600, seed: 3}}\nstrategy: {type: sma_crossover, fast: [5, 8, 13], slow: 34}\nresults: {store_trades: true}\n',
    );
    const plan = planFor(phase, data.hash, [{ start: 0, end: 600 }], { storeTrades: true, tradesTopOnly: true });
    const reply = runWork({ plan, data, range: { from: 0, to: 3, points: null }, skip: null });
    expect(reply.top.some((e) => (e.trades?.length ?? 0) > 0)).toBe(true);
    expect(decodeWorkReply(encodeReply(reply))).toEqual(reply);
    const test = runTest({ plan, data, trial: 1, window: { start: 300, end: 600 }, recordCurve: true, trades: true, traceSegment: 'x' });
    const back = decodeTestReply(encodeReply(test));
    expect(back).toEqual(test);
    expect(back.curve!.equity).toBeInstanceOf(Float64Array);
  });

  it('plans keep non-JSON numbers of the template', () => {
    const data = generateSynthetic({ bars: 100, seed: 3 });
    const phase = phaseOf(tmp, 'inf', 'name: inf\ndata: {synthetic: {bars: 100, seed: 3}}\nstrategy: {type: sma_crossover, fast: [5, 8], slow: 34}\n');
    const stopLoss = { ...phase, config: { ...phase.config, risk: { ...phase.config.risk, stop_loss: Infinity } } };
    const back = decodePlan(planFor(stopLoss, data.hash, [{ start: 10, end: 100 }]));
    expect(back.template.config.risk.stop_loss).toBe(Infinity);
    expect(back.windows).toEqual([{ start: 10, end: 100 }]);
    expect(back.dataHash).toBe(data.hash);
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
    expect(() => unpackMarketData(bytes, data.hash)).toThrow(
      new RegExp(`^market data received from Redis hashes to [0-9a-f]{64}, not ${data.hash}: refusing it$`),
    );
    // Data of another content (another machine's file) is refused under the expected hash.
    const other = generateSynthetic({ bars: 300, symbols: ['A', 'B'], seed: 10 });
    expect(() => unpackMarketData(packMarketData(other), data.hash)).toThrow(/refusing it/);
  });

  it('job ids depend on every input of the task; queue names are BullMQ-safe; passwords never printed', () => {
    const base = taskJobId(['work', 'plan', 'h', '0-10', 0]);
    expect(base).toMatch(/^b[0-9a-f]{64}$/);
    expect(taskJobId(['work', 'plan', 'h', '0-10', 0])).toBe(base);
    for (const other of [
      taskJobId(['test', 'plan', 'h', '0-10', 0]),
      taskJobId(['work', 'plan2', 'h', '0-10', 0]),
      taskJobId(['work', 'plan', 'h2', '0-10', 0]),
      taskJobId(['work', 'plan', 'h', '0-11', 0]),
      taskJobId(['work', 'plan', 'h', '0-10', 5]),
    ])
      expect(other).not.toBe(base);
    expect(queueNameFor('my.flow', '20260101-000000000-ab:cd')).toBe('fanfold-my.flow-20260101-000000000-ab_cd');
    expect(redactedUrl('rediss://alice:p%40ss@h.example:6380/2')).toBe('rediss://alice:***@h.example:6380/2');
  });
});

describe('at-least-once is harmless to the store', () => {
  it('one row per (phase, trial key), whether the duplicate comes before or after the index exists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanfold-dup-'));
    const row = (sharpe: number) => ({
      trialKey: 'k'.repeat(64),
      phase: 'sweep',
      window: [0, 100] as const,
      trial: 3,
      params: { fast: 5 },
      metrics: { ...metrics([1]), sharpe },
      error: null,
      tradesFile: null,
    });
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
    expect([...reopened.storedRows('sweep', [{ start: 0, end: 100 }])].map((r) => r.metrics.sharpe)).toEqual([3]);
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
    await expect(cache.get('fanfold:data:q:other', 'f'.repeat(64))).rejects.toThrow(
      `market data ${'f'.repeat(64)} is not in Redis (fanfold:data:q:other): its run has ended or its data was evicted`,
    );
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
    await redis.client.hset(runMetaKey('fanfold-elsewhere'), {
      version: VERSION,
      plugins: JSON.stringify(['/no/such/plugins']),
      plugins_hash: coordinatorHash,
    });
    const lines: string[] = [];
    const stop = new AbortController();
    const done = runWorkerService({ url: redis.url, workers: 1, pollMs: 20, signal: stop.signal, log: (l) => lines.push(l) });
    const deadline = Date.now() + 10_000;
    while (lines.filter((l) => l.startsWith('worker: not taking')).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    await done;
    expect(lines).toContain(`worker: not taking run fanfold-plugged: its plugin modules (${folder}) differ from this machine's copy`);
    expect(lines.some((l) => l.startsWith('worker: not taking run fanfold-elsewhere: cannot read its plugin folders here (ENOENT'))).toBe(true);
    await redis.client.del(QUEUE_REGISTRY, runMetaKey('fanfold-plugged'), runMetaKey('fanfold-elsewhere'));
  });
});
