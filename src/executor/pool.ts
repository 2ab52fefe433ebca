import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { unpack } from 'msgpackr';
import { Piscina } from 'piscina';
import type { MarketData } from '../data/series.js';
import type { ParameterSet } from '../engine/spec.js';
import type { Trade } from '../engine/trade.js';
import { SummaryBuffer } from '../reduce/summary.js';
import type { SetResult, TopologyOptions } from '../topology/topology.js';
import { packageRoot } from '../version.js';
import type { SignalInfo } from '../signals/generate.js';
import type { Executor, GenerateOptions } from './executor.js';
import type { BatchReply, BatchTask } from '../../workers/batch.js';

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
  /** Sets one task may carry at most (sizes the shared summary buffer: (workers + 1) × maxBatch slots). */
  readonly maxBatch?: number;
}

export const WORKER_FILE = join(packageRoot(), 'dist', 'workers', 'entry.cjs');

/**
 * Parameter-set batches on a Piscina pool of worker threads. Market data travels as
 * SharedArrayBuffer-backed columns (shared, never copied); each finished set's metrics come back
 * through a shared summary buffer, trades (only when asked for) msgpack-packed. Workers are
 * recycled after a number of tasks or past a heap ceiling, between tasks.
 */
export class PoolExecutor implements Executor {
  readonly name = 'pool';
  readonly concurrency: number;
  readonly maxBatch: number;
  private readonly pool: Piscina<BatchTask, BatchReply>;
  private readonly summary: SummaryBuffer;
  private readonly tasksByThread = new Map<number, number>();
  /** Callers waiting for summary slots, first come first served. */
  private readonly waiting: { n: number; resolve: (slots: Int32Array) => void }[] = [];
  private recycling: Promise<void> = Promise.resolve();
  recycled = 0;

  constructor(private readonly options: PoolOptions = {}) {
    const workers = options.workers === undefined || options.workers === 'auto' ? availableParallelism() : options.workers;
    this.concurrency = workers;
    this.maxBatch = options.maxBatch ?? 4096;
    this.pool = new Piscina<BatchTask, BatchReply>({
      filename: WORKER_FILE,
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: 60_000,
      concurrentTasksPerWorker: 1,
      resourceLimits: { maxOldGenerationSizeMb: options.maxOldGenerationMb ?? 2048 },
    });
    // The search keeps one batch more in flight than there are workers.
    this.summary = new SummaryBuffer((workers + 1) * this.maxBatch);
  }

  /** Waits until n summary slots are free (several searches may share the pool, e.g. walk-forward windows). */
  private slotsFor(n: number): Promise<Int32Array> {
    if (n > this.summary.capacity) return Promise.reject(new Error(`a batch of ${n} sets exceeds the pool's ${this.summary.capacity} summary slots`));
    if (this.waiting.length === 0 && this.summary.available >= n) return Promise.resolve(this.summary.acquire(n));
    return new Promise((resolve) => this.waiting.push({ n, resolve }));
  }

  /** Frees slots and hands them, in arrival order, to the callers waiting for them. */
  private releaseSlots(slots: Int32Array): void {
    this.summary.release(slots);
    while (this.waiting.length > 0 && this.summary.available >= this.waiting[0].n) {
      const next = this.waiting.shift()!;
      next.resolve(this.summary.acquire(next.n));
    }
  }

  /** `plugins`: this batch's plugin folders (a `fanfold worker` serves runs of different workflows). */
  async runBatch(data: MarketData, sets: readonly ParameterSet[], options: TopologyOptions, plugins: readonly string[] = this.options.plugins ?? []): Promise<SetResult[]> {
    await this.recycling;
    const slots = await this.slotsFor(sets.length);
    const abort = new AbortController();
    const timer = this.options.taskTimeoutMs ? setTimeout(() => abort.abort(), this.options.taskTimeoutMs) : null;
    try {
      const task: BatchTask = {
        data,
        sets,
        kind: 'run',
        options: { window: options.window, periodsPerYear: options.periodsPerYear, storeTrades: options.storeTrades, trace: options.trace, replay: options.replay },
        summary: this.summary.handle,
        capacity: this.summary.capacity,
        slots,
        plugins,
      };
      let reply: BatchReply;
      try {
        reply = await this.pool.run(task, { signal: abort.signal });
      } catch (error) {
        if (abort.signal.aborted) throw new Error(`task timed out after ${this.options.taskTimeoutMs} ms`);
        throw error;
      }
      const trades = reply.trades ? (unpack(reply.trades) as (Trade[] | null)[]) : null;
      const results = sets.map((_, i) => ({ metrics: this.summary.read(slots[i]), trades: trades ? trades[i] : null }));
      this.afterTask(reply);
      return results;
    } finally {
      if (timer) clearTimeout(timer);
      this.releaseSlots(slots);
    }
  }

  /** Signal generation in a worker: it writes the signal files itself and replies with their index rows. */
  async generateSignals(data: MarketData, sets: readonly ParameterSet[], options: GenerateOptions): Promise<SignalInfo[]> {
    await this.recycling;
    const task: BatchTask = { kind: 'generate', data, sets, options: { window: options.window, trace: options.trace }, dir: options.dir, summary: this.summary.handle, capacity: this.summary.capacity, slots: new Int32Array(0), plugins: this.options.plugins ?? [] };
    const reply = await this.pool.run(task);
    this.afterTask(reply);
    return reply.signals!;
  }

  /** Replaces a worker that ran its quota of tasks or grew past the heap ceiling, while it is idle. */
  private afterTask(reply: BatchReply): void {
    const count = (this.tasksByThread.get(reply.threadId) ?? 0) + 1;
    this.tasksByThread.set(reply.threadId, count);
    const tooMany = this.options.maxTasksPerWorker !== undefined && count >= this.options.maxTasksPerWorker;
    const tooBig = this.options.heapCeilingMb !== undefined && reply.heapUsed > this.options.heapCeilingMb * 1024 * 1024;
    if (!tooMany && !tooBig) return;
    const worker = this.pool.threads.find((w) => w.threadId === reply.threadId);
    if (!worker) return;
    this.tasksByThread.delete(reply.threadId);
    this.recycled++;
    // New tasks wait until the worker is gone, so none is handed to it while it stops.
    this.recycling = this.recycling.then(
      () =>
        new Promise<void>((resolve) => {
          worker.once('exit', () => resolve());
          void worker.terminate();
        }),
    );
  }

  /** Sets completed by workers so far (read from shared memory, for progress). */
  get completed(): number {
    return this.summary.completed;
  }

  async close(): Promise<void> {
    await this.recycling;
    await this.pool.destroy();
  }
}
