/**
 * Market data, columnar: one Float64Array per field, each on its own SharedArrayBuffer so a worker
 * thread can read it by reference. Several symbols share one timeline (the union of their
 * timestamps); a symbol without a bar at some timestamp has NaN in every field there.
 */
export interface SymbolBars {
  readonly symbol: string;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

export interface MarketData {
  /** UTC milliseconds, strictly increasing. */
  readonly time: Float64Array;
  readonly symbols: readonly SymbolBars[];
  /** sha256 (hex) over the symbols' names and every column's bytes; part of every trial key. */
  readonly hash: string;
  /** Where the bars came from, for messages and provenance. */
  readonly source: string;
}

/** A Float64Array on its own SharedArrayBuffer. */
export function sharedColumn(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
}

export const BAR_FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;
export type BarField = (typeof BAR_FIELDS)[number];

export function barCount(data: MarketData): number {
  return data.time.length;
}
