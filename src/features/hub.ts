import type { Feature } from './feature.js';
import { FeatureLayout } from './layout.js';
import { createFeature } from './registry.js';

/**
 * The feature hub: every feature any strategy of a topology needs, computed once per bar per symbol
 * whatever the number of strategies or parameter sets reading it. Current values sit in one
 * Float64Array laid out by a {@link FeatureLayout}.
 */
export class FeatureHub {
  readonly layout: FeatureLayout;
  readonly values: Float64Array;
  readonly width: number;
  /** Per symbol: the feature instances, in layout order. */
  private readonly features: Feature[][];
  private readonly offsets: Int32Array;
  readonly warmup: number;

  constructor(
    readonly symbolCount: number,
    keys: readonly string[] | FeatureLayout,
  ) {
    const layout = keys instanceof FeatureLayout ? keys : new FeatureLayout(keys);
    this.layout = layout;
    this.width = layout.width;
    this.warmup = layout.warmup;
    this.offsets = layout.offsets;
    this.values = new Float64Array(symbolCount * layout.width).fill(NaN);
    this.features = [];
    for (let s = 0; s < symbolCount; s++) this.features.push(layout.features.map((p) => createFeature(p)));
  }

  column(key: string): number {
    return this.layout.column(key);
  }

  get outputKeys(): string[] {
    return this.layout.outputKeys;
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
