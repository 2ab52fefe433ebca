import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkflow } from '../src/coordinator/open.js';
import { runWorkflow, type RunOptions } from '../src/coordinator/run-workflow.js';
import { queueNameFor, QUEUE_REGISTRY } from '../src/executor/redis/keys.js';
import { generateAndReplay, writeIn, writeTwoPhaseSweep } from './helpers.js';
import { allKeys, CLI, freePort, makeCertificates, startRedis, startWorker, stopWorker, type RedisServer, type WorkerProcess } from './support/redis.js';

// Against a real redis-server (started here, on a free port) and real `fanfold worker` processes
// running the compiled CLI (`npm test` builds it first).
const tmp = mkdtempSync(join(tmpdir(), 'fanfold-redis-'));

const write = (name: string, text: string): string => writeIn(tmp, name, text);

const sweep = writeTwoPhaseSweep(tmp, 'distributed');

// Heavier batches (about 30 ms each with maxBatch 8) so a worker is killed while it holds one.
const long = write(
  'long.yaml',
  `name: long_sweep
data: {synthetic: {bars: 3000, symbols: [A, B], seed: 5}}
strategy:
  type: ema_crossover
  fast: range(4, 16, 1)
  slow: [30, 45, 60, 90]
  trigger: [cross, level]
risk: {sizing: {percent_equity: 0.5}, stop_loss: [null, 0.08]}
results: {store_trades: true}
`,
);

interface Outcome {
  readonly json: unknown;
  /** Every results.db row (all columns), ordered by phase and trial key, with its trades blob's hash. */
  readonly rows: unknown[];
  readonly dir: string;
}

function readRun(dir: string): unknown[] {
  const db = new Database(join(dir, 'results.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT * FROM trials ORDER BY phase, trial_key').all() as Record<string, unknown>[];
    // The blob's sha256 stands for its bytes (deep-comparing Buffers byte by byte is slow).
    return rows.map((r) => ({
      ...r,
      trades_blob: r.trades_file
        ? createHash('sha256')
            .update(readFileSync(join(dir, r.trades_file as string)))
            .digest('hex')
        : null,
    }));
  } finally {
    db.close();
  }
}

async function run(file: string, options: RunOptions): Promise<Outcome> {
  const { result } = await runWorkflow(await openWorkflow(file), { out: tmp, storage: 'memory', ...options });
  const { run_id: _id, results_dir: dir, ...json } = result;
  return { json, rows: readRun(dir), dir };
}

function rowCounts(dir: string): { rows: number; keys: number } {
  const db = new Database(join(dir, 'results.db'), { readonly: true });
  try {
    return db.prepare('SELECT count(*) AS rows, count(DISTINCT phase || trial_key) AS keys FROM trials').get() as { rows: number; keys: number };
  } finally {
    db.close();
  }
}

/** results.db exists and holds a committed row (it may not exist yet). */
function hasRows(dir: string): boolean {
  try {
    return rowCounts(dir).rows > 0;
  } catch {
    return false;
  }
}

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let redis: RedisServer;
const workers: WorkerProcess[] = [];
const inline = new Map<string, Outcome>();

async function reference(file: string, maxBatch: number): Promise<Outcome> {
  const key = `${file}:${maxBatch}`;
  if (!inline.has(key)) inline.set(key, await run(file, { executor: 'inline', maxBatch }));
  return inline.get(key)!;
}

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await Promise.all(workers.map((w) => stopWorker(w)));
  await redis?.stop();
});

async function worker(url = redis.url): Promise<WorkerProcess> {
  const w = await startWorker(url);
  workers.push(w);
  return w;
}

describe('redis executor', () => {
  it('a coordinator and two worker processes give the JSON and results.db rows of inline; no key of the run remains', async () => {
    const expected = await reference(sweep, 3);
    expect((expected.json as { phases: { trials: number }[] }).phases.map((p) => p.trials)).toEqual([32, 16]);
    const [a, b] = await Promise.all([worker(), worker()]);
    const got = await run(sweep, { executor: 'redis', redis: redis.url, maxBatch: 3, inFlight: 4 });
    expect(got.json).toEqual(expected.json);
    expect(got.rows).toEqual(expected.rows);
    // train_test stores its train search and its test run: 32 + 16 + 1.
    expect(got.rows).toHaveLength(49);
    // Both workers took batches of the run.
    for (const w of [a, b]) expect(w.log()).toContain('taking batches of run fanfold-distributed-');
    expect(await allKeys(redis.client)).toEqual([]);
    // ... and none comes back once the workers have noticed the run ended (their stalled checks, polls).
    await until('workers leaving the run', () => a.log().includes('ended') && b.log().includes('ended'));
    await new Promise((r) => setTimeout(r, 700));
    expect(await allKeys(redis.client)).toEqual([]);
    // SIGTERM: an idle worker closes cleanly.
    expect(await stopWorker(a, 'SIGTERM')).toBe(0);
    expect(await stopWorker(b, 'SIGTERM')).toBe(0);
  });

  it('a run started before any worker says that none serves it, and completes once one starts', async () => {
    const expected = await reference(sweep, 3);
    const lines: string[] = [];
    let warned: () => void = () => {};
    const warning = new Promise<void>((resolve) => (warned = resolve));
    const running = run(sweep, {
      executor: 'redis',
      redis: redis.url,
      maxBatch: 3,
      redisWatchMs: 100,
      log: (l) => {
        lines.push(l);
        if (l.startsWith('redis: batches are waiting')) warned();
      },
    });
    await warning;
    expect(lines.filter((l) => l.startsWith('redis: batches are waiting'))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^redis: batches are waiting and no worker serves queue fanfold-distributed-\\S+; start one: fanfold worker --redis ${redis.url.replace(/[./]/g, '\\$&')}$`,
        ),
      ),
    ]);
    const late = await worker();
    const got = await running;
    expect(got.json).toEqual(expected.json);
    expect(got.rows).toEqual(expected.rows);
    await stopWorker(late, 'SIGTERM');
  });

  it('a worker killed with SIGKILL mid-batch: its batch is recovered by another worker, every trial stored exactly once, results equal inline', async () => {
    const expected = await reference(long, 4096);
    const runId = 'kill-test';
    const queue = queueNameFor('long_sweep', runId);
    const events = new QueueEvents(queue, { connection: { host: '127.0.0.1', port: redis.port } });
    const observer = new Queue(queue, { connection: { host: '127.0.0.1', port: redis.port } });
    let stalled = 0;
    events.on('stalled', () => stalled++);
    await events.waitUntilReady();
    try {
      const victim = await worker();
      const running = run(long, { executor: 'redis', redis: redis.url, maxBatch: 8, inFlight: 3, runId });
      await until('the first worker holding a batch', async () => (await observer.getActiveCount()) > 0);
      victim.child.kill('SIGKILL');
      expect(await victim.exited).toBe(null);
      const rescuer = await worker();
      const got = await running;
      expect(stalled).toBeGreaterThanOrEqual(1);
      expect(rescuer.log()).toContain('taking batches of run fanfold-long_sweep-kill-test');
      expect(got.json).toEqual(expected.json);
      expect(got.rows).toEqual(expected.rows);
      expect(rowCounts(got.dir)).toEqual({ rows: 208, keys: 208 });
      expect(await allKeys(redis.client)).toEqual([]);
      await stopWorker(rescuer, 'SIGTERM');
    } finally {
      await events.close();
      await observer.close();
    }
  });

  it('Redis flushed mid-run (a restart without persistence): lost batches are enqueued again, results equal inline', async () => {
    const expected = await reference(long, 4096);
    const [a, b] = await Promise.all([worker(), worker()]);
    const runId = 'flush-test';
    const lines: string[] = [];
    const running = run(long, { executor: 'redis', redis: redis.url, maxBatch: 8, inFlight: 3, runId, redisWatchMs: 200, log: (l) => lines.push(l) });
    const dir = join(tmp, 'long_sweep', runId);
    await until('some committed trials', () => hasRows(dir));
    await redis.client.flushall();
    const got = await running;
    expect(
      lines.some((l) => /^redis: batch b[0-9a-f]{64} vanished from Redis \(restarted without persistence, or flushed\?\); enqueuing it again$/.test(l)),
    ).toBe(true);
    expect(got.json).toEqual(expected.json);
    expect(got.rows).toEqual(expected.rows);
    expect(rowCounts(got.dir)).toEqual({ rows: 208, keys: 208 });
    expect(await allKeys(redis.client)).toEqual([]);
    await Promise.all([stopWorker(a, 'SIGTERM'), stopWorker(b, 'SIGTERM')]);
  });

  it('a failed run removes its keys too; a Ctrl-C (abort) keeps its queue for --resume, which completes it', async () => {
    const broken = write('broken.yaml', `name: broken\ndata: {path: ${join(tmp, 'missing.csv')}}\nstrategy: {type: sma_crossover, fast: [5, 10], slow: 30}\n`);
    await expect(runWorkflow(await openWorkflow(broken), { executor: 'redis', redis: redis.url, out: tmp })).rejects.toThrow(/missing\.csv/);
    expect(await allKeys(redis.client)).toEqual([]);

    const expected = await reference(long, 4096);
    const [a, b] = await Promise.all([worker(), worker()]);
    const stop = new AbortController();
    const runId = 'abort-test';
    const dir = join(tmp, 'long_sweep', runId);
    const running = runWorkflow(await openWorkflow(long), {
      executor: 'redis',
      redis: redis.url,
      out: tmp,
      storage: 'memory',
      runId,
      maxBatch: 8,
      inFlight: 2,
      signal: stop.signal,
    });
    await until('some committed trials', () => hasRows(dir));
    stop.abort();
    const first = await running;
    expect(first.interrupted).toBe(true);
    const queue = queueNameFor('long_sweep', runId);
    expect(await redis.client.smembers(QUEUE_REGISTRY)).toEqual([queue]);
    expect((await allKeys(redis.client)).length).toBeGreaterThan(0);
    const done = rowCounts(dir).rows;
    expect(done).toBeLessThan(208);
    const { result } = await runWorkflow(await openWorkflow(long), { executor: 'redis', redis: redis.url, resume: dir, storage: 'memory' });
    const { run_id: _id, results_dir: _dir, ...json } = result;
    expect(json).toEqual(expected.json);
    expect(rowCounts(dir)).toEqual({ rows: 208, keys: 208 });
    expect(await allKeys(redis.client)).toEqual([]);
    await Promise.all([stopWorker(a, 'SIGTERM'), stopWorker(b, 'SIGTERM')]);
  });

  it('a coordinator killed mid-run and resumed: finished batches are reused, the queue taken over, results equal inline, keys gone', async () => {
    const expected = await reference(long, 4096);
    const out = join(tmp, 'killed');
    const [a, b] = await Promise.all([worker(), worker()]);
    const coordinator = spawn(
      process.execPath,
      [CLI, 'run', long, '--executor', 'redis', '--redis', redis.url, '--in-flight', '4', '--out', out, '--storage', 'memory', '--quiet'],
      { stdio: 'ignore' },
    );
    const runsDir = join(out, 'long_sweep');
    await until('the run directory', () => existsSync(runsDir) && readdirSync(runsDir).length === 1);
    const dir = join(runsDir, readdirSync(runsDir)[0]);
    await until('some committed trials', () => hasRows(dir));
    coordinator.kill('SIGKILL');
    await new Promise((r) => coordinator.once('exit', r));
    const committed = rowCounts(dir).rows;
    expect(committed).toBeLessThan(208);
    const queue = queueNameFor('long_sweep', readdirSync(runsDir)[0]);
    // The queue outlives its coordinator: workers finish the batches in flight.
    expect(await redis.client.smembers(QUEUE_REGISTRY)).toEqual([queue]);
    const observer = new Queue(queue, { connection: { host: '127.0.0.1', port: redis.port } });
    await until('the orphaned batches to finish', async () => (await observer.getActiveCount()) === 0 && (await observer.getWaitingCount()) === 0);
    const orphaned = await observer.getCompletedCount();
    await observer.close();
    // Then the workers close their consumers of the coordinator-less run (no idle connection per dead run) ...
    const left = `worker: run ${queue} has no coordinator and no batch left here; left until it is resumed`;
    await until('workers leaving the orphaned run', () => a.log().includes(left) && b.log().includes(left));
    // (their connections close just after the consumers do)
    const names = async (): Promise<string[]> =>
      ((await redis.client.client('LIST')) as string).split('\n').flatMap((l) => /(?:^| )name=(\S+)/.exec(l)?.[1] ?? []);
    await until("the workers' connections to the run closing", async () => (await names()).every((n) => !n.includes(queue)), 5_000);
    // ... a worker started now does not take it ...
    const late = await worker();
    await until('the late worker passing over the run', () =>
      late.log().includes(`worker: not taking run ${queue}: no coordinator is connected (it resumes when one is)`),
    );
    const lines: string[] = [];
    const { result } = await runWorkflow(await openWorkflow(long), {
      executor: 'redis',
      redis: redis.url,
      resume: dir,
      storage: 'memory',
      log: (l) => lines.push(l),
    });
    const { run_id: _id, results_dir: _dir, ...json } = result;
    expect(json).toEqual(expected.json);
    expect(rowCounts(dir)).toEqual({ rows: 208, keys: 208 });
    expect(orphaned).toBeGreaterThan(0);
    // The orphaned batches' rows are committed to the store first; the resumed search skips them with the rest.
    const kept = lines.map((l) => /^redis: keeping (\d+) results of (\d+) batches finished while no coordinator listened$/.exec(l)).find((m) => m !== null);
    expect(kept).toBeDefined();
    expect(Number(kept![2])).toBe(orphaned);
    expect(Number(kept![1])).toBeGreaterThan(0);
    expect(lines).toContain(`phase long_sweep: ${committed + Number(kept![1])} trials already stored, not recomputed`);
    expect(await allKeys(redis.client)).toEqual([]);
    // ... and all three served the resumed run.
    for (const w of [a, b, late]) expect(w.log().split(`taking batches of run ${queue}`).length - 1).toBe(w === late ? 1 : 2);
    await Promise.all([stopWorker(a, 'SIGTERM'), stopWorker(b, 'SIGTERM'), stopWorker(late, 'SIGTERM')]);
  });
});

// Signal generation → replay and a composed (refine) phase: the later features go through redis too.
const later = write(
  'later.yaml',
  `name: later_features
data: {synthetic: {bars: 1200, symbols: [A, B], seed: 8}}
strategy: {type: sma_crossover, fast: [5, 10], slow: [30, 60]}
broker: {commission: {percent: 0.001}}
${generateAndReplay('    risk: {sizing: [{percent_equity: 0.5}, {fixed: 100}], stop_loss: [null, 0.05]}\n')}  - name: refine
    strategy: {type: ema_crossover, fast: "range(4, 20, 4)", slow: "range(30, 90, 15)"}
    search: {constraints: ["strategy.fast < strategy.slow"]}
    compose: {type: refine, max_iterations: 3}
`,
);

/** A phase JSON without what depends on where and when signal files were written. */
function withoutSignalFiles(json: unknown): unknown {
  const j = json as { phases: { signals?: { file: string; status: string }[] }[] };
  return { ...j, phases: j.phases.map((p) => (p.signals ? { ...p, signals: p.signals.map(({ file: _f, status: _s, ...rest }) => rest) } : p)) };
}

describe('redis executor: signal generation and replay, composed phases, tracing', () => {
  it('signal_generation → signal_replay and a refine phase give the results of inline', async () => {
    const expected = await run(later, { executor: 'inline', out: join(tmp, 'later-inline') });
    const w = await worker();
    const lines: string[] = [];
    const got = await run(later, { executor: 'redis', redis: redis.url, out: join(tmp, 'later-redis'), log: (l) => lines.push(l) });
    expect(withoutSignalFiles(got.json)).toEqual(withoutSignalFiles(expected.json));
    expect(got.rows).toEqual(expected.rows);
    const phases = (got.json as { phases: { name: string; trials: number }[] }).phases;
    // 4 strategies generated; 4 strategies × 2 sizings × 2 stops replayed.
    expect(phases.slice(0, 2).map((p) => p.trials)).toEqual([4, 16]);
    expect(lines).toContain('signal_replay through redis: workers run the full backtest topology (same results; the signal store is on this machine)');
    expect(await allKeys(redis.client)).toEqual([]);
    await stopWorker(w, 'SIGTERM');
  });

  it('event tracing with the redis executor is refused with a clear error, before any phase runs', async () => {
    // Only the second phase traces: the first must not run (and be lost) first.
    const traced = write(
      'traced.yaml',
      readFileSync(sweep, 'utf8').replace('    strategy: {fast: [4, 12]}', '    strategy: {fast: [4, 12]}\n    execution: {enable_event_tracing: true}'),
    );
    const error = await runWorkflow(await openWorkflow(traced), { executor: 'redis', redis: redis.url, out: join(tmp, 'traced') }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((error as Error).name).toBe('UserError');
    expect((error as Error).message).toBe(
      "phase 'holdout': event tracing writes traces where the topology runs; the redis executor's workers run on other machines. Trace with --executor pool or inline",
    );
    expect(existsSync(join(tmp, 'traced'))).toBe(false);
    expect(await allKeys(redis.client)).toEqual([]);
  });
});

describe('redis executor over TLS (rediss://)', () => {
  it('coordinator and worker processes trusting the CA give the results of inline; without the CA, a clear error', async () => {
    const certs = mkdtempSync(join(tmpdir(), 'fanfold-tls-'));
    makeCertificates(certs);
    const server = await startRedis([], undefined, { dir: certs });
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: join(certs, 'ca.pem') };
    const w = await startWorker(server.url, [], env);
    try {
      expect(server.url).toMatch(/^rediss:\/\/127\.0\.0\.1:\d+$/);
      const cli = (args: string[], withCa: boolean) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: withCa ? env : process.env });
      const out = join(tmp, 'tls');
      const r = cli(['run', sweep, '--executor', 'redis', '--redis', server.url, '--out', out, '--storage', 'memory', '--json', '--quiet'], true);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const { run_id: _id, results_dir: dir, ...json } = JSON.parse(r.stdout) as { run_id: string; results_dir: string };
      const expected = await reference(sweep, 4096);
      expect(json).toEqual(expected.json);
      expect(readRun(dir)).toEqual(expected.rows);
      // spawnSync blocked this process: the worker's log arrives now.
      await until('the worker log', () => w.log().includes('taking batches of run fanfold-distributed-'));
      expect(await allKeys(server.client)).toEqual([]);
      const refused = cli(['run', sweep, '--executor', 'redis', '--redis', server.url, '--out', join(tmp, 'tls-refused')], false);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toBe(
        `error: redis: ${server.url} presented a TLS certificate this machine does not trust (self-signed certificate in certificate chain); give Node its CA: NODE_EXTRA_CA_CERTS=/path/to/ca.pem fanfold …\n`,
      );
    } finally {
      await stopWorker(w, 'SIGTERM');
      await server.stop();
    }
  });
});

describe('redis executor: misconfigured Redis gives a clear error (exit code 2) and no run directory', () => {
  const cases: {
    name: string;
    cli?: boolean;
    server: () => Promise<RedisServer | null>;
    url: (s: RedisServer | null, port: number) => string;
    message: RegExp;
  }[] = [
    {
      name: 'wrong password',
      cli: true,
      server: () => startRedis(['--requirepass', 's3cret'], 's3cret'),
      url: (s) => `redis://:wrong@127.0.0.1:${s!.port}`,
      message: /^redis: redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ refused the credentials \(WRONGPASS invalid username-password pair/,
    },
    {
      name: 'no password for a server that requires one',
      server: () => startRedis(['--requirepass', 's3cret'], 's3cret'),
      url: (s) => `redis://127.0.0.1:${s!.port}`,
      message: /^redis: redis:\/\/127\.0\.0\.1:\d+ refused the credentials \(NOAUTH Authentication required/,
    },
    {
      name: 'unknown ACL user',
      server: () => startRedis(['--requirepass', 's3cret'], 's3cret'),
      url: (s) => `redis://alice:s3cret@127.0.0.1:${s!.port}`,
      message: /^redis: redis:\/\/alice:\*\*\*@127\.0\.0\.1:\d+ refused the credentials \(WRONGPASS/,
    },
    {
      name: 'unreachable',
      server: async () => null,
      url: (_, port) => `redis://127.0.0.1:${port}`,
      message: /^redis: cannot reach redis:\/\/127\.0\.0\.1:\d+ \(connect ECONNREFUSED 127\.0\.0\.1:\d+\); is redis-server running/,
    },
    {
      name: 'an evicting maxmemory-policy',
      server: () => startRedis(['--maxmemory-policy', 'allkeys-lru']),
      url: (s) => s!.url,
      message: /^redis: redis:\/\/127\.0\.0\.1:\d+ has maxmemory-policy 'allkeys-lru', which may evict queued jobs and market data; set it to noeviction/,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const server = await c.server();
      try {
        const url = c.url(server, await freePort());
        const out = join(tmp, `err-${c.name.replace(/\W/g, '_')}`);
        const error = await runWorkflow(await openWorkflow(sweep), { executor: 'redis', redis: url, out }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).name).toBe('UserError');
        expect((error as Error).message).toMatch(c.message);
        expect(existsSync(out)).toBe(false);
        // The same from the command line, for run and for worker.
        if (c.cli)
          for (const args of [
            ['run', sweep, '--executor', 'redis', '--redis', url, '--out', out],
            ['worker', '--redis', url],
          ]) {
            const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
            expect(r.status).toBe(2);
            expect(r.stderr).toBe(`error: ${(error as Error).message}\n`);
          }
      } finally {
        await server?.stop();
      }
    });
  }

  it('--executor redis without a URL names what is missing; a bad scheme is refused', async () => {
    const r = spawnSync(process.execPath, [CLI, 'run', sweep, '--executor', 'redis'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`error: executor 'redis' needs a Redis URL: pass --redis redis://host:6379 or set execution.redis.url in ${sweep}\n`);
    const bad = spawnSync(process.execPath, [CLI, 'run', sweep, '--executor', 'redis', '--redis', 'http://127.0.0.1:6379'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe("error: --redis: expected a redis:// or rediss:// URL, got 'http://127.0.0.1:6379'\n");
    // A mistyped URL's password is not echoed, by run or by worker.
    for (const args of [
      ['run', sweep, '--executor', 'redis', '--redis', 'redis//:s3cret@host:6379'],
      ['worker', '--redis', 'redis//:s3cret@host:6379'],
    ]) {
      const typo = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
      expect(typo.status).toBe(2);
      expect(typo.stderr).toBe("error: --redis: expected a redis:// or rediss:// URL, got 'redis//***@host:6379'\n");
    }
    const config = write(
      'bad-url.yaml',
      `name: bad_url\ndata: {synthetic: {bars: 100, seed: 1}}\nstrategy: {type: sma_crossover, fast: 5, slow: 20}\nexecution:\n  executor: redis\n  redis: {url: 'localhost:6379'}\n`,
    );
    const v = spawnSync(process.execPath, [CLI, 'validate', config], { encoding: 'utf8' });
    expect(v.status).toBe(2);
    expect(v.stderr).toContain(
      `${config}:6:16: execution.redis.url: a redis:// or rediss:// URL, e.g. redis://user:password@host:6379, found "localhost:6379"`,
    );
  });
});
