import type { Commission, ParameterSet, Sizing, Slippage } from '../types.js';
import type { RawParams } from '../strategies/strategy.js';
import type { Config } from './schema.js';

type OneOf<K extends string> = Partial<Record<K, number>>;

function pick<K extends string>(spec: OneOf<K>, kinds: readonly K[]): { kind: K; value: number } {
  for (const kind of kinds) {
    const value = spec[kind];
    if (value !== undefined) return { kind, value };
  }
  throw new Error(`expected one of ${kinds.join(', ')}`);
}

/** The parameter set a validated config describes. */
export function parameterSetOf(config: Config): ParameterSet {
  const { type, regime_filter: filter, regime_switch: regimeSwitch, ...params } = config.strategy;
  const { sizing, stop_loss, take_profit, trailing_stop } = config.risk;
  const { fill, commission, slippage } = config.broker;
  return {
    capital: config.capital,
    strategy: {
      type,
      params: params as RawParams,
      regimeFilter: filter ? (({ type: t, allow, ...p }) => ({ type: t, allow, params: p as RawParams }))(filter) : null,
      ...(regimeSwitch
        ? {
            regimeSwitch: (({ type: t, by_label, ...p }) => ({ type: t, params: p as RawParams, byLabel: by_label as Record<string, RawParams> }))(
              regimeSwitch,
            ),
          }
        : {}),
    },
    risk: {
      sizing: pick<Sizing['kind']>(sizing, ['percent_equity', 'fixed', 'fractional']),
      stopLoss: stop_loss,
      takeProfit: take_profit,
      trailingStop: trailing_stop,
    },
    broker: {
      fill,
      commission: commission === null ? null : pick<Commission['kind']>(commission, ['percent', 'per_share', 'fixed']),
      slippage: slippage === null ? null : pick<Slippage['kind']>(slippage, ['percent', 'fixed']),
    },
  };
}
