import type { MarketData } from '../data/series.js';
import type { ParameterSet } from '../engine/spec.js';
import { runBatch } from '../topology/run.js';
import type { SetResult, TopologyOptions } from '../topology/topology.js';
import { generateSignals, type SignalInfo } from '../signals/generate.js';
import type { Executor, GenerateOptions } from './executor.js';

/** Same thread, one optimization topology per batch: for debugging and as the reference. */
export class InlineExecutor implements Executor {
  readonly name = 'inline';
  readonly concurrency = 1;

  async runBatch(data: MarketData, sets: readonly ParameterSet[], options: TopologyOptions): Promise<SetResult[]> {
    return runBatch(data, sets, options);
  }

  async generateSignals(data: MarketData, sets: readonly ParameterSet[], options: GenerateOptions): Promise<SignalInfo[]> {
    return generateSignals(data, sets, options);
  }

  async close(): Promise<void> {}
}
