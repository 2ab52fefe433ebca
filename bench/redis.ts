/**
 * The redis executor's overhead: the same sweep through `runWorkflow` with the pool executor (2
 * worker threads) and with the redis executor served by two local `fanfold worker --workers 1`
 * processes (2 threads in all), alternating, in the same run. Prints sets/s of each and the ratios.
 *
 * Two redis figures: `redis fresh` starts its two worker processes just before the timed run (cold
 * JIT, first fetch of the data inside the timing), which matches the pool, whose threads start with
 * each run; `redis warm` uses two long-lived workers that already served earlier runs, as on a
 * cluster of machines that stay up.
 *
 *   npm run bench:redis            (node dist/bench/redis.js [--runs K] [--sets N])
 *
 * Starts its own redis-server (Debian package redis-server) on a free port without persistence,
 * and deletes its temporary folder at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { loadWorkflow } from '../src/config/workflow.js';
import { runWorkflow, type RunOptions } from '../src/coordinator/run-workflow.js';
import { packageRoot } from '../src/version.js';

const CLI = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
const BARS = 2_000;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  child.on('error', (e) => {
    process.stderr.write(`cannot start redis-server (${e.message}); install it: apt-get install -y redis-server\n`);
    process.exit(1);
  });
  const client = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on('error', () => {});
  for (let i = 0; ; i++) {
    try {
      await client.connect();
      await client.ping();
      break;
    } catch {
      if (i > 200) throw new Error('redis-server did not answer');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  client.disconnect();
  return child;
}

function startWorker(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'worker', '--redis', url, '--workers', '1', '--poll-ms', '100'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let text = '';
    child.stderr.on('data', (b: Buffer) => {
      text += b.toString();
      if (text.includes('waiting for runs')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${text}`)));
  });
}

/** A grid of about `sets` sets: fast × slow × 2 triggers × 2 stops. */
function workflow(dir: string, sets: number): string {
  const slows = 10;
  const fasts = Math.max(1, Math.round(sets / (slows * 4)));
  const file = join(dir, 'redis-bench.yaml');
  writeFileSync(
    file,
    `name: redis_bench
data: {synthetic: {bars: ${BARS}, seed: 7}}
strategy:
  type: ema_crossover
  fast: range(2, ${1 + fasts}, 1)
  slow: range(${fasts + 10}, ${fasts + 10 + 10 * (slows - 1)}, 10)
  trigger: [cross, level]
risk: {stop_loss: [null, 0.05]}
results: {storage: disk, store_trades: false}
`,
  );
  return file;
}

async function timed(file: string, out: string, options: RunOptions): Promise<{ sets: number; seconds: number }> {
  const wf = loadWorkflow(file);
  const t = performance.now();
  const { result } = await runWorkflow(wf, { out, ...options });
  const seconds = (performance.now() - t) / 1000;
  return { sets: result.phases[0].trials, seconds };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const runs = arg('runs', 3);
const dir = mkdtempSync(join(tmpdir(), 'fanfold-bench-redis-'));
const port = await freePort();
const url = `redis://127.0.0.1:${port}`;
const server = await startRedis(port);
let workers: ChildProcess[] = [];

async function stopWorkers(): Promise<void> {
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
  workers = [];
}

try {
  const file = workflow(dir, arg('sets', 12_000));
  const pool: RunOptions = { executor: 'pool', workers: 2 };
  const redis: RunOptions = { executor: 'redis', redis: url, inFlight: 2 };
  // Warm-up of this process (coordinator, pool module): not measured.
  await timed(file, dir, pool);
  const rates = { pool: [] as number[], 'redis fresh': [] as number[], 'redis warm': [] as number[] };
  let sets = 0;
  const record = (name: keyof typeof rates, i: number, r: { sets: number; seconds: number }): void => {
    sets = r.sets;
    rates[name].push(r.sets / r.seconds);
    process.stdout.write(`run ${i + 1} ${name.padEnd(11)} ${r.sets} sets in ${r.seconds.toFixed(2)} s: ${(r.sets / r.seconds).toFixed(0)} sets/s\n`);
  };
  for (let i = 0; i < runs; i++) {
    record('pool', i, await timed(file, dir, pool));
    workers = [await startWorker(url), await startWorker(url)];
    record('redis fresh', i, await timed(file, dir, redis));
    record('redis warm', i, await timed(file, dir, redis));
    await stopWorkers();
  }
  const p = median(rates.pool);
  process.stdout.write(`\n${sets} sets × ${BARS} bars, ${cpus().length} CPUs, median of ${runs}\n`);
  process.stdout.write(`pool (2 threads)                                  ${p.toFixed(0)} sets/s\n`);
  for (const name of ['redis fresh', 'redis warm'] as const) {
    const q = median(rates[name]);
    process.stdout.write(`${name.padEnd(11)} (2 worker processes × 1 thread)  ${q.toFixed(0)} sets/s   ${name} / pool: ${(q / p).toFixed(2)}\n`);
  }
} finally {
  await stopWorkers();
  server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
