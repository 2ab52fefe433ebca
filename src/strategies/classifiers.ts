import { resolveParams } from './params.js';
import type { ClassifierDefinition } from './strategy.js';

interface VolatilityParams {
  readonly n: number;
  readonly threshold: number;
}

const volatilityParams = [
  { name: 'n', type: 'int', default: 20, min: 1, description: 'ATR length' },
  { name: 'threshold', type: 'number', default: 0.02, min: 0, description: 'high_vol when ATR(n)/close > threshold' },
] as const;

/** high_vol when ATR(n) / close exceeds the threshold, low_vol otherwise. */
export const volatilityRegime: ClassifierDefinition<VolatilityParams> = {
  kind: 'classifier',
  name: 'volatility_regime',
  description: 'volatility regime from ATR relative to price',
  params: volatilityParams,
  labels: ['low_vol', 'high_vol'],
  stateSize: 0,
  prepare(raw) {
    const p = resolveParams('volatility_regime', volatilityParams, raw);
    return { n: p.n as number, threshold: p.threshold as number };
  },
  features: (p) => [`atr(${p.n})`],
  classify(f, cols, bar, p) {
    const atr = f[cols[0]];
    if (atr !== atr) return NaN;
    return atr / bar.close > p.threshold ? 1 : 0;
  },
};

interface TrendParams {
  readonly fast: number;
  readonly slow: number;
  readonly threshold: number;
}

const trendParams = [
  { name: 'fast', type: 'int', default: 20, min: 1, description: 'fast SMA length' },
  { name: 'slow', type: 'int', default: 50, min: 1, description: 'slow SMA length' },
  { name: 'threshold', type: 'number', default: 0.01, min: 0, description: 'trending when |SMA(fast)/SMA(slow) − 1| > threshold' },
] as const;

/** trending when the fast and slow SMAs are more than `threshold` apart (relative), ranging otherwise. */
export const trendRegime: ClassifierDefinition<TrendParams> = {
  kind: 'classifier',
  name: 'trend_regime',
  description: 'trend regime from the spread between two SMAs',
  params: trendParams,
  labels: ['ranging', 'trending'],
  stateSize: 0,
  prepare(raw) {
    const p = resolveParams('trend_regime', trendParams, raw);
    return { fast: p.fast as number, slow: p.slow as number, threshold: p.threshold as number };
  },
  features: (p) => [`sma(${p.fast})`, `sma(${p.slow})`],
  classify(f, cols, _bar, p) {
    const spread = f[cols[0]] / f[cols[1]] - 1;
    if (spread !== spread) return NaN;
    return Math.abs(spread) > p.threshold ? 1 : 0;
  },
};
