import type { MarketData } from '../../data/series.js';
import type { ColumnSource } from '../../features/columns.js';
import { outputCount } from '../../features/columns.js';
import type { Feature } from '../../features/feature.js';
import type { FeatureLayout } from '../../features/layout.js';
import { createFeature } from '../../features/registry.js';
import type { MarketState } from '../market.js';

/**
 * The batch kernel's per-bar feature values, laid out as the hub lays them out: copied from
 * whole-series columns where the column source has them (computed once for every batch that needs
 * them), else updated incrementally bar by bar like the hub (a feature past the source's bound).
 */
export class BatchFeatures {
  readonly values: Float64Array;
  /** Per symbol: columns to copy from and where to. */
  private readonly from: Float64Array[][];
  private readonly to: Int32Array[];
  /** Per symbol: features without a column, and the value index of their first output. */
  private readonly live: Feature[][];
  private readonly liveAt: Int32Array[];

  constructor(market: MarketData, layout: FeatureLayout, source: ColumnSource | null) {
    const symbols = market.symbols.length;
    this.values = new Float64Array(symbols * layout.width).fill(NaN);
    this.from = [];
    this.to = [];
    this.live = [];
    this.liveAt = [];
    for (let s = 0; s < symbols; s++) {
      const from: Float64Array[] = [];
      const to: number[] = [];
      const live: Feature[] = [];
      const liveAt: number[] = [];
      layout.features.forEach((parsed, f) => {
        const at = s * layout.width + layout.offsets[f];
        const cols = source?.columns(market, s, parsed) ?? null;
        if (cols === null) {
          live.push(createFeature(parsed));
          liveAt.push(at);
          return;
        }
        for (let j = 0; j < outputCount(parsed); j++) {
          from.push(cols[j]);
          to.push(at + j);
        }
      });
      this.from.push(from);
      this.to.push(Int32Array.from(to));
      this.live.push(live);
      this.liveAt.push(Int32Array.from(liveAt));
    }
  }

  reset(): void {
    this.values.fill(NaN);
    for (const list of this.live) for (const f of list) f.reset();
  }

  /** The values after bar t of every symbol that has a bar at t. */
  load(t: number, market: MarketState): void {
    const values = this.values;
    for (let s = 0; s < market.symbolCount; s++) {
      if (market.hasBar[s] === 0) continue;
      const from = this.from[s];
      const to = this.to[s];
      for (let j = 0; j < from.length; j++) values[to[j]] = from[j][t];
      const live = this.live[s];
      if (live.length === 0) continue;
      const at = this.liveAt[s];
      const b = market.bars[s];
      for (let j = 0; j < live.length; j++) live[j].update(b.open, b.high, b.low, b.close, b.volume, values, at[j]);
    }
  }
}
