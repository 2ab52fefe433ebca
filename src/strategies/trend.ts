import { resolveParams } from './params.js';
import { ALLOW_SHORT, type StrategyDefinition } from './strategy.js';

interface DonchianParams {
  readonly n: number;
  readonly exitN: number;
  readonly short: boolean;
}

const donchianParams = [
  { name: 'n', type: 'int', default: 20, min: 1, description: 'entry channel length' },
  { name: 'exit_n', type: 'int', default: 10, min: 1, description: 'exit channel length' },
  ALLOW_SHORT,
] as const;

/**
 * Donchian breakout against the channel of the *previous* bars (the current bar's own high is in
 * highest(n), so the close could never exceed it): long when close > the previous bar's highest(n),
 * out when close < the previous bar's lowest(exit_n); mirrored for shorts with allow_short.
 * state: [previous highest(n), previous lowest(exit_n), previous lowest(n), previous highest(exit_n), side].
 */
export const donchianBreakout: StrategyDefinition<DonchianParams> = {
  kind: 'strategy',
  name: 'donchian_breakout',
  description: 'Donchian channel breakout with a shorter exit channel',
  params: donchianParams,
  stateSize: 5,
  prepare(raw) {
    const p = resolveParams('donchian_breakout', donchianParams, raw);
    return { n: p.n as number, exitN: p.exit_n as number, short: p.allow_short === true };
  },
  features: (p) => [`highest(${p.n})`, `lowest(${p.exitN})`, `lowest(${p.n})`, `highest(${p.exitN})`],
  signal(f, cols, bar, p, state) {
    const prevHigh = state[0];
    const prevExitLow = state[1];
    const prevLow = state[2];
    const prevExitHigh = state[3];
    state[0] = f[cols[0]];
    state[1] = f[cols[1]];
    state[2] = f[cols[2]];
    state[3] = f[cols[3]];
    if (prevHigh !== prevHigh || prevExitLow !== prevExitLow) return NaN;
    const c = bar.close;
    const side = state[4] === state[4] ? state[4] : 0;
    let next = side;
    if (c > prevHigh) next = 1;
    else if (p.short && c < prevLow) next = -1;
    else if ((side > 0 && c < prevExitLow) || (side < 0 && c > prevExitHigh)) next = 0;
    state[4] = next;
    return next === side ? NaN : next;
  },
};

interface MomentumParams {
  readonly n: number;
  readonly threshold: number;
  readonly short: number;
}

const momentumParams = [
  { name: 'n', type: 'int', default: 20, min: 1, description: 'lookback of the rate of change' },
  { name: 'threshold', type: 'number', default: 0, min: 0, description: 'long when roc(n) > threshold' },
  ALLOW_SHORT,
] as const;

/** Long while roc(n) > threshold, flat (short with allow_short) when roc(n) < −threshold, else hold. */
export const momentum: StrategyDefinition<MomentumParams> = {
  kind: 'strategy',
  name: 'momentum',
  description: 'time-series momentum on the rate of change over n bars',
  params: momentumParams,
  stateSize: 0,
  prepare(raw) {
    const p = resolveParams('momentum', momentumParams, raw);
    return { n: p.n as number, threshold: p.threshold as number, short: p.allow_short ? -1 : 0 };
  },
  features: (p) => [`roc(${p.n})`],
  signal(f, cols, _bar, p) {
    const roc = f[cols[0]];
    if (roc > p.threshold) return 1;
    if (roc < -p.threshold) return p.short;
    return NaN;
  },
};

/** Long from the first bar of the window to the end. */
export const buyAndHold: StrategyDefinition<null> = {
  kind: 'strategy',
  name: 'buy_and_hold',
  description: 'buy at the first opportunity and hold',
  params: [],
  stateSize: 0,
  prepare(raw) {
    resolveParams('buy_and_hold', [], raw);
    return null;
  },
  features: () => [],
  signal: () => 1,
};
