import type { MarketData } from '../data/series.js';
import type { ParameterSet } from '../types.js';
import { Topology, type TopologyOptions } from '../topology/topology.js';
import { SignalStore } from '../signals/file.js';
import { resolvedStrategy, signalKey } from '../signals/key.js';
import { sparsify } from '../engine/sparse-signal.js';

/** What the signal store holds for one strategy (a row of results.db's `signals` table). */
export interface SignalInfo {
  readonly key: string;
  readonly strategy: Record<string, unknown>;
  readonly symbols: readonly string[];
  /** Target changes over all symbols. */
  readonly changes: number;
  readonly bytes: number;
  readonly status: 'created' | 'reused';
}

/**
 * Runs the signal_generation topology for a batch of strategies (one pass over the bars, one shared
 * feature hub) and stores each one's sparse signal under its key in `dir`.
 */
export function generateSignals(
  data: MarketData,
  sets: readonly ParameterSet[],
  options: Pick<TopologyOptions, 'window' | 'trace'> & { readonly dir: string },
): SignalInfo[] {
  const topology = new Topology('signal_generation', data, sets, { window: options.window, trace: options.trace });
  topology.run();
  const { window } = topology;
  const dense = topology.recorder!.dense;
  const symbols = data.symbols.map((s) => s.symbol);
  const store = new SignalStore(options.dir);
  return sets.map((set, p) => {
    const series = data.symbols.map((col, s) => sparsify(dense[p * symbols.length + s], window.start, data.time, col.close));
    const key = signalKey(set.strategy, data.hash, window);
    const strategy = resolvedStrategy(set.strategy);
    const bytes = store.write({ key, dataHash: data.hash, window: [window.start, window.end], strategy, symbols, series });
    return { key, strategy, symbols, changes: series.reduce((n, s) => n + s.index.length, 0), bytes, status: 'created' as const };
  });
}
