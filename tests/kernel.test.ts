import { describe, expect, it } from 'vitest';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { loadMarketData } from '../src/data/load.js';
import type { MarketData } from '../src/data/series.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { runKernel } from '../src/engine/batch/kernel.js';
import type { BarWindow, ParameterSet, RegimeFilterSpec } from '../src/engine/spec.js';
import { LocalColumns } from '../src/features/columns.js';
import { inferPeriodsPerYear } from '../src/data/load.js';
import { METRIC_NAMES } from '../src/metrics/metrics.js';
import { Topology, type SetResult } from '../src/topology/topology.js';

/**
 * The batch kernel against the event-driven optimization topology, its reference: for hundreds of
 * random parameter sets (every built-in strategy, regime filters and switches, every sizing,
 * commission and slippage model, stops, take-profits, trailing stops, both fills, shorts), windows
 * and multi-symbol data with missing bars, every metric, trade and equity point must be the same
 * bits. Sets are drawn so that many share a strategy (the kernel runs those once).
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
      spec = { type: kind === 0 ? 'sma_crossover' : 'ema_crossover', params: { fast, slow: fast + pick(rng, [2, 7, 15]), trigger: pick(rng, ['cross', 'level']), allow_short: short }, regimeFilter: null };
      break;
    }
    case 2:
      spec = { type: 'rsi_reversion', params: { n: pick(rng, [5, 14]), lower: pick(rng, [30, 40]), upper: pick(rng, [60, 70]), allow_short: short }, regimeFilter: null };
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

function randomSets(seed: number, count: number): ParameterSet[] {
  const rng = xoroshiro128plus(seed);
  const strategies = Array.from({ length: Math.max(1, count >> 2) }, () => strategyOf(rng));
  return Array.from({ length: count }, () => setOf(rng, pick(rng, strategies)));
}

function expectSame(actual: SetResult[], expected: SetResult[]): void {
  expect(actual.length).toBe(expected.length);
  for (let p = 0; p < expected.length; p++) {
    for (const m of METRIC_NAMES) {
      if (!Object.is(actual[p].metrics[m], expected[p].metrics[m])) {
        throw new Error(`set ${p}: ${m} kernel ${actual[p].metrics[m]} vs topology ${expected[p].metrics[m]}`);
      }
    }
    expect(actual[p].trades).toEqual(expected[p].trades);
    if (expected[p].curve) {
      expect(Buffer.from(actual[p].curve!.equity.buffer).equals(Buffer.from(expected[p].curve!.equity.buffer))).toBe(true);
      expect(actual[p].curve!.exposed).toEqual(expected[p].curve!.exposed);
    }
  }
}

function check(data: MarketData, sets: ParameterSet[], window: BarWindow, recordCurves: boolean): void {
  const periodsPerYear = inferPeriodsPerYear(data.time);
  const reference = new Topology('optimization', data, sets, { window, periodsPerYear, storeTrades: true, recordCurves }).run();
  for (const columns of [new LocalColumns(), null, new LocalColumns(0)]) {
    expectSame(runKernel(data, sets, { window, periodsPerYear, storeTrades: true, recordCurves, columns }), reference);
  }
}

describe('batch kernel = event-driven optimization topology, bit for bit', () => {
  it('synthetic two-symbol data with a late-starting symbol, random sets and windows', () => {
    const a = generateSynthetic({ bars: 1200, symbols: ['A', 'B'], seed: 3 });
    // B has no bars for its first 300 and every 17th bar: the hub keeps its values, orders wait.
    const b = a.symbols[1];
    for (let t = 0; t < b.close.length; t++) if (t < 300 || t % 17 === 0) for (const f of ['open', 'high', 'low', 'close', 'volume'] as const) b[f][t] = NaN;
    const data: MarketData = { ...a, hash: 'holes' };
    let seed = 1;
    for (const window of [{ start: 0, end: 1200 }, { start: 250, end: 900 }, { start: 1100, end: 1200 }]) {
      check(data, randomSets(seed++, 120), window, seed % 2 === 0);
    }
  });

  it('real ORCL and NVDA bars (NVDA starts four years later), 200 sets, trades and curves', async () => {
    const data = await loadMarketData({ symbols: [{ symbol: 'ORCL', path: '/work/shared/data/orcl-1995-2014.txt' }, { symbol: 'NVDA', path: '/work/shared/data/nvda-1999-2014.txt' }] }, '.');
    check(data, randomSets(42, 200), { start: 2000, end: data.time.length }, true);
  });

  it('one set alone and the same set among others give the same result (instances are shared, not mixed)', () => {
    const data = generateSynthetic({ bars: 800, symbols: ['A'], seed: 9 });
    const sets = randomSets(7, 60);
    const window = { start: 0, end: 800 };
    const periodsPerYear = inferPeriodsPerYear(data.time);
    const all = runKernel(data, sets, { window, periodsPerYear, storeTrades: true, recordCurves: false, columns: new LocalColumns() });
    for (const p of [0, 17, 59]) {
      expectSame(runKernel(data, [sets[p]], { window, periodsPerYear, storeTrades: true, recordCurves: false, columns: null }), [all[p]]);
    }
  });
});
