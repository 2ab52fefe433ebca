import type { MarketData } from '../data/series.js';

/**
 * Buy-and-hold of the run's data over the bars an equity chart plots (`bars`: indices into the
 * timeline, ascending), so the strategy can be read against simply holding what it traded. The
 * capital is split equally between the symbols; each share buys its symbol at the close of the first
 * plotted bar and holds it to the last, with no costs: for one symbol equity_t = capital × close_t /
 * close_first, for S symbols the mean over them of capital × close_s,t / close_s,first. A symbol
 * without a bar at some timestamp (NaN close) keeps its last close; one that has no bar yet at the
 * first plotted bar is bought at its first close among them, its share held as cash until then.
 */
export function buyAndHold(data: MarketData, bars: ArrayLike<number>, capital: number): Float64Array {
  const out = new Float64Array(bars.length);
  const share = capital / data.symbols.length;
  for (const s of data.symbols) {
    let first = NaN;
    let last = NaN;
    for (let k = 0; k < bars.length; k++) {
      const c = s.close[bars[k]];
      if (!Number.isNaN(c)) {
        last = c;
        if (Number.isNaN(first)) first = c;
      }
      out[k] += Number.isNaN(first) ? share : (share * last) / first;
    }
  }
  return out;
}

/** The bars [start, end) as the index list `buyAndHold` takes. */
export function barRange(start: number, end: number): Int32Array {
  return Int32Array.from({ length: end - start }, (_, i) => start + i);
}
