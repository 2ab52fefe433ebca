import { basename, resolve } from 'node:path';
import { DataError } from '../errors.js';
import { alignSeries } from './align.js';
import { loadBarFile } from './bar-file.js';
import type { MarketData } from './series.js';
import { generateSynthetic } from './synthetic.js';

/** The `data:` section of a config: one file, several files, or generated bars. */
export type DataSpec =
  | { path: string; symbol?: string }
  | { symbols: readonly { symbol: string; path: string }[] }
  | { synthetic: { bars: number; symbols?: readonly string[]; seed: number; start?: number; interval_ms?: number } };

/** Loads market data; relative paths resolve against `baseDir` (the config file's folder). */
export async function loadMarketData(spec: DataSpec, baseDir: string): Promise<MarketData> {
  if ('synthetic' in spec) {
    const s = spec.synthetic;
    return generateSynthetic({ bars: s.bars, symbols: s.symbols, seed: s.seed, start: s.start, intervalMs: s.interval_ms });
  }
  if ('symbols' in spec) {
    if (spec.symbols.length === 0) throw new DataError('data.symbols', null, 'no symbols listed');
    const paths = spec.symbols.map((e) => resolve(baseDir, e.path));
    const raws = await Promise.all(spec.symbols.map((e, i) => loadBarFile(paths[i], e.symbol)));
    return alignSeries(raws, paths.join(', '));
  }
  const path = resolve(baseDir, spec.path);
  return alignSeries([await loadBarFile(path, spec.symbol ?? symbolFromPath(path))], path);
}

/** `data/orcl.csv` → `ORCL`: the base name without its extension, upper-cased. */
export function symbolFromPath(path: string): string {
  const name = basename(path);
  const dot = name.lastIndexOf('.');
  return (dot > 0 ? name.slice(0, dot) : name).toUpperCase();
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Periods per year from the median bar interval (robust to weekends, holidays and gaps):
 * - 20 h to 4 days → 252 (daily bars; weekends and holidays make gaps up to 4 days);
 * - 5 to 8 days → 52 (weekly); 25 to 35 days → 12 (monthly);
 * - under 20 h → round(252 × 6.5 h / median): intraday bars over a 6.5-hour US session;
 * - any other interval (e.g. quarterly) → round(365.25 days / median), at least 1.
 * Fewer than two bars give no interval; 252 is assumed then.
 */
export function inferPeriodsPerYear(time: Float64Array): number {
  // A timeline is immutable once loaded and runs ask for this per topology: sort its gaps once.
  const known = inferred.get(time);
  if (known !== undefined) return known;
  const ppy = computePeriodsPerYear(time);
  inferred.set(time, ppy);
  return ppy;
}

const inferred = new WeakMap<Float64Array, number>();

function computePeriodsPerYear(time: Float64Array): number {
  if (time.length < 2) return 252;
  const gaps = new Float64Array(time.length - 1);
  for (let i = 1; i < time.length; i++) gaps[i - 1] = time[i] - time[i - 1];
  const mid = gaps.length >> 1;
  // Selection, not a sort: a 3M-bar series would spend a tenth of a second sorting its gaps.
  const upper = select(gaps, mid);
  const median = gaps.length % 2 === 1 ? upper : (maxBelow(gaps, mid) + upper) / 2;
  const days = median / DAY_MS;
  if (median >= 20 * HOUR_MS && days <= 4) return 252;
  if (days >= 5 && days <= 8) return 52;
  if (days >= 25 && days <= 35) return 12;
  if (median > 0 && median < 20 * HOUR_MS) return Math.round((252 * 6.5 * HOUR_MS) / median);
  return Math.max(1, Math.round(365.25 / days));
}

/** The k-th smallest value of `a` (0-based), reordering `a` so that a[0..k) ≤ a[k] ≤ a[k+1..] (Hoare partitioning). */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/** After `select(a, k)`: the largest of a[0..k), i.e. the (k−1)-th smallest. */
function maxBelow(a: Float64Array, k: number): number {
  let m = -Infinity;
  for (let i = 0; i < k; i++) if (a[i] > m) m = a[i];
  return m;
}
