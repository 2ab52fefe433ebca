import type { TestReply, TestTask, WorkReply, WorkTask } from '../batch/work.js';
import type { MarketData } from '../data/series.js';
import type { ParameterSet } from '../types.js';
import type { SignalInfo } from '../batch/generate-signals.js';
import type { TopologyOptions } from '../topology/topology.js';
import type { ExecutorName } from '../common/names.js';

export type GenerateOptions = Pick<TopologyOptions, 'window' | 'trace'> & { readonly dir: string };

/**
 * Runs the parts of searches. A task names a plan and a range of its points (batch/work.ts); the
 * executor's workers build the sets, run them and pack the rows to store. `inline` runs tasks in
 * this thread and is the reference every other executor must match bit for bit; pool and queue
 * executors implement the same interface.
 */
export interface Executor {
  readonly name: ExecutorName;
  /** Tasks worth keeping in flight at once. */
  readonly concurrency: number;
  /** `setBars` (points × bars of the whole search) tells how much work the search is, for executors that start lazily. */
  run(task: WorkTask, setBars: number): Promise<WorkReply>;
  /** One chosen set on one window: a test window, the base run of a Monte Carlo resampling. */
  test(task: TestTask): Promise<TestReply>;
  /** Runs the signal_generation topology for a batch of strategies and stores their signals in `options.dir`. */
  generateSignals(data: MarketData, sets: readonly ParameterSet[], options: GenerateOptions): Promise<SignalInfo[]>;
  /** A queue executor hands the store the rows of tasks a killed coordinator of this run left finished. */
  adopt?(commit: (rows: Uint8Array) => Promise<void>): Promise<void>;
  /** Releases the executor; `end` says how the run ended (a queue executor keeps an interrupted run's queue for --resume). */
  close(end?: RunEnd): Promise<void>;
}

export type RunEnd = 'completed' | 'failed' | 'interrupted';

/**
 * The executor itself is gone (a Redis unreachable for longer than allowed): no batch can run, so
 * a search stops on it instead of recording its sets as failed trials one by one.
 */
export class ExecutorLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecutorLostError';
  }
}
