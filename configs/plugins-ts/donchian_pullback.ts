// A plugin strategy written in TypeScript, loaded as it is (no compile step): the types come from
// the package, the module is stripped of them when it loads. Long when the close pulls back to
// within `depth` of the n-bar low while above the slow moving average (an uptrend), out when it is
// back within `depth` of the n-bar high.
import type { BarView, StrategyDefinition } from 'fanfold';

interface Params {
  readonly n: number;
  readonly slow: number;
  readonly depth: number;
}

const KEYS: readonly string[] = ['n', 'slow', 'depth'];

export const donchianPullback: StrategyDefinition<Params> = {
  kind: 'strategy',
  name: 'donchian_pullback',
  description: 'buy a pull-back to within depth of the n-bar low in an uptrend (close above sma(slow)), sell within depth of the n-bar high',
  params: [
    { name: 'n', type: 'int', default: 20, min: 2, description: 'channel window' },
    { name: 'slow', type: 'int', default: 100, min: 2, description: 'trend filter: sma window' },
    { name: 'depth', type: 'number', default: 0.02, min: 0, description: 'how near the channel edges, as a fraction' },
  ],
  stateSize: 0,
  prepare(raw: Record<string, unknown>): Params {
    for (const key of Object.keys(raw)) if (!KEYS.includes(key)) throw new Error(`unknown parameter '${key}'`);
    return { n: (raw.n as number | undefined) ?? 20, slow: (raw.slow as number | undefined) ?? 100, depth: (raw.depth as number | undefined) ?? 0.02 };
  },
  features: (p: Params): string[] => [`highest(${p.n})`, `lowest(${p.n})`, `sma(${p.slow})`],
  signal(features: Float64Array, cols: Int32Array, bar: BarView, p: Params): number {
    const high = features[cols[0]];
    const low = features[cols[1]];
    const trend = features[cols[2]];
    if (bar.close >= high * (1 - p.depth)) return 0;
    if (bar.close > trend && bar.close <= low * (1 + p.depth)) return 1;
    return Number.NaN;
  },
};
