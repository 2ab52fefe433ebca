import { DataError } from '../errors.js';
import type { RawSeries } from './raw.js';
import { hashMarketData } from './hash.js';
import { sharedColumn, type MarketData, type SymbolBars } from './series.js';

/**
 * Lays several symbols on one timeline, the union of their timestamps. A symbol without a bar at
 * some timestamp gets NaN in every field there. Every column is SharedArrayBuffer-backed; a raw
 * column that already is one, at the timeline's full length, is taken as it is rather than copied
 * (the loaders make them so: 10 M bars are 480 MB of columns).
 */
export function alignSeries(series: readonly RawSeries[], source: string): MarketData {
  if (series.length === 0) throw new DataError(source, null, 'no symbols to load');
  const seen = new Set<string>();
  for (const s of series) {
    if (seen.has(s.symbol)) throw new DataError(source, null, `duplicate symbol '${s.symbol}'`);
    seen.add(s.symbol);
    checkSeries(s, source);
  }
  const timeline = unionOfTimes(series);
  const time = ownShared(timeline) ?? sharedColumn(timeline.length);
  if (time !== timeline) time.set(timeline);
  const symbols = series.map((s) => layOut(s, time));
  return { time, symbols, hash: hashMarketData(time, symbols), source };
}

// RawSeries can come from anywhere, and the merge below relies on these properties.
function checkSeries(s: RawSeries, source: string): void {
  const n = s.time.length;
  if (n === 0) throw new DataError(source, null, `symbol '${s.symbol}' has no bars`);
  for (const col of [s.open, s.high, s.low, s.close, s.volume]) {
    if (col.length !== n) throw new DataError(source, null, `symbol '${s.symbol}': columns differ in length`);
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(s.time[i]) || (i > 0 && !(s.time[i] > s.time[i - 1]))) {
      throw new DataError(source, null, `symbol '${s.symbol}': timestamps not strictly increasing at bar ${i}`);
    }
  }
}

function unionOfTimes(series: readonly RawSeries[]): Float64Array {
  if (series.length === 1) return series[0].time;
  let total = 0;
  for (const s of series) total += s.time.length;
  const all = new Float64Array(total);
  let k = 0;
  for (const s of series) {
    all.set(s.time, k);
    k += s.time.length;
  }
  all.sort();
  let n = 0;
  for (let i = 0; i < total; i++) if (n === 0 || all[i] !== all[n - 1]) all[n++] = all[i];
  return all.subarray(0, n);
}

/** The column itself when it is a whole SharedArrayBuffer, else null. */
function ownShared(col: Float64Array): Float64Array | null {
  return col.buffer instanceof SharedArrayBuffer && col.byteOffset === 0 && col.byteLength === col.buffer.byteLength ? col : null;
}

function layOut(s: RawSeries, timeline: Float64Array): SymbolBars {
  const full = s.time.length === timeline.length;
  const at = full ? null : positionsOn(s.time, timeline);
  const place = (src: Float64Array): Float64Array => {
    if (at === null) {
      const own = ownShared(src);
      if (own) return own;
      const col = sharedColumn(timeline.length);
      col.set(src);
      return col;
    }
    const col = sharedColumn(timeline.length);
    col.fill(NaN);
    for (let i = 0; i < at.length; i++) col[at[i]] = src[i];
    return col;
  };
  return {
    symbol: s.symbol,
    open: place(s.open),
    high: place(s.high),
    low: place(s.low),
    close: place(s.close),
    volume: place(s.volume),
  };
}

/** Where each of a symbol's times is on the timeline (a superset of them, both increasing). */
function positionsOn(time: Float64Array, timeline: Float64Array): Int32Array {
  const at = new Int32Array(time.length);
  let j = 0;
  for (let i = 0; i < at.length; i++) {
    while (timeline[j] !== time[i]) j++;
    at[i] = j;
  }
  return at;
}
