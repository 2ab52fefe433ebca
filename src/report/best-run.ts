import { loadPlugins } from '../plugins/load.js';
import { inferPeriodsPerYear, loadMarketData } from '../data/load.js';
import type { MarketData } from '../data/series.js';
import type { Trade } from '../types.js';
import { metricsJson, type MetricsJson } from '../contract.js';
import { runBacktest } from '../topology/run-sets.js';
import type { BestRunRecord, DataRecord, RunRecord } from './run-record.js';

/** The run's data, reloaded and checked against the content hash run.json recorded; or why it cannot be. */
export type ReloadedData = { readonly data: MarketData } | { readonly reason: string };

export async function reloadData(record: Pick<DataRecord, 'spec' | 'hash'> | undefined): Promise<ReloadedData> {
  if (record === undefined) return { reason: 'run.json records no data for this phase (the run stopped before the phase ran)' };
  if (record.spec === undefined) return { reason: 'run.json does not record the data spec (a run made before reports existed)' };
  let data: MarketData;
  try {
    data = await loadMarketData(record.spec, '/');
  } catch (error) {
    return { reason: `the run's data cannot be read: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (data.hash !== record.hash)
    return { reason: `the data changed since the run: ${data.source} now hashes to ${data.hash.slice(0, 12)}…, the run used ${record.hash.slice(0, 12)}…` };
  return { data };
}

export interface BestCurve {
  /** Bar times (UTC ms) and equity at each bar's close over the window the best set was chosen on. */
  readonly time: Float64Array;
  readonly equity: Float64Array;
  readonly trades: Trade[];
  readonly metrics: MetricsJson;
}

/**
 * Re-runs a phase's best set on its window with the equity curve recorded (the run itself keeps
 * no curves). Plugins the run loaded are loaded again (loading is idempotent).
 */
export async function rerunBest(run: RunRecord, best: BestRunRecord, data: MarketData): Promise<BestCurve> {
  if (run.plugins && run.plugins.length > 0) await loadPlugins(run.plugins);
  const window = { start: best.window[0], end: best.window[1] };
  const periodsPerYear = best.periods_per_year ?? inferPeriodsPerYear(data.time);
  const r = runBacktest(data, best.set, { window, periodsPerYear, storeTrades: true, recordCurves: true });
  return { time: data.time.subarray(window.start, window.end), equity: r.curve!.equity, trades: r.trades ?? [], metrics: metricsJson(r.metrics) };
}
