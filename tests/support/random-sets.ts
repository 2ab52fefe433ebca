import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { ParameterSet, RegimeFilterSpec } from '../../src/types.js';

/**
 * Seeded random parameter sets over every built-in strategy, regime filters and switches, every
 * sizing, commission and slippage model, stops, take-profits, trailing stops, both fills, shorts;
 * about four sets share each strategy.
 */
type Rng = ReturnType<typeof xoroshiro128plus>;

function pick<T>(rng: Rng, list: readonly T[]): T {
  return list[uniformInt(rng, 0, list.length - 1)];
}

function strategyOf(rng: Rng): ParameterSet['strategy'] {
  const short = pick(rng, [false, false, true]);
  const kind = uniformInt(rng, 0, 7);
  let spec: ParameterSet['strategy'];
  switch (kind) {
    case 0:
    case 1: {
      const fast = pick(rng, [2, 3, 5, 8]);
      spec = {
        type: kind === 0 ? 'sma_crossover' : 'ema_crossover',
        params: { fast, slow: fast + pick(rng, [2, 7, 15]), trigger: pick(rng, ['cross', 'level']), allow_short: short },
        regimeFilter: null,
      };
      break;
    }
    case 2:
      spec = {
        type: 'rsi_reversion',
        params: { n: pick(rng, [5, 14]), lower: pick(rng, [30, 40]), upper: pick(rng, [60, 70]), allow_short: short },
        regimeFilter: null,
      };
      break;
    case 3:
      spec = { type: 'bollinger_reversion', params: { n: pick(rng, [10, 20]), k: pick(rng, [1, 2]), allow_short: short }, regimeFilter: null };
      break;
    case 4:
      spec = { type: 'donchian_breakout', params: { n: pick(rng, [10, 20]), exit_n: pick(rng, [5, 10]), allow_short: short }, regimeFilter: null };
      break;
    case 5:
      spec = { type: 'momentum', params: { n: pick(rng, [10, 20]), threshold: pick(rng, [0, 0.02]), allow_short: short }, regimeFilter: null };
      break;
    case 6:
      spec = { type: 'buy_and_hold', params: {}, regimeFilter: null };
      break;
    default:
      spec = {
        type: 'sma_crossover',
        params: { fast: 5, slow: 20, allow_short: short },
        regimeFilter: null,
        regimeSwitch: { type: 'trend_regime', params: { fast: 10, slow: 30 }, byLabel: { trending: { fast: 3, slow: 12 } } },
      };
  }
  if (kind < 6 && uniformInt(rng, 0, 3) === 0) {
    const filters: RegimeFilterSpec[] = [
      { type: 'volatility_regime', params: { n: 20 }, allow: ['low_vol'] },
      { type: 'trend_regime', params: { fast: 10, slow: 40 }, allow: ['trending'] },
    ];
    return { ...spec, regimeFilter: pick(rng, filters) };
  }
  return spec;
}

function setOf(rng: Rng, strategy: ParameterSet['strategy']): ParameterSet {
  return {
    capital: pick(rng, [100_000, 10_000]),
    strategy,
    risk: {
      sizing: pick(rng, [
        { kind: 'percent_equity', value: 1 },
        { kind: 'percent_equity', value: 0.5 },
        { kind: 'fixed', value: 10 },
        { kind: 'fractional', value: 0.9 },
      ] as const),
      stopLoss: pick(rng, [null, null, 0.02, 0.05]),
      takeProfit: pick(rng, [null, null, 0.04, 0.1]),
      trailingStop: pick(rng, [null, null, 0.03]),
    },
    broker: {
      fill: pick(rng, ['next_open', 'next_open', 'close'] as const),
      commission: pick(rng, [null, { kind: 'percent', value: 0.001 }, { kind: 'per_share', value: 0.01 }, { kind: 'fixed', value: 1 }] as const),
      slippage: pick(rng, [null, null, { kind: 'percent', value: 0.0005 }, { kind: 'fixed', value: 0.01 }] as const),
    },
  };
}

export function randomSets(seed: number, count: number): ParameterSet[] {
  const rng = xoroshiro128plus(seed);
  const strategies = Array.from({ length: Math.max(1, count >> 2) }, () => strategyOf(rng));
  return Array.from({ length: count }, () => setOf(rng, pick(rng, strategies)));
}
