import type { MarketData } from '../data/series.js';
import { inferPeriodsPerYear } from '../data/load.js';
import { runKernel } from '../engine/batch/kernel.js';
import type { ParameterSet } from '../types.js';
import { LocalColumns, type ColumnSource } from '../features/columns.js';
import { Topology, type SetResult, type TopologyOptions } from './topology.js';

/** This thread's feature columns (a pool worker gets the pool's shared ones instead, see `useColumns`). */
let columns: ColumnSource = new LocalColumns();

/** Sets where the batch kernel of this thread takes its whole-series feature columns from. */
export function useColumns(source: ColumnSource): void {
  columns = source;
}

/** One parameter set through the `backtest` topology. */
export function runBacktest(data: MarketData, set: ParameterSet, options?: TopologyOptions): SetResult {
  return new Topology('backtest', data, [set], options).run()[0];
}

/**
 * Many parameter sets in one pass over the bars: the `optimization` topology, or `signal_replay`
 * when options.replay names a signal store. Without tracing or observers (which need the events),
 * the optimization topology runs as the batch kernel, which gives the same bits without
 * dispatching events.
 */
export function runBatch(data: MarketData, sets: readonly ParameterSet[], options: TopologyOptions = {}): SetResult[] {
  if (options.replay) return new Topology('signal_replay', data, sets, options).run();
  const window = options.window ?? { start: 0, end: data.time.length };
  const valid = sets.length > 0 && window.start >= 0 && window.start < window.end && window.end <= data.time.length;
  // The topology also refuses an empty batch or a window outside the data, with the message users see.
  if (!valid || options.trace || options.observe || options.extraContainers || options.onBus) return new Topology('optimization', data, sets, options).run();
  return runKernel(data, sets, {
    window,
    periodsPerYear: options.periodsPerYear ?? inferPeriodsPerYear(data.time),
    storeTrades: options.storeTrades ?? false,
    recordCurves: options.recordCurves ?? false,
    blocks: options.blocks ?? null,
    columns,
  });
}
