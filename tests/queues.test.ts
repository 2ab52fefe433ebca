import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coordinatorClientName, marketDataKey, QUEUE_REGISTRY, runMetaKey } from '../src/executor/redis/keys.js';
import { allKeys, CLI, startRedis, type RedisServer } from './support/redis.js';

// `fanfold queues` against a real redis-server: runs registered as a coordinator registers them
// (registry entry, metadata, market data, BullMQ jobs), one with its coordinator connected.
let redis: RedisServer;
const coordinators: Redis[] = [];

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  for (const c of coordinators) c.disconnect();
  await redis?.stop();
});

async function register(name: string, jobs: number, coordinated: boolean): Promise<void> {
  await redis.client.sadd(QUEUE_REGISTRY, name);
  await redis.client.hset(runMetaKey(name), { version: '0.1.0', plugins: '[]' });
  await redis.client.set(marketDataKey(name, 'abc'), 'bars');
  const queue = new Queue(name, { connection: redis.client });
  for (let i = 0; i < jobs; i++) await queue.add('batch', { i }, { jobId: `b${i}` });
  await queue.close();
  if (coordinated) {
    const c = new Redis(redis.url, { connectionName: coordinatorClientName(name) });
    await c.ping();
    coordinators.push(c);
  }
}

const queues = (...args: string[]): { status: number | null; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, [CLI, 'queues', '--redis', redis.url, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

const keysOf = async (name: string): Promise<string[]> => (await allKeys(redis.client)).filter((k) => k.includes(name));

describe('fanfold queues', () => {
  it('lists the registered runs; --clean and --stale remove runs without a coordinator, never one with', async () => {
    expect(queues().stdout).toBe(`no runs registered in ${redis.url}\n`);
    await register('fanfold-a-1', 3, false);
    await register('fanfold-b-2', 1, false);
    await register('fanfold-c-3', 2, true);
    const list = queues();
    expect(list.status).toBe(0);
    const lines = list.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s{2,}/));
    expect(lines).toEqual([
      ['queue', 'coordinator', 'workers', 'waiting', 'active', 'done', 'failed', 'version'],
      ['fanfold-a-1', 'none', '0', '3', '0', '0', '0', '0.1.0'],
      ['fanfold-b-2', 'none', '0', '1', '0', '0', '0', '0.1.0'],
      ['fanfold-c-3', 'connected', '0', '2', '0', '0', '0', '0.1.0'],
    ]);

    const refused = queues('--clean', 'fanfold-c-3');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toBe('error: queues --clean: run fanfold-c-3 has a connected coordinator; stop it first (Ctrl-C), then clean\n');
    const unknown = queues('--clean', 'fanfold-x');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("no run 'fanfold-x' is registered");

    expect(await keysOf('fanfold-a-1')).not.toEqual([]);
    const clean = queues('--clean', 'fanfold-a-1');
    expect(clean.stdout).toBe('removed fanfold-a-1\n');
    expect(await keysOf('fanfold-a-1')).toEqual([]);

    const stale = queues('--stale');
    expect(stale.stdout).toBe('removed fanfold-b-2\n');
    expect(await keysOf('fanfold-b-2')).toEqual([]);
    // The coordinated run is untouched: registered, its jobs and data still there.
    expect(await redis.client.smembers(QUEUE_REGISTRY)).toEqual(['fanfold-c-3']);
    expect(await redis.client.get(marketDataKey('fanfold-c-3', 'abc'))).toBe('bars');
    expect(queues('--stale').stdout).toBe('no stale runs\n');
  }, 60_000);
});
