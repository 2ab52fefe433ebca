/**
 * The worker Piscina loads (compiled to dist/workers/batch.js): runs one batch of parameter sets as
 * one optimization topology over market data shared by SharedArrayBuffer, writes each set's metric
 * row into its summary slot and returns only what the metrics row cannot carry (the trades, packed).
 */
import { threadId } from 'node:worker_threads';
import { pack } from 'msgpackr';
import { loadPlugins } from '../src/coordinator/plugins.js';
import type { MarketData } from '../src/data/series.js';
import type { ParameterSet } from '../src/engine/spec.js';
import { SummaryBuffer, type SummaryHandle } from '../src/reduce/summary.js';
import { runBatch } from '../src/topology/run.js';
import { generateSignals, type SignalInfo } from '../src/signals/generate.js';
import type { TopologyOptions } from '../src/topology/topology.js';

export interface BatchTask {
  /** run: backtest the sets (optimization or signal_replay topology); generate: store their signals in `dir`. */
  readonly kind: 'run' | 'generate';
  readonly data: MarketData;
  readonly sets: readonly ParameterSet[];
  readonly options: Pick<TopologyOptions, 'window' | 'periodsPerYear' | 'storeTrades' | 'trace' | 'replay'>;
  readonly dir?: string;
  readonly summary: SummaryHandle;
  readonly capacity: number;
  readonly slots: Int32Array;
  readonly plugins: readonly string[];
}

export interface BatchReply {
  readonly threadId: number;
  readonly heapUsed: number;
  /** msgpack of the sets' trade lists, in order, when trades were asked for. */
  readonly trades: Uint8Array | null;
  /** generate: the stored signal sets' index rows. */
  readonly signals?: SignalInfo[];
}

let summary: SummaryBuffer | null = null;
let summaryOf: SharedArrayBuffer | null = null;

export default async function runTask(task: BatchTask): Promise<BatchReply> {
  if (task.plugins.length > 0) await loadPlugins(task.plugins);
  if (summaryOf !== task.summary.metrics) {
    summary = new SummaryBuffer(task.capacity, task.summary);
    summaryOf = task.summary.metrics;
  }
  if (task.kind === 'generate') {
    const signals = generateSignals(task.data, task.sets, { ...task.options, dir: task.dir! });
    return { threadId, heapUsed: process.memoryUsage().heapUsed, trades: null, signals };
  }
  const results = runBatch(task.data, task.sets, task.options);
  for (let i = 0; i < results.length; i++) summary!.write(task.slots[i], results[i].metrics);
  return {
    threadId,
    heapUsed: process.memoryUsage().heapUsed,
    trades: task.options.storeTrades ? pack(results.map((r) => r.trades)) : null,
  };
}
