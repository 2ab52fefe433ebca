import type { MarketData, SymbolBars } from '../data/series.js';
import { createFeature, type ParsedFeatureKey } from './registry.js';

/**
 * A feature over a whole symbol, one Float64Array per output, as the hub would hold it after each
 * bar: NaN before the first value, and on a bar where the symbol has none the previous value stays
 * (the hub updates a symbol only on its bars). Because a run streams from the first bar whatever its
 * window, these columns equal the hub's values at every bar of every window.
 */
export function computeColumns(bars: SymbolBars, parsed: ParsedFeatureKey, out: Float64Array[]): void {
  const feature = createFeature(parsed);
  const width = out.length;
  const current = new Float64Array(width).fill(NaN);
  const { open, high, low, close, volume } = bars;
  const n = close.length;
  if (width === 1) {
    const col = out[0];
    let value = NaN;
    for (let t = 0; t < n; t++) {
      const c = close[t];
      if (c === c) {
        feature.update(open[t], high[t], low[t], c, volume[t], current, 0);
        value = current[0];
      }
      col[t] = value;
    }
    return;
  }
  for (let t = 0; t < n; t++) {
    const c = close[t];
    if (c === c) feature.update(open[t], high[t], low[t], c, volume[t], current, 0);
    for (let j = 0; j < width; j++) out[j][t] = current[j];
  }
}

export function outputCount(parsed: ParsedFeatureKey): number {
  return parsed.kind.outputs?.length ?? 1;
}

/**
 * Where the batch kernel gets whole-series feature columns. `columns` returns a feature's columns
 * for one symbol, computing them on first use, or null when they do not fit the source's memory
 * bound (the kernel then updates that feature incrementally, bar by bar, as the hub does).
 */
export interface ColumnSource {
  columns(market: MarketData, symbol: number, parsed: ParsedFeatureKey): readonly Float64Array[] | null;
}

/** Default bound of the feature columns one process (or one pool) keeps: 512 MiB. */
export const DEFAULT_COLUMN_BYTES = 512 * 1024 * 1024;

/**
 * Columns kept in this thread, per market data (by its time column) and feature key, up to a bound
 * in bytes over everything it holds; a feature beyond the bound is not kept (null).
 */
export class LocalColumns implements ColumnSource {
  private readonly byMarket = new WeakMap<Float64Array, Map<string, Float64Array[]>>();
  private used = 0;

  constructor(private readonly limitBytes = DEFAULT_COLUMN_BYTES) {}

  columns(market: MarketData, symbol: number, parsed: ParsedFeatureKey): readonly Float64Array[] | null {
    let cache = this.byMarket.get(market.time);
    if (cache === undefined) this.byMarket.set(market.time, (cache = new Map()));
    const id = `${symbol}|${parsed.key}`;
    const hit = cache.get(id);
    if (hit !== undefined) return hit;
    const n = market.time.length;
    const bytes = n * outputCount(parsed) * 8;
    if (this.used + bytes > this.limitBytes) return null;
    this.used += bytes;
    const out = Array.from({ length: outputCount(parsed) }, () => new Float64Array(n));
    computeColumns(market.symbols[symbol], parsed, out);
    cache.set(id, out);
    return out;
  }
}
