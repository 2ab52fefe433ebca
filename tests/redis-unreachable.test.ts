import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, startRedis, startWorker } from './support/redis.js';

// A Redis that goes away and stays away ends the coordinator and the workers with a clear error
// after the configured time, instead of a run that hangs for ever.
const tmp = mkdtempSync(join(tmpdir(), 'fanfold-unreachable-'));

describe('a Redis that stays unreachable', () => {
  it('ends the coordinator after execution.redis.unreachable_timeout with an error, run.json failed; a worker after --unreachable-timeout', async () => {
    const redis = await startRedis();
    const config = join(tmp, 'away.yaml');
    writeFileSync(
      config,
      `name: away\ndata: {synthetic: {bars: 20000, seed: 3}}\nstrategy: {type: sma_crossover, fast: "range(2, 40, 1)", slow: "range(50, 200, 10)"}\nresults: {storage: disk}\nexecution: {executor: redis, redis: {url: "${redis.url}", unreachable_timeout: 1.5}}\n`,
    );
    const worker = await startWorker(redis.url, ['--unreachable-timeout', '1']);
    const out = join(tmp, 'runs');
    const child = spawn(process.execPath, [CLI, 'run', config, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    // Once the run has batches in flight, Redis goes away for good.
    for (let i = 0; i < 600 && !stderr.includes('batches in flight; run workers with'); i++) await new Promise((r) => setTimeout(r, 25));
    expect(stderr).toContain('batches in flight; run workers with');
    await redis.stop();
    const stoppedAt = Date.now();
    const within = <T>(p: Promise<T>, what: string): Promise<T> =>
      Promise.race([
        p,
        new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not end within 20 s:\n${stderr}\n--- worker:\n${worker.log()}`)), 20_000)),
      ]);
    const code = await within(exited, 'the coordinator');
    const waited = (Date.now() - stoppedAt) / 1000;
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /error: redis: redis:\/\/127\.0\.0\.1:\d+ unreachable for \d+ s \(execution\.redis\.unreachable_timeout: 1\.5\); the run stops here/,
    );
    // Bounded: the timeout and a little, not the 15 s cleanup timeout or for ever.
    expect(waited).toBeLessThan(10);
    const dir = join(out, 'away', readdirSync(join(out, 'away'))[0]);
    const record = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { status: string; error?: string };
    expect(record.status).toBe('failed');
    expect(record.error).toContain('unreachable');
    expect(await within(worker.exited, 'the worker')).toBe(1);
    expect(worker.log()).toMatch(/redis: redis:\/\/127\.0\.0\.1:\d+ unreachable for \d+ s \(--unreachable-timeout 1\); the worker stops/);
  }, 60_000);
});
