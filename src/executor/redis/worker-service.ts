import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { hostname } from 'node:os';
import { PoolExecutor } from '../pool.js';
import { VERSION } from '../../version.js';
import { bullConnection, checkRedis, Reachability } from './connect.js';
import { clientNamesIn } from './queues.js';
import { coordinatorClientName, QUEUE_REGISTRY, runMetaKey } from './keys.js';
import { MarketCache } from './market-cache.js';
import { pluginsHash } from './plugins-hash.js';
import { redactedUrl } from '../../common/redis-url.js';
import { decodeFloats, encodeReply, type JobData } from './wire.js';
import { PlanCache } from './plan-cache.js';

/** How long a consumer of a run without a coordinator must have had nothing to do before it is closed. */
const ORPHAN_IDLE_MS = 3_000;

export interface WorkerServiceOptions {
  readonly url: string;
  /** Threads of the local pool (and jobs taken at once per run). */
  readonly workers: number;
  /** How often the registry of live runs is read. */
  readonly pollMs?: number;
  /** A job's lock lasts this long unless renewed (renewed every half of it while the job runs). */
  readonly lockMs?: number;
  /** How often this worker looks for jobs whose worker died (their lock expired) and requeues them. */
  readonly stalledMs?: number;
  readonly log?: (line: string) => void;
  /** Aborting stops taking jobs; jobs running finish and are returned, then the service ends. */
  readonly signal?: AbortSignal;
  /** How long Redis may stay unreachable before the worker ends with an error (default 300 s). */
  readonly unreachableMs?: number;
}

/**
 * `fanfold worker`: finds live runs in the registry Redis keeps, consumes each run's queue with a
 * BullMQ Worker and runs its batches on a local Piscina pool. A worker that dies leaves its job
 * locked until the lock expires; BullMQ's stalled-job check (run by every other worker) puts it
 * back in the queue, so another worker runs it. Resolves when the signal aborts and every running
 * job has finished.
 */
export async function runWorkerService(options: WorkerServiceOptions): Promise<void> {
  const log = options.log ?? (() => {});
  await checkRedis(options.url, log);
  await new WorkerService(options, log).run();
}

/** One `fanfold worker` process: its Redis connection, its pool and the runs it consumes. */
class WorkerService {
  private readonly name = `fanfold-worker-${hostname()}-${process.pid}`;
  private readonly connection: Redis;
  private readonly pool: PoolExecutor;
  private readonly market: MarketCache;
  private readonly plans: PlanCache;
  private readonly consumers = new Map<string, Worker>();
  private readonly refused = new Set<string>();
  private readonly closing = new Set<Promise<void>>();
  // Per consumed run: batches running here and when the last one ended (to tell an idle consumer).
  private readonly activity = new Map<string, { running: number; last: number }>();
  // Runs found registered without a coordinator (told once each).
  private readonly orphans = new Set<string>();
  private clientListRefused = false;
  private lostError: Error | null = null;
  /** Resolves once Redis is lost: the registry poll (which would wait for Redis for ever) races it. */
  private readonly lost: Promise<void>;
  private markLost: () => void = () => {};
  private readonly reachability: Reachability;

  constructor(
    private readonly options: WorkerServiceOptions,
    private readonly log: (line: string) => void,
  ) {
    this.connection = bullConnection(options.url, this.name);
    this.connection.on('error', (e) => log(`redis: ${e.message}`));
    this.pool = new PoolExecutor({ workers: options.workers });
    this.market = new MarketCache(this.connection);
    this.plans = new PlanCache(this.connection);
    this.lost = new Promise<void>((resolve) => (this.markLost = resolve));
    const limitMs = options.unreachableMs ?? 300_000;
    this.reachability = new Reachability([this.connection], limitMs, (downMs) => {
      this.lostError = new Error(
        `redis: ${redactedUrl(options.url)} unreachable for ${Math.round(downMs / 1000)} s (--unreachable-timeout ${limitMs / 1000}); the worker stops (its batches go back to the queue when their locks expire)`,
      );
      this.markLost();
    });
  }

  async run(): Promise<void> {
    const { options, log } = this;
    log(`fanfold worker ${this.name}: ${options.workers} thread${options.workers === 1 ? '' : 's'}, waiting for runs on ${redactedUrl(options.url)}`);
    try {
      while (!options.signal?.aborted && this.lostError === null) {
        try {
          await Promise.race([this.poll(), this.lost]);
        } catch (error) {
          log(`worker: reading the run registry failed: ${error instanceof Error ? error.message : String(error)}`);
        }
        await Promise.race([sleep(options.pollMs ?? 250, options.signal), this.lost]);
      }
      if (this.lostError !== null) {
        // Nothing can be returned to an absent Redis: close without waiting for it.
        this.connection.disconnect();
        await Promise.race([Promise.allSettled([...this.consumers.values()].map((w) => w.close(true))), sleep(2_000, undefined)]);
        throw this.lostError;
      }
      log('worker: stopping; finishing the batches in hand');
      await Promise.all([...this.consumers.values()].map((w) => w.close()));
      await Promise.all(this.closing);
    } finally {
      this.reachability.dispose();
      await this.pool.close();
      this.connection.disconnect();
    }
  }

  private async runJob(job: Job<JobData>): Promise<string> {
    const data = job.data;
    if (data.version !== VERSION) throw new Error(`worker ${this.name} runs fanfold ${VERSION}, the run's coordinator ${data.version}`);
    const [bars, plan, skip] = await Promise.all([
      this.market.get(data.dataKey, data.dataHash),
      this.plans.plan(data.planKey, data.planId),
      data.skipKey ? this.plans.skip(data.skipKey) : null,
    ]);
    if (data.kind === 'test') {
      return encodeReply(
        await this.pool.test(
          {
            plan,
            data: bars,
            trial: data.trial!,
            window: data.window!,
            recordCurve: data.recordCurve!,
            trades: data.trades!,
            traceSegment: data.traceSegment ?? null,
          },
          data.plugins,
        ),
      );
    }
    const range =
      data.points !== undefined
        ? ({ from: 0, to: 0, points: decodeFloats(data.points) } as const)
        : ({ from: data.from!, to: data.to!, points: null } as const);
    return encodeReply(await this.pool.run({ plan, data: bars, range, skip }, 0, data.plugins));
  }

  private tracked(queue: string): (job: Job<JobData>) => Promise<string> {
    return async (job) => {
      const a = this.activity.get(queue) ?? { running: 0, last: Date.now() };
      a.running++;
      try {
        return await this.runJob(job);
      } finally {
        a.running--;
        a.last = Date.now();
      }
    };
  }

  /** Names of the clients Redis lists (CLIENT LIST), or null where that is refused (a managed Redis). */
  private async clientNames(): Promise<Set<string> | null> {
    if (this.clientListRefused) return null;
    try {
      const list = (await this.connection.client('LIST')) as string;
      return new Set(clientNamesIn(list));
    } catch (error) {
      this.clientListRefused = true;
      this.log(
        `worker: CLIENT LIST refused (${error instanceof Error ? error.message : String(error)}); runs whose coordinator died are served until they are removed`,
      );
      return null;
    }
  }

  private leave(queue: string, worker: Worker, why: string): void {
    this.consumers.delete(queue);
    this.activity.delete(queue);
    // In the background: a batch still running must not hold up discovering other runs (or this
    // one again, should it re-register after a Redis restart or be resumed).
    const closed = worker.close().then(
      () => this.log(`worker: run ${queue} ${why}`),
      (e: unknown) => this.log(`worker: closing run ${queue}: ${e instanceof Error ? e.message : String(e)}`),
    );
    this.closing.add(closed);
    void closed.finally(() => this.closing.delete(closed));
  }

  private consume(queue: string): Worker {
    const { options } = this;
    // A connection of its own: BullMQ names a worker's connections after its queue, and the
    // coordinator waits for those names to disappear before deleting the queue.
    const own = bullConnection(options.url, `${this.name}-${queue}`);
    own.on('error', () => {});
    const worker = new Worker<JobData, string>(queue, this.tracked(queue), {
      connection: own,
      name: this.name,
      concurrency: options.workers,
      lockDuration: options.lockMs ?? 30_000,
      stalledInterval: options.stalledMs ?? 30_000,
      maxStalledCount: 1,
      // Seconds an idle worker blocks waiting for a job; closing waits for that call to return, so
      // short keeps leaving a finished run (and the coordinator's cleanup, which waits for it) quick.
      drainDelay: 1,
    });
    worker.on('error', (e) => this.log(`worker ${queue}: ${e.message}`));
    worker.on('failed', (job, e) => this.log(`worker ${queue}: batch ${job?.id ?? '?'} failed: ${e.message}`));
    worker.on('closed', () => own.disconnect());
    this.activity.set(queue, { running: 0, last: Date.now() });
    return worker;
  }

  /** One look at the registry: consume new coordinated runs, leave ended ones and idle orphans. */
  private async poll(): Promise<void> {
    const live = new Set(await this.connection.smembers(QUEUE_REGISTRY));
    const clients = live.size > 0 ? await this.clientNames() : null;
    for (const queue of live) {
      // A run whose coordinator died stays registered (and keeps its queue) for --resume. Batches
      // already queued are still run (a resumed run reuses them); then its consumer is closed, so
      // runs nobody resumes do not pile up idle consumers and connections here.
      const coordinated = clients === null || clients.has(coordinatorClientName(queue));
      if (coordinated) this.orphans.delete(queue);
      const consumer = this.consumers.get(queue);
      if (consumer !== undefined) {
        const a = this.activity.get(queue);
        if (!coordinated && a !== undefined && a.running === 0 && Date.now() - a.last >= ORPHAN_IDLE_MS) {
          this.orphans.add(queue);
          this.leave(queue, consumer, 'has no coordinator and no batch left here; left until it is resumed');
        }
        continue;
      }
      if (this.refused.has(queue)) continue;
      const reason = mismatch(await this.connection.hgetall(runMetaKey(queue)));
      if (reason !== null) {
        this.refused.add(queue);
        this.log(`worker: not taking run ${queue}: ${reason}`);
        continue;
      }
      if (!coordinated) {
        if (!this.orphans.has(queue)) this.log(`worker: not taking run ${queue}: no coordinator is connected (it resumes when one is)`);
        this.orphans.add(queue);
        continue;
      }
      this.consumers.set(queue, this.consume(queue));
      this.log(`worker: taking batches of run ${queue}`);
    }
    for (const [queue, worker] of this.consumers) if (!live.has(queue)) this.leave(queue, worker, 'ended');
  }
}

/** Why this worker must not run a run's batches (other fanfold version, other plugin code), or null. */
function mismatch(meta: Record<string, string>): string | null {
  if (meta.version !== undefined && meta.version !== VERSION) return `its coordinator runs fanfold ${meta.version}, this worker ${VERSION}`;
  if (meta.plugins === undefined || meta.plugins_hash === undefined) return null;
  const folders = JSON.parse(meta.plugins) as string[];
  let local: string;
  try {
    local = pluginsHash(folders);
  } catch (error) {
    return `cannot read its plugin folders here (${error instanceof Error ? error.message : String(error)})`;
  }
  return local === meta.plugins_hash ? null : `its plugin modules (${folders.join(', ')}) differ from this machine's copy`;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
