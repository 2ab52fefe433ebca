import type { Feature } from './feature.js';
import { createFeature, outputKey, parseFeatureKey } from './registry.js';

/**
 * The feature hub: every feature any strategy of a topology needs, computed once per bar per symbol
 * whatever the number of strategies or parameter sets reading it. Current values sit in one
 * Float64Array, `width` columns per symbol; a reader resolves a column once (`column(key)`) and then
 * reads `values[symbol * width + column]` per bar.
 */
export class FeatureHub {
  readonly values: Float64Array;
  readonly width: number;
  /** Output key → column. */
  private readonly columns = new Map<string, number>();
  /** Per symbol: the feature instances and the column each writes its first output to. */
  private readonly features: Feature[][];
  private readonly offsets: Int32Array;
  /** Largest warm-up (0-based index of the first value) over the hub's features. */
  readonly warmup: number;

  constructor(
    readonly symbolCount: number,
    keys: readonly string[],
  ) {
    const parsedByKey = new Map<string, ReturnType<typeof parseFeatureKey>>();
    for (const k of keys) {
      const parsed = parseFeatureKey(k);
      if (!parsedByKey.has(parsed.key)) parsedByKey.set(parsed.key, parsed);
    }
    const parsed = [...parsedByKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const offsets: number[] = [];
    let width = 0;
    let warmup = 0;
    for (const p of parsed) {
      offsets.push(width);
      const outputs = p.kind.outputs ?? [null];
      outputs.forEach((o, i) => this.columns.set(o === null ? p.key : `${p.key}.${o}`, width + i));
      width += outputs.length;
      warmup = Math.max(warmup, p.kind.warmup(p.args));
    }
    this.width = width;
    this.warmup = warmup;
    this.offsets = Int32Array.from(offsets);
    this.values = new Float64Array(symbolCount * width).fill(NaN);
    this.features = [];
    for (let s = 0; s < symbolCount; s++) this.features.push(parsed.map((p) => createFeature(p)));
  }

  /** Column of an output key (`sma(20)`, `macd(12,26,9).signal`, or bare `macd` for its first output). */
  column(key: string): number {
    const col = this.columns.get(outputKey(parseFeatureKey(key)));
    if (col === undefined) throw new Error(`feature '${key}' was not requested from this hub`);
    return col;
  }

  get outputKeys(): string[] {
    return [...this.columns.keys()];
  }

  update(symbol: number, open: number, high: number, low: number, close: number, volume: number): void {
    const list = this.features[symbol];
    const base = symbol * this.width;
    const values = this.values;
    for (let i = 0; i < list.length; i++) list[i].update(open, high, low, close, volume, values, base + this.offsets[i]);
  }

  reset(): void {
    for (const list of this.features) for (const f of list) f.reset();
    this.values.fill(NaN);
  }
}
