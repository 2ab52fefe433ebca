import { outputKey, parseFeatureKey, type ParsedFeatureKey } from './registry.js';

/**
 * Where each feature output of a topology sits in its per-bar value vector: the distinct canonical
 * keys sorted, `width` columns per symbol, each feature's outputs side by side. A reader resolves a
 * column once (`column(key)`) and then reads `values[symbol * width + column]` per bar. The layout
 * is the same whether the values come from incremental features (the hub) or from precomputed
 * columns (the batch kernel), so strategies bind to it the same way.
 */
export class FeatureLayout {
  /** The distinct features, sorted by canonical key. */
  readonly features: readonly ParsedFeatureKey[];
  /** Per feature: the column of its first output. */
  readonly offsets: Int32Array;
  readonly width: number;
  /** Largest warm-up (0-based index of the first value) over the features. */
  readonly warmup: number;
  private readonly columns = new Map<string, number>();

  constructor(keys: readonly string[]) {
    const byKey = new Map<string, ParsedFeatureKey>();
    for (const k of keys) {
      const parsed = parseFeatureKey(k);
      if (!byKey.has(parsed.key)) byKey.set(parsed.key, parsed);
    }
    this.features = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const offsets: number[] = [];
    let width = 0;
    let warmup = 0;
    for (const p of this.features) {
      offsets.push(width);
      const outputs = p.kind.outputs ?? [null];
      outputs.forEach((o, i) => this.columns.set(o === null ? p.key : `${p.key}.${o}`, width + i));
      width += outputs.length;
      warmup = Math.max(warmup, p.kind.warmup(p.args));
    }
    this.width = width;
    this.warmup = warmup;
    this.offsets = Int32Array.from(offsets);
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
}
