import { METRIC_NAMES, type MetricName } from '../types.js';
import type { MetricsJson } from '../contract.js';
import { percentile } from '../metrics/percentile.js';

/** Summary statistics of one metric over several runs (windows, folds, iterations, branches). */
export interface MetricSummary {
  /** Runs where the metric was defined (nulls are left out). */
  readonly n: number;
  readonly mean: number | null;
  /** Sample standard deviation (n − 1); null below two values. */
  readonly std: number | null;
  readonly min: number | null;
  readonly max: number | null;
  /** p5, p25, p50, p75, p95 by linear interpolation (numpy's default). */
  readonly percentiles: Record<string, number | null>;
}

export type Aggregate = Record<MetricName, MetricSummary>;

export const AGGREGATE_PERCENTILES = [5, 25, 50, 75, 95] as const;

export function summarize(values: readonly (number | null)[]): MetricSummary {
  const defined = Float64Array.from(values.filter((v): v is number => v !== null)).sort();
  const n = defined.length;
  const percentiles: Record<string, number | null> = {};
  for (const p of AGGREGATE_PERCENTILES) percentiles[`p${p}`] = n === 0 ? null : percentile(defined, p);
  if (n === 0) return { n, mean: null, std: null, min: null, max: null, percentiles };
  let sum = 0;
  for (const v of defined) sum += v;
  const mean = sum / n;
  let ss = 0;
  for (const v of defined) ss += (v - mean) * (v - mean);
  return { n, mean, std: n < 2 ? null : Math.sqrt(ss / (n - 1)), min: defined[0], max: defined[n - 1], percentiles };
}

/** Every metric summarised over a list of metric rows (missing rows, e.g. a window without a best set, are left out). */
export function aggregate(rows: readonly (MetricsJson | null)[]): Aggregate {
  const present = rows.filter((r): r is MetricsJson => r !== null);
  const out = {} as Aggregate;
  for (const name of METRIC_NAMES) out[name] = summarize(present.map((r) => r[name]));
  return out;
}
