import type { MarketData } from '../data/series.js';
import type { BarView } from '../strategies/strategy.js';

/**
 * The cross-section of the current bar, shared by a topology's components: one reusable BarView per
 * symbol, whether the symbol has a bar now, and each symbol's last close (for marking positions on
 * bars where it did not trade).
 */
export class MarketState {
  readonly symbolCount: number;
  readonly bars: BarView[];
  readonly hasBar: Uint8Array;
  readonly lastClose: Float64Array;
  index = -1;
  time = NaN;

  constructor(readonly data: MarketData) {
    this.symbolCount = data.symbols.length;
    this.bars = data.symbols.map(() => ({ index: -1, time: NaN, open: NaN, high: NaN, low: NaN, close: NaN, volume: NaN }));
    this.hasBar = new Uint8Array(this.symbolCount);
    this.lastClose = new Float64Array(this.symbolCount).fill(NaN);
  }

  /** Loads bar t of every symbol. */
  advance(t: number): void {
    this.index = t;
    const time = this.data.time[t];
    this.time = time;
    const symbols = this.data.symbols;
    for (let s = 0; s < this.symbolCount; s++) {
      const col = symbols[s];
      const close = col.close[t];
      const bar = this.bars[s];
      bar.index = t;
      bar.time = time;
      if (close !== close) {
        this.hasBar[s] = 0;
        continue;
      }
      this.hasBar[s] = 1;
      bar.open = col.open[t];
      bar.high = col.high[t];
      bar.low = col.low[t];
      bar.close = close;
      bar.volume = col.volume[t];
      this.lastClose[s] = close;
    }
  }
}
