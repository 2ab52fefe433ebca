import { createHash } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { PlanRef } from '../../batch/plan.js';
import type { TestReply, TestTask, WorkReply, WorkTask } from '../../batch/work.js';
import type { MarketData } from '../../data/series.js';
import type { ParameterSet } from '../../types.js';
import { VERSION } from '../../version.js';
import type { SignalInfo } from '../../batch/generate-signals.js';
import { PoolExecutor } from '../pool.js';
import { ExecutorLostError, type Executor, type GenerateOptions, type RunEnd } from '../executor.js';
import { bullConnection, checkRedis, Reachability } from './connect.js';
import { coordinatorClientName, marketDataKey, planKey, QUEUE_REGISTRY, runMetaKey, skipKey, taskJobId } from './keys.js';
import { removeRun } from './queues.js';
import { packMarketData } from './market-wire.js';
import { pluginsHash } from './plugins-hash.js';
import { redactedUrl } from '../../common/redis-url.js';
import { decodeTestReply, decodeWorkReply, encodeFloats, type JobData } from './wire.js';

export interface RedisExecutorOptions {
  readonly url: string;
  /** The run's queue (see queueNameFor). */
  readonly queue: string;
  /** Batches kept queued at once: about the total worker threads across machines. */
  readonly inFlight: number;
  readonly plugins?: readonly string[];
  readonly log?: (line: string) => void;
  /** How often a batch in flight is checked for still being in Redis (default 10 s). */
  readonly watchMs?: number;
  /** How long Redis may stay unreachable mid-run before the run stops with an error (default 300 s). */
  readonly unreachableMs?: number;
}

/** Cleanup of a finished run gives up after this long (Redis gone): the keys then stay. */
const CLEANUP_TIMEOUT_MS = 15_000;
/** How long a finished run waits for workers to leave its queue (they poll the registry every 250 ms by default). */
const WORKERS_LEAVE_MS = 5_000;

/**
 * Tasks as BullMQ jobs on one queue per run, run by `fanfold worker` processes on any machine.
 * Market data and each search's plan go to Redis once (by content hash); a job carries only a
 * range of the plan's grid indices (or packed point indices) and keys, so what the coordinator
 * sends per job does not grow with its sets. A reply is the workers' packed rows, handed to the
 * results store as they are. Job ids are content hashes, so an identical task enqueued again is
 * one job. Rows finished while no coordinator was listening (it was killed) are committed to the
 * store when the run resumes (`adopt`), so the resumed searches skip them whatever the new batching.
 */
export class RedisExecutor implements Executor {
  readonly name = 'redis';
  readonly concurrency: number;
  private readonly published = new Map<string, Promise<void>>();
  /** Packed rows of tasks a previous coordinator of this run left finished (committed by `adopt`). */
  private leftover: Uint8Array[] = [];
  /** This machine's pool for signal generation (made on first use). */
  private generator: PoolExecutor | null = null;
  /** Rejects once Redis has been unreachable too long: every wait races it. */
  private readonly lost: Promise<never>;
  private lostError: ExecutorLostError | null = null;
  private readonly reachability: Reachability;

  private constructor(
    private readonly options: RedisExecutorOptions,
    private readonly connection: Redis,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly eventsConnection: Redis,
  ) {
    this.concurrency = options.inFlight;
    let reject: (error: ExecutorLostError) => void = () => {};
    this.lost = new Promise<never>((_, r) => (reject = r));
    this.lost.catch(() => {});
    const limitMs = options.unreachableMs ?? 300_000;
    this.reachability = new Reachability([connection, eventsConnection], limitMs, (downMs) => {
      this.lostError = new ExecutorLostError(
        `redis: ${redactedUrl(options.url)} unreachable for ${Math.round(downMs / 1000)} s (execution.redis.unreachable_timeout: ${limitMs / 1000}); the run stops here, every finished trial is stored: resume it with --resume once Redis is back`,
      );
      reject(this.lostError);
    });
  }

  /** `work`, unless Redis is lost first. */
  private orLost<T>(work: Promise<T>): Promise<T> {
    work.catch(() => {});
    return Promise.race([work, this.lost]);
  }

  /**
   * Checks Redis (reachable, credentials, noeviction), opens the run's queue and registers it for
   * workers. A queue left by an earlier coordinator of this run (killed, or Ctrl-C'd) is taken over:
   * its finished results are kept for reuse, its waiting and failed jobs dropped.
   */
  static async open(options: RedisExecutorOptions): Promise<RedisExecutor> {
    const log = options.log ?? (() => {});
    await checkRedis(options.url, log);
    const connection = bullConnection(options.url, coordinatorClientName(options.queue));
    const queue = new Queue(options.queue, { connection });
    const eventsConnection = bullConnection(options.url, `fanfold-events-${options.queue}`);
    const events = new QueueEvents(options.queue, { connection: eventsConnection });
    // The queue and its events log what goes wrong; without a listener ioredis prints each failed reconnect's stack.
    connection.on('error', () => {});
    eventsConnection.on('error', () => {});
    // Every batch in flight waits on these events, and a job's wait listens for the queue closing
    // (a search's robustness re-runs put a test per top-k set in flight at once).
    events.setMaxListeners(0);
    queue.setMaxListeners(0);
    queue.on('error', (e) => log(`redis: queue error: ${e.message}`));
    events.on('error', (e) => log(`redis: queue events error: ${e.message}`));
    const executor = new RedisExecutor(options, connection, queue, events, eventsConnection);
    try {
      await executor.orLost(
        (async () => {
          await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
          await executor.takeOver(log);
          await executor.register();
        })(),
      );
    } catch (error) {
      await executor.disconnect();
      throw error;
    }
    log(`redis: queue ${options.queue} on ${redactedUrl(options.url)}, ${options.inFlight} batches in flight; run workers with: fanfold worker --redis <url>`);
    return executor;
  }

  private async takeOver(log: (line: string) => void): Promise<void> {
    const finished = await this.queue.getJobs(['completed']);
    let points = 0;
    for (const job of finished) {
      const data = job.data as JobData;
      if (typeof job.returnvalue !== 'string' || data.kind !== 'work') continue;
      const reply = decodeWorkReply(job.returnvalue);
      if (reply.points > 0) this.leftover.push(reply.rows);
      points += reply.points;
    }
    if (finished.length > 0) log(`redis: keeping ${points} results of ${finished.length} batches finished while no coordinator listened`);
    // Waiting batches were cut for the old coordinator's batching; this one enqueues its own.
    await this.queue.drain(true);
    await this.queue.clean(0, 0, 'failed');
  }

  /**
   * Hands the rows of tasks finished while no coordinator listened to the store (before the
   * resumed searches ask it what they can skip); their jobs are removed once committed.
   */
  async adopt(commit: (rows: Uint8Array) => Promise<void>): Promise<void> {
    await this.orLost(this.adoptLeftover(commit));
  }

  private async adoptLeftover(commit: (rows: Uint8Array) => Promise<void>): Promise<void> {
    for (const rows of this.leftover) await commit(rows);
    this.leftover = [];
    const finished = await this.queue.getJobs(['completed']);
    for (const job of finished) await job.remove();
  }

  /** Makes the run known to workers, with what they must match (fanfold version, plugin code). */
  private async register(): Promise<void> {
    const plugins = this.options.plugins ?? [];
    await this.connection.hset(runMetaKey(this.options.queue), { version: VERSION, plugins: JSON.stringify(plugins), plugins_hash: pluginsHash(plugins) });
    await this.connection.sadd(QUEUE_REGISTRY, this.options.queue);
  }

  /** Stores a value under the run once per key (SET NX: a resumed run's copy stays). */
  private publish(key: string, value: () => Buffer | Uint8Array): Promise<void> {
    let done = this.published.get(key);
    if (!done) {
      done = this.connection.set(key, Buffer.from(value()), 'NX').then(() => undefined);
      done.catch(() => this.published.delete(key));
      this.published.set(key, done);
    }
    return done;
  }

  /** The market data, the plan and the skipped points of a task, in Redis; the job data naming them. */
  private async stage(data: MarketData, plan: PlanRef, skip: Float64Array | null): Promise<Omit<JobData, 'kind'>> {
    const q = this.options.queue;
    const dataKey = marketDataKey(q, data.hash);
    const planAt = planKey(q, plan.id);
    // By content: a run resumed twice stores a longer list the second time (and workers cache by key).
    const skipAt =
      skip === null
        ? null
        : skipKey(
            q,
            `${plan.id}-${createHash('sha256')
              .update(new Uint8Array(skip.buffer, skip.byteOffset, skip.byteLength))
              .digest('hex')}`,
          );
    await Promise.all([
      this.publish(dataKey, () => packMarketData(data)),
      this.publish(planAt, () => plan.bytes),
      skipAt === null ? Promise.resolve() : this.publish(skipAt, () => new Uint8Array(skip!.buffer, skip!.byteOffset, skip!.byteLength)),
    ]);
    return { version: VERSION, dataKey, dataHash: data.hash, planKey: planAt, planId: plan.id, plugins: this.options.plugins ?? [], skipKey: skipAt };
  }

  /**
   * Signal generation runs on this machine's cores (a local pool): the signal store is a folder of
   * this machine, which workers elsewhere cannot write, and one pass per strategy is cheap next to
   * the sweep that replays it.
   */
  async generateSignals(data: MarketData, sets: readonly ParameterSet[], options: GenerateOptions): Promise<SignalInfo[]> {
    this.generator ??= new PoolExecutor({ workers: 'auto', plugins: this.options.plugins });
    return this.generator.generateSignals(data, sets, options);
  }

  async run(task: WorkTask): Promise<WorkReply> {
    const base = await this.orLost(this.stage(task.data, task.plan, task.skip));
    const range = task.range;
    const jobData: JobData = {
      ...base,
      kind: 'work',
      ...(range.points === null ? { from: range.from, to: range.to } : { points: encodeFloats(range.points) }),
    };
    const jobId = taskJobId([
      'work',
      task.plan.id,
      task.data.hash,
      range.points === null ? `${range.from}-${range.to}` : jobData.points!,
      task.skip?.length ?? 0,
    ]);
    return decodeWorkReply(await this.finish(jobId, jobData));
  }

  async test(task: TestTask): Promise<TestReply> {
    const base = await this.orLost(this.stage(task.data, task.plan, null));
    const jobData: JobData = {
      ...base,
      kind: 'test',
      trial: task.trial,
      window: task.window,
      recordCurve: task.recordCurve,
      trades: task.trades,
      traceSegment: task.traceSegment,
    };
    const jobId = taskJobId([
      'test',
      task.plan.id,
      task.data.hash,
      task.trial,
      task.window.start,
      task.window.end,
      task.recordCurve ? 1 : 0,
      task.trades ? 1 : 0,
    ]);
    return decodeTestReply(await this.finish(jobId, jobData));
  }

  /** Enqueues a job and waits for its packed reply; the job is removed once read (or failed). */
  private async finish(jobId: string, jobData: JobData): Promise<string> {
    // Finished jobs are removed once read (a million-trial run must not pile results up in Redis);
    // a failed one too, so that the search's retry enqueues it afresh.
    const job = await this.orLost(this.queue.add(jobData.kind, jobData, { jobId, removeOnComplete: false, removeOnFail: false }));
    let reply: unknown;
    try {
      reply = await this.orLost(this.watch(jobId, job.waitUntilFinished(this.events)));
    } catch (error) {
      if (!(error instanceof ExecutorLostError)) await this.orLost(this.queue.remove(jobId)).catch(() => 0);
      throw error;
    }
    await this.orLost(this.queue.remove(jobId)).catch(() => 0);
    if (typeof reply !== 'string') throw new Error(`job ${jobId} returned ${typeof reply}, not a packed reply`);
    return reply;
  }

  /**
   * Waits for a job, checking now and then that it still exists: a Redis restarted without
   * persistence (or flushed) loses every job, and nothing would ever finish them. A lost job is an
   * error (the search enqueues the batch again) and the run registers itself and its data anew.
   */
  private async watch(jobId: string, finished: Promise<unknown>): Promise<unknown> {
    finished.catch(() => {});
    const every = this.options.watchMs ?? 10_000;
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<'tick'>((resolve) => (timer = setTimeout(() => resolve('tick'), every)));
      const first = await Promise.race([finished, tick]).finally(() => clearTimeout(timer));
      if (first !== 'tick') return first;
      const state = await this.queue.getJobState(jobId);
      if (state === 'waiting') await this.warnIfNoWorker();
      if (state !== 'unknown') continue;
      this.published.clear();
      await this.register();
      this.options.log?.(`redis: batch ${jobId} vanished from Redis (restarted without persistence, or flushed?); enqueuing it again`);
      throw new Error(`batch ${jobId} vanished from Redis`);
    }
  }

  private warnedAt = 0;

  /** A batch waits and nobody consumes the queue: say so (once a minute), or the run just hangs. */
  private async warnIfNoWorker(): Promise<void> {
    // Every batch in flight asks: the first one claims the minute before awaiting the answer.
    const last = this.warnedAt;
    if (Date.now() - last < 60_000) return;
    this.warnedAt = Date.now();
    const workers = await this.queue.getWorkersCount().catch(() => -1);
    if (workers !== 0) {
      this.warnedAt = last;
      return;
    }
    this.options.log?.(
      `redis: batches are waiting and no worker serves queue ${this.options.queue}; start one: fanfold worker --redis ${redactedUrl(this.options.url)}`,
    );
  }

  /**
   * A completed or failed run removes its queue (every job and BullMQ key), its market data and its
   * registration; an interrupted one leaves them for `--resume`.
   */
  async close(end: RunEnd = 'completed'): Promise<void> {
    this.reachability.dispose();
    try {
      // Redis lost: nothing to clean up there now (a resume takes the queue over, or `fanfold queues --clean` removes it).
      if (end !== 'interrupted' && this.lostError === null)
        await withTimeout(this.cleanUp(), CLEANUP_TIMEOUT_MS, `redis: cleaning up queue ${this.options.queue}`);
    } catch (error) {
      this.options.log?.(`${error instanceof Error ? error.message : String(error)}; its keys remain in Redis`);
    } finally {
      await this.disconnect();
    }
  }

  private async cleanUp(): Promise<void> {
    await removeRun(this.connection, this.options.queue, WORKERS_LEAVE_MS, this.queue);
  }

  private async disconnect(): Promise<void> {
    this.reachability.dispose();
    if (this.lostError !== null) {
      // Redis is away: closing the queue would wait for it; drop the connections first.
      this.connection.disconnect();
      this.eventsConnection.disconnect();
      await withTimeout(Promise.allSettled([this.events.close(), this.queue.close(), this.generator?.close()]), 2_000, 'redis: closing').catch(() => undefined);
      return;
    }
    await Promise.allSettled([this.events.close(), this.queue.close(), this.generator?.close()]);
    this.connection.disconnect();
    this.eventsConnection.disconnect();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms / 1000} s`)), ms)))]).finally(
    () => clearTimeout(timer),
  );
}
