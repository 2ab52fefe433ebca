import { resolveParams } from './params.js';
import { ALLOW_SHORT, type StrategyDefinition } from './strategy.js';

interface RsiParams {
  readonly n: number;
  readonly lower: number;
  readonly upper: number;
  readonly short: number;
}

const rsiParams = [
  { name: 'n', type: 'int', default: 14, min: 1, description: 'RSI length' },
  { name: 'lower', type: 'number', default: 30, min: 0, max: 100, description: 'enter long when RSI < lower' },
  { name: 'upper', type: 'number', default: 70, min: 0, max: 100, description: 'exit (or go short) when RSI > upper' },
  ALLOW_SHORT,
] as const;

/** Long when RSI(n) < lower, flat (short with allow_short) when RSI(n) > upper, otherwise hold. */
export const rsiReversion: StrategyDefinition<RsiParams> = {
  kind: 'strategy',
  name: 'rsi_reversion',
  description: 'RSI mean reversion: buy oversold, sell overbought',
  params: rsiParams,
  stateSize: 0,
  prepare(raw) {
    const p = resolveParams('rsi_reversion', rsiParams, raw);
    return { n: p.n as number, lower: p.lower as number, upper: p.upper as number, short: p.allow_short ? -1 : 0 };
  },
  features: (p) => [`rsi(${p.n})`],
  signal(f, cols, _bar, p) {
    const rsi = f[cols[0]];
    if (rsi < p.lower) return 1;
    if (rsi > p.upper) return p.short;
    return NaN;
  },
};

interface BollingerParams {
  readonly n: number;
  readonly k: number;
  readonly short: boolean;
}

const bollingerParams = [
  { name: 'n', type: 'int', default: 20, min: 2, description: 'band length' },
  { name: 'k', type: 'number', default: 2, min: 0.01, description: 'band width in population standard deviations' },
  ALLOW_SHORT,
] as const;

/**
 * Long when the close falls below the lower band, out when it comes back above the middle; with
 * allow_short, short above the upper band and out below the middle. state[0] = the side held.
 */
export const bollingerReversion: StrategyDefinition<BollingerParams> = {
  kind: 'strategy',
  name: 'bollinger_reversion',
  description: 'Bollinger band mean reversion: enter outside the bands, exit at the middle',
  params: bollingerParams,
  stateSize: 1,
  prepare(raw) {
    const p = resolveParams('bollinger_reversion', bollingerParams, raw);
    return { n: p.n as number, k: p.k as number, short: p.allow_short === true };
  },
  features: (p) => [`bbands(${p.n},${p.k}).lower`, `bbands(${p.n},${p.k}).middle`, `bbands(${p.n},${p.k}).upper`],
  signal(f, cols, bar, p, state) {
    const lower = f[cols[0]];
    if (lower !== lower) return NaN;
    const c = bar.close;
    const side = state[0] === state[0] ? state[0] : 0;
    let next = side;
    if (c < lower) next = 1;
    else if (p.short && c > f[cols[2]]) next = -1;
    else if ((side > 0 && c > f[cols[1]]) || (side < 0 && c < f[cols[1]])) next = 0;
    state[0] = next;
    return next === side ? NaN : next;
  },
};
