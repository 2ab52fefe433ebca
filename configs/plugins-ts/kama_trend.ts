// A TypeScript strategy on its own indicator (kama.ts beside it): long while the close is more than
// `band` above KAMA, out once it is more than `band` below.
import type { BarView, StrategyDefinition } from 'fanfold';

interface Params {
  readonly n: number;
  readonly fast: number;
  readonly slow: number;
  readonly band: number;
}

const KEYS: readonly string[] = ['n', 'fast', 'slow', 'band'];

export const kamaTrend: StrategyDefinition<Params> = {
  kind: 'strategy',
  name: 'kama_trend',
  description: 'long above KAMA(n, fast, slow) × (1 + band), flat below KAMA × (1 − band)',
  params: [
    { name: 'n', type: 'int', default: 10, min: 2, description: 'KAMA efficiency window' },
    { name: 'fast', type: 'int', default: 2, min: 1, description: 'KAMA fastest period' },
    { name: 'slow', type: 'int', default: 30, min: 2, description: 'KAMA slowest period' },
    { name: 'band', type: 'number', default: 0.01, min: 0, description: 'dead band around KAMA, a fraction' },
  ],
  stateSize: 0,
  prepare(raw: Record<string, unknown>): Params {
    for (const key of Object.keys(raw)) if (!KEYS.includes(key)) throw new Error(`unknown parameter '${key}'`);
    const num = (k: string, d: number): number => (raw[k] as number | undefined) ?? d;
    return { n: num('n', 10), fast: num('fast', 2), slow: num('slow', 30), band: num('band', 0.01) };
  },
  features: (p: Params): string[] => [`kama(${p.n},${p.fast},${p.slow}).kama`],
  signal(features: Float64Array, cols: Int32Array, bar: BarView, p: Params): number {
    const k = features[cols[0]];
    if (bar.close > k * (1 + p.band)) return 1;
    if (bar.close < k * (1 - p.band)) return 0;
    return Number.NaN;
  },
};
