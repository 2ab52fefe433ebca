import type { SymbolBars } from '../data/series.js';
import { FeatureHub } from './hub.js';
import { outputKey, parseFeatureKey } from './registry.js';

/** Every requested feature output over a whole symbol, as one column per output key (NaN = not ready). */
export function computeFeatureColumns(bars: SymbolBars, keys: readonly string[]): Map<string, Float64Array> {
  const hub = new FeatureHub(1, keys);
  const wanted = expandOutputs(keys);
  const length = bars.close.length;
  const columns = new Map<string, Float64Array>();
  const cols = wanted.map((k) => {
    const column = new Float64Array(length).fill(NaN);
    columns.set(k, column);
    return { column, at: hub.column(k) };
  });
  for (let t = 0; t < length; t++) {
    const c = bars.close[t];
    if (c !== c) continue; // no bar for this symbol at t
    hub.update(0, bars.open[t], bars.high[t], bars.low[t], c, bars.volume[t]);
    for (const { column, at } of cols) column[t] = hub.values[at];
  }
  return columns;
}

/** A key names all outputs of a multi-output feature unless it picks one (`macd(12,26,9).signal`). */
export function expandOutputs(keys: readonly string[]): string[] {
  const out: string[] = [];
  for (const k of keys) {
    const p = parseFeatureKey(k);
    if (p.kind.outputs && p.output === null) for (const o of p.kind.outputs) out.push(`${p.key}.${o}`);
    else out.push(outputKey(p));
  }
  return [...new Set(out)];
}
