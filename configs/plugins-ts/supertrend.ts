// A second indicator of one's own: SuperTrend, an ATR band that follows the trend and flips with
// it. Conventions (README, "Own indicators"): ATR as Wilder's, seeded with the mean of the first n
// true ranges (first at bar n, like the built-in atr); basic bands hl2 ± m·ATR with hl2 = (H + L)/2;
// the upper band only falls (it is reset to the basic one when that is lower or the previous close
// rose above it), the lower band only rises (mirrored); the trend starts up at bar n, turns down
// when a close falls below the previous lower band and up when one rises above the previous upper.
// Outputs: .line (the lower band in an uptrend, the upper in a downtrend) and .dir (+1 up, −1 down).
import type { FeatureBar, FeatureDefinition } from 'fanfold';

// State: [bars seen, previous close, sum of the first true ranges, ATR, upper band, lower band, trend].
const SEEN = 0;
const PREV = 1;
const SUM = 2;
const ATR = 3;
const UPPER = 4;
const LOWER = 5;
const TREND = 6;

export const supertrend: FeatureDefinition = {
  kind: 'feature',
  name: 'supertrend',
  description: 'SuperTrend: an ATR(n) band of width m around hl2 that follows the trend (.line) and its direction (.dir, ±1)',
  args: [
    { name: 'n', type: 'int', default: 10, min: 1, description: 'ATR window' },
    { name: 'm', type: 'number', default: 3, description: 'band width in ATRs' },
  ],
  outputs: ['line', 'dir'],
  warmup: ([n]) => n,
  stateSize: () => 7,
  update(state: Float64Array, [n, m]: readonly number[], bar: FeatureBar, out: Float64Array, offset: number): void {
    const seen = state[SEEN];
    const prevClose = state[PREV];
    state[PREV] = bar.close;
    state[SEEN] = seen + 1;
    out[offset] = Number.NaN;
    out[offset + 1] = Number.NaN;
    if (seen === 0) return;
    const tr = Math.max(bar.high, prevClose) - Math.min(bar.low, prevClose);
    let atr: number;
    if (seen <= n) {
      state[SUM] += tr;
      if (seen < n) return;
      atr = state[SUM] / n;
    } else {
      atr = (state[ATR] * (n - 1) + tr) / n;
    }
    state[ATR] = atr;
    const hl2 = (bar.high + bar.low) / 2;
    const basicUpper = hl2 + m * atr;
    const basicLower = hl2 - m * atr;
    let trend = state[TREND];
    if (seen === n) {
      state[UPPER] = basicUpper;
      state[LOWER] = basicLower;
      trend = 1;
    } else {
      const upper = state[UPPER];
      const lower = state[LOWER];
      if (trend === -1 && bar.close > upper) trend = 1;
      else if (trend === 1 && bar.close < lower) trend = -1;
      state[UPPER] = basicUpper < upper || prevClose > upper ? basicUpper : upper;
      state[LOWER] = basicLower > lower || prevClose < lower ? basicLower : lower;
    }
    state[TREND] = trend;
    out[offset] = trend === 1 ? state[LOWER] : state[UPPER];
    out[offset + 1] = trend;
  },
};
