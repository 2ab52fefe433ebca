import type { MarketData } from '../data/series.js';
import type { ParameterSet } from '../engine/spec.js';
import type { SignalInfo } from '../signals/generate.js';
import type { SetResult, TopologyOptions } from '../topology/topology.js';

export type GenerateOptions = Pick<TopologyOptions, 'window' | 'trace'> & { readonly dir: string };

/**
 * Runs batches of parameter sets. `inline` runs them in this thread and is the reference every other
 * executor must match bit for bit; pool and queue executors implement the same interface.
 */
export interface Executor {
  readonly name: 'inline' | 'pool' | 'redis';
  /** Batches worth keeping in flight at once. */
  readonly concurrency: number;
  runBatch(data: MarketData, sets: readonly ParameterSet[], options: TopologyOptions): Promise<SetResult[]>;
  /** Runs the signal_generation topology for a batch of strategies and stores their signals in `options.dir`. */
  generateSignals(data: MarketData, sets: readonly ParameterSet[], options: GenerateOptions): Promise<SignalInfo[]>;
  /** Releases the executor; `end` says how the run ended (a queue executor keeps an interrupted run's queue for --resume). */
  close(end?: RunEnd): Promise<void>;
}

export type RunEnd = 'completed' | 'failed' | 'interrupted';
