import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { runTest, runWork, type TestReply, type TestTask, type WorkReply, type WorkTask } from '../batch/work.js';
import type { MarketData } from '../data/series.js';
import type { ParameterSet } from '../types.js';
import { DEFAULT_COLUMN_BYTES } from '../features/columns.js';
import { sharedColumnsHandle, type SharedColumnsHandle } from '../features/shared-columns.js';
import { packageRoot } from '../version.js';
import type { SignalInfo } from '../batch/generate-signals.js';
import type { Executor, GenerateOptions } from './executor.js';
import type { PoolReply, PoolTask, PoolTaskBody } from '../../workers/batch.js';

export interface PoolOptions {
  readonly workers?: number | 'auto';
  /** A worker is replaced after this many tasks (bounds leaks in user strategies). */
  readonly maxTasksPerWorker?: number;
  /** ... or when its heap passes this many MiB after a task. */
  readonly heapCeilingMb?: number;
  /** Hard limit of a worker's old generation; beyond it the worker dies and its task fails. */
  readonly maxOldGenerationMb?: number;
  /** A task running longer is aborted (its worker is terminated) and counts as failed. */
  readonly taskTimeoutMs?: number;
  readonly plugins?: readonly string[];
  /** Bytes of whole-series feature columns the workers share (default 512 MiB); beyond, features update per batch. */
  readonly featureBytes?: number;
  /**
   * While no worker is started, a task of at most this many set-bars runs in the coordinator's
   * thread (a small run is then not dominated by starting threads). 0 (the default): always the pool.
   */
  readonly inlineBelow?: number;
  /** Start the worker threads now (they boot while the coordinator reads the config and the data); default: on the first task. */
  readonly eager?: boolean;
}

export const WORKER_FILE = join(packageRoot(), 'dist', 'workers', 'entry.cjs');

/**
 * Tasks on a Piscina pool of worker threads, started on the first task that needs it. Market data
 * travels as SharedArrayBuffer-backed columns (shared, never copied), feature columns are computed
 * once into shared memory for all workers, a task names only its plan and its points, and its
 * packed rows come back by transfer. Workers are recycled after a number of tasks or past a heap
 * ceiling, between tasks.
 */
export class PoolExecutor implements Executor {
  readonly name = 'pool';
  readonly concurrency: number;
  private pool: Piscina<PoolTask, PoolReply> | null = null;
  private columns: SharedColumnsHandle | null = null;
  private readonly tasksByThread = new Map<number, number>();
  private recycling: Promise<void> = Promise.resolve();
  recycled = 0;

  constructor(private readonly options: PoolOptions = {}) {
    this.concurrency = options.workers === undefined || options.workers === 'auto' ? availableParallelism() : options.workers;
    if (options.eager) this.started();
  }

  private started(): { pool: Piscina<PoolTask, PoolReply>; columns: SharedColumnsHandle } {
    if (this.pool === null) {
      this.columns = sharedColumnsHandle(this.options.featureBytes ?? DEFAULT_COLUMN_BYTES);
      this.pool = new Piscina<PoolTask, PoolReply>({
        filename: WORKER_FILE,
        minThreads: this.concurrency,
        maxThreads: this.concurrency,
        idleTimeout: 60_000,
        concurrentTasksPerWorker: 1,
        resourceLimits: { maxOldGenerationSizeMb: this.options.maxOldGenerationMb ?? 2048 },
      });
    }
    return { pool: this.pool, columns: this.columns! };
  }

  /** A tiny search before any worker exists runs here: same code, same bits, no thread start-up. */
  private inline(setBars: number): boolean {
    const below = this.options.inlineBelow ?? 0;
    return this.pool === null && below > 0 && setBars <= below && (this.options.plugins ?? []).length === 0;
  }

  private async send(task: PoolTaskBody, plugins: readonly string[] = this.options.plugins ?? [], again = true): Promise<PoolReply> {
    if (!this.recycles) return this.attempt(task, plugins, again);
    // With recycling, no task waits in Piscina's queue: one it had handed to a worker being
    // replaced would fail with it. At most one task per worker is in flight here.
    while (this.busy >= this.concurrency) await new Promise<void>((resolve) => this.freed.push(resolve));
    this.busy++;
    try {
      return await this.attempt(task, plugins, again);
    } finally {
      this.busy--;
      this.freed.shift()?.();
    }
  }

  private get recycles(): boolean {
    return this.options.maxTasksPerWorker !== undefined || this.options.heapCeilingMb !== undefined;
  }

  private busy = 0;
  private readonly freed: (() => void)[] = [];

  private async attempt(task: PoolTaskBody, plugins: readonly string[], again: boolean): Promise<PoolReply> {
    const recycledBefore = this.recycled;
    // Until no replacement is under way (one may start while this waits for another).
    for (let r = this.recycling; ; r = this.recycling) {
      await r;
      if (r === this.recycling) break;
    }
    const { pool, columns } = this.started();
    // An abort signal (and its listener in Piscina) only when a task can time out.
    const abort = this.options.taskTimeoutMs ? new AbortController() : null;
    const timer = abort ? setTimeout(() => abort.abort(), this.options.taskTimeoutMs) : null;
    try {
      const reply = await pool.run({ ...task, plugins, columns, measureHeap: this.options.heapCeilingMb !== undefined }, abort ? { signal: abort.signal } : {});
      this.afterTask(reply);
      return reply;
    } catch (error) {
      if (abort?.signal.aborted) throw new Error(`task timed out after ${this.options.taskTimeoutMs} ms`, { cause: error });
      // Piscina may have handed this task to a worker being recycled: run it again on another (a
      // task that fails while no worker was recycled fails for its own reasons).
      if (again && this.recycled !== recycledBefore) return this.attempt(task, plugins, true);
      throw error;
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  /**
   * `setBars`: the whole search's points × bars (a small search runs inline while no worker is
   * started); `plugins`: this task's plugin folders (a `fanfold worker` serves runs of different workflows).
   */
  async run(task: WorkTask, setBars: number, plugins?: readonly string[]): Promise<WorkReply> {
    if (plugins === undefined && this.inline(setBars)) return runWork(task);
    return (await this.send({ kind: 'work', task }, plugins)).work!;
  }

  async test(task: TestTask, plugins?: readonly string[]): Promise<TestReply> {
    if (plugins === undefined && this.inline(task.window.end - task.window.start)) return runTest(task);
    return (await this.send({ kind: 'test', task }, plugins)).test!;
  }

  /** Signal generation in a worker: it writes the signal files itself and replies with their index rows. */
  async generateSignals(data: MarketData, sets: readonly ParameterSet[], options: GenerateOptions): Promise<SignalInfo[]> {
    return (await this.send({ kind: 'generate', data, sets, options: { window: options.window, trace: options.trace }, dir: options.dir })).signals!;
  }

  /** Replaces a worker that ran its quota of tasks or grew past the heap ceiling, while it is idle. */
  private afterTask(reply: PoolReply): void {
    const count = (this.tasksByThread.get(reply.threadId) ?? 0) + 1;
    this.tasksByThread.set(reply.threadId, count);
    const tooMany = this.options.maxTasksPerWorker !== undefined && count >= this.options.maxTasksPerWorker;
    const tooBig = this.options.heapCeilingMb !== undefined && reply.heapUsed > this.options.heapCeilingMb * 1024 * 1024;
    if (!tooMany && !tooBig) return;
    const worker = this.pool?.threads.find((w) => w.threadId === reply.threadId);
    if (!worker) return;
    this.tasksByThread.delete(reply.threadId);
    this.recycled++;
    // New tasks wait until the worker is gone (and none waits in Piscina's queue meanwhile: send).
    this.recycling = this.recycling.then(
      () =>
        new Promise<void>((resolve) => {
          worker.once('exit', () => resolve());
          void worker.terminate();
        }),
    );
  }

  async close(): Promise<void> {
    await this.recycling;
    await this.pool?.destroy();
  }
}
