import type { MarketData } from '../data/series.js';
import type { ParameterSet } from '../engine/spec.js';
import { Topology, type SetResult, type TopologyOptions } from './topology.js';

/** One parameter set through the `backtest` topology. */
export function runBacktest(data: MarketData, set: ParameterSet, options?: TopologyOptions): SetResult {
  return new Topology('backtest', data, [set], options).run()[0];
}

/** Many parameter sets in one pass over the bars: the `optimization` topology, or `signal_replay` when options.replay names a signal store. */
export function runBatch(data: MarketData, sets: readonly ParameterSet[], options?: TopologyOptions): SetResult[] {
  return new Topology(options?.replay ? 'signal_replay' : 'optimization', data, sets, options).run();
}
