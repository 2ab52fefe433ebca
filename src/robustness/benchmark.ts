import type { MarketData } from '../data/series.js';
import type { BarWindow } from '../types.js';

/** Bar returns of an equity curve: r_t = E_t/E_{t−1} − 1, t = 1..N−1. */
export function curveReturns(equity: ArrayLike<number>): Float64Array {
  const out = new Float64Array(Math.max(0, equity.length - 1));
  for (let t = 1; t < equity.length; t++) out[t - 1] = equity[t] / equity[t - 1] - 1;
  return out;
}

/** Several windows' returns, concatenated in window order (a k_fold plan's train segments). */
export function concatenated(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The SPA benchmark's bar returns over the windows: `flat` is cash (0 every bar); `buy_and_hold`
 * holds the data's symbols in equal parts bought at each window's first close, no costs: value
 * V_t = (1/S)·Σ_s close_{s,t}/close_{s,start}, a missing close carried from the symbol's last one.
 */
export function benchmarkReturns(data: MarketData, windows: readonly BarWindow[], kind: 'flat' | 'buy_and_hold'): Float64Array {
  return concatenated(
    windows.map((w) => {
      const bars = w.end - w.start;
      if (kind === 'flat') return new Float64Array(Math.max(0, bars - 1));
      const value = new Float64Array(bars);
      for (const s of data.symbols) {
        let first = NaN;
        let last = NaN;
        for (let t = 0; t < bars; t++) {
          const c = s.close[w.start + t];
          if (c === c) last = c;
          if (first !== first && last === last) first = last;
          value[t] += first === first ? last / first / data.symbols.length : 1 / data.symbols.length;
        }
      }
      return curveReturns(value);
    }),
  );
}
