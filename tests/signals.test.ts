import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateSynthetic } from '../src/data/synthetic.js';
import { loadMarketData } from '../src/data/load.js';
import type { MarketData } from '../src/data/series.js';
import { EventType } from '../src/engine/events.js';
import type { BrokerSpec, ParameterSet, RiskSpec, StrategySpec, Trade } from '../src/types.js';
import { decodeSignalSet, encodeSignalSet, SignalStore } from '../src/signals/file.js';
import { generateSignals } from '../src/batch/generate-signals.js';
import { signalKey } from '../src/signals/key.js';
import { densify, sparsify } from '../src/engine/sparse-signal.js';
import { runBatch } from '../src/topology/run-sets.js';
import { Topology, type SetResult } from '../src/topology/topology.js';
import { makeSet } from './helpers.js';

const SHARED = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const tmp = (): string => mkdtempSync(join(tmpdir(), 'fanfold-signals-'));

const STRATEGIES: StrategySpec[] = [
  { type: 'sma_crossover', params: { fast: 10, slow: 50 }, regimeFilter: null },
  { type: 'sma_crossover', params: { fast: 5, slow: 30, allow_short: true }, regimeFilter: null },
  { type: 'ema_crossover', params: { fast: 8, slow: 40, trigger: 'level' }, regimeFilter: null },
  { type: 'rsi_reversion', params: { n: 10, lower: 35, upper: 65, allow_short: true }, regimeFilter: null },
  {
    type: 'donchian_breakout',
    params: { n: 30, exit_n: 10 },
    regimeFilter: { type: 'volatility_regime', params: { n: 14, threshold: 0.015 }, allow: ['low_vol'] },
  },
];

/** A grid of risk and broker settings: 3 × 2 × 2 × 2 × 2 × 3 × 2 = 288 combinations. */
function riskBrokerGrid(): { risk: RiskSpec; broker: BrokerSpec; capital: number }[] {
  const out: { risk: RiskSpec; broker: BrokerSpec; capital: number }[] = [];
  for (const sizing of [
    { kind: 'percent_equity', value: 0.9 },
    { kind: 'fixed', value: 50 },
    { kind: 'fractional', value: 0.6 },
  ] as const)
    for (const stopLoss of [null, 0.04])
      for (const takeProfit of [null, 0.12])
        for (const trailingStop of [null, 0.07])
          for (const fill of ['next_open', 'close'] as const)
            for (const commission of [null, { kind: 'percent', value: 0.001 }, { kind: 'per_share', value: 0.01 }] as const)
              for (const slippage of [null, { kind: 'fixed', value: 0.02 }] as const)
                out.push({ capital: 50_000, risk: { sizing, stopLoss, takeProfit, trailingStop }, broker: { fill, commission, slippage } });
  return out;
}

function expectIdentical(replayed: SetResult, full: SetResult, label: string): void {
  for (const [name, value] of Object.entries(full.metrics)) {
    if (!Object.is(replayed.metrics[name as keyof typeof full.metrics], value))
      throw new Error(`${label}: metric ${name}: replay ${replayed.metrics[name as keyof typeof full.metrics]} vs backtest ${value}`);
  }
  const a = replayed.trades as Trade[];
  const b = full.trades as Trade[];
  expect(a.length, `${label}: trades`).toBe(b.length);
  for (let i = 0; i < b.length; i++) {
    const replayed = new Map(Object.entries(a[i]));
    for (const [field, value] of Object.entries(b[i])) {
      if (!Object.is(replayed.get(field), value))
        throw new Error(`${label}: trade ${i} ${field}: replay ${String(replayed.get(field))} vs backtest ${String(value)}`);
    }
  }
}

/** Generates the strategies' signals, then runs every strategy × risk/broker set both ways. */
function replayEqualsBacktest(data: MarketData, strategies: readonly StrategySpec[]): number {
  const dir = tmp();
  generateSignals(
    data,
    strategies.map((s) => makeSet(s.type, s.params, { strategy: s })),
    { dir },
  );
  const sets: ParameterSet[] = strategies.flatMap((strategy) => riskBrokerGrid().map((rb) => ({ ...rb, strategy })));
  const full = runBatch(data, sets, { storeTrades: true });
  const replayed = runBatch(data, sets, { storeTrades: true, replay: { dir } });
  let trades = 0;
  sets.forEach((set, i) => {
    expectIdentical(
      replayed[i],
      full[i],
      `${set.strategy.type} ${JSON.stringify(set.strategy.params)} ${JSON.stringify(set.risk)} ${JSON.stringify(set.broker)}`,
    );
    trades += full[i].trades!.length;
  });
  return trades;
}

describe('sparse signals', () => {
  it('keep exactly the changes against a flat start, and rebuild the dense series', () => {
    const dense = Float64Array.from([0, 0, 1, 1, 1, -0, 0, -1, -1, 0.5, 0.5]);
    const time = Float64Array.from({ length: 14 }, (_, i) => 1000 * i);
    const close = Float64Array.from({ length: 14 }, (_, i) => 10 + i);
    // Window starting at bar 3: dense[i] is bar 3 + i. 1 → −0 is a change (1 !== −0); −0 → 0 is not.
    const s = sparsify(dense, 3, time, close);
    expect([...s.index]).toEqual([5, 8, 10, 12]);
    expect([...s.value]).toEqual([1, -0, -1, 0.5]);
    expect(Object.is(s.value[1], -0)).toBe(true);
    expect([...s.time]).toEqual([5000, 8000, 10000, 12000]);
    expect([...s.price]).toEqual([15, 18, 20, 22]);
    const back = densify(s, 3, 14);
    expect(back).toHaveLength(11);
    // Every bar equal bit for bit except where the dense input held 0 after −0 (the runner never signals that change).
    expect([...back].map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual([0, 0, 1, 1, 1, '-0', '-0', -1, -1, 0.5, 0.5]);
  });

  it('an all-flat series has no changes', () => {
    const s = sparsify(new Float64Array(5), 0, new Float64Array(5), new Float64Array(5));
    expect(s.index.length).toBe(0);
    expect([...densify(s, 0, 5)]).toEqual([0, 0, 0, 0, 0]);
  });

  it("stored signals rebuild the dense targets the strategies held at every bar, and are the backtest's SIGNAL events", () => {
    const data = generateSynthetic({ bars: 1500, symbols: ['A', 'B', 'C'], seed: 5 });
    const sets = STRATEGIES.map((s) => makeSet(s.type, s.params, { strategy: s }));
    const window = { start: 200, end: 1500 };
    const topology = new Topology('signal_generation', data, sets, { window });
    topology.run();
    const dir = tmp();
    const infos = generateSignals(data, sets, { dir, window });
    const store = new SignalStore(dir);
    sets.forEach((set, p) => {
      // The backtest's SIGNAL events for this strategy, per symbol.
      const events: { symbol: number; index: number; target: number }[] = [];
      new Topology('backtest', data, [set], {
        window,
        onBus: (bus) => bus.observe(EventType.SIGNAL, 'test', (e) => events.push({ symbol: e.symbol, index: e.index, target: e.target })),
      }).run();
      const { set: stored } = store.read(infos[p].key, { dataHash: data.hash, window: [200, 1500], symbols: ['A', 'B', 'C'] });
      expect(infos[p].changes).toBe(events.length);
      expect(events.length).toBeGreaterThan(5);
      for (let s = 0; s < 3; s++) {
        const dense = topology.recorder!.dense[p * 3 + s];
        const rebuilt = densify(stored.series[s], 200, 1500);
        expect(rebuilt.length).toBe(dense.length);
        for (let i = 0; i < dense.length; i++)
          if (!Object.is(rebuilt[i], dense[i])) throw new Error(`set ${p} symbol ${s} bar ${200 + i}: ${rebuilt[i]} vs ${dense[i]}`);
        const mine = events.filter((e) => e.symbol === s);
        expect([...stored.series[s].index]).toEqual(mine.map((e) => e.index));
        expect([...stored.series[s].value]).toEqual(mine.map((e) => e.target));
        expect([...stored.series[s].time]).toEqual(mine.map((e) => data.time[e.index]));
        expect([...stored.series[s].price]).toEqual(mine.map((e) => data.symbols[s].close[e.index]));
      }
    });
  });

  it('encode and decode keep every bit', () => {
    const series = [
      { index: Int32Array.from([3, 9]), time: Float64Array.from([1.5, 2.5]), value: Float64Array.from([-0, 0.25]), price: Float64Array.from([NaN, 1e-300]) },
    ];
    const set = { key: 'k', dataHash: 'h', window: [0, 10] as const, strategy: { type: 'x' }, symbols: ['S'], series };
    const back = decodeSignalSet(encodeSignalSet(set));
    expect(back.key).toBe('k');
    expect(back.series[0].index).toBeInstanceOf(Int32Array);
    expect([...back.series[0].index]).toEqual([3, 9]);
    expect(Object.is(back.series[0].value[0], -0)).toBe(true);
    expect(Number.isNaN(back.series[0].price[0])).toBe(true);
    expect(back.series[0].price[1]).toBe(1e-300);
  });

  it('a signal key depends on the strategy with defaults applied, the data and the window — not on risk or broker', () => {
    const a = signalKey({ type: 'sma_crossover', params: { fast: 10 }, regimeFilter: null }, 'h', { start: 0, end: 10 });
    expect(
      signalKey({ type: 'sma_crossover', params: { fast: 10, slow: 30, trigger: 'cross', allow_short: false }, regimeFilter: null }, 'h', {
        start: 0,
        end: 10,
      }),
    ).toBe(a);
    expect(signalKey({ type: 'sma_crossover', params: { fast: 11 }, regimeFilter: null }, 'h', { start: 0, end: 10 })).not.toBe(a);
    expect(signalKey({ type: 'sma_crossover', params: { fast: 10 }, regimeFilter: null }, 'h2', { start: 0, end: 10 })).not.toBe(a);
    expect(signalKey({ type: 'sma_crossover', params: { fast: 10 }, regimeFilter: null }, 'h', { start: 1, end: 10 })).not.toBe(a);
    const f = (allow: string[]) =>
      signalKey({ type: 'sma_crossover', params: { fast: 10 }, regimeFilter: { type: 'trend_regime', params: {}, allow } }, 'h', { start: 0, end: 10 });
    expect(f(['trending', 'ranging'])).toBe(f(['ranging', 'trending']));
    expect(f(['trending'])).not.toBe(a);
  });

  it('a stored file made for other data is refused with the reason', () => {
    const data = generateSynthetic({ bars: 300, symbols: ['A'], seed: 1 });
    const other = generateSynthetic({ bars: 300, symbols: ['A'], seed: 2 });
    const dir = tmp();
    const [info] = generateSignals(data, [makeSet('sma_crossover', { fast: 5, slow: 20 })], { dir });
    expect(() => new SignalStore(dir).read(info.key, { dataHash: other.hash, window: [0, 300], symbols: ['A'] })).toThrow(/other market data/);
    writeFileSync(join(dir, `${info.key}.msgpack`), 'garbage');
    expect(() => new SignalStore(dir).read(info.key, { dataHash: data.hash, window: [0, 300], symbols: ['A'] })).toThrow(
      /not a fanfold signal file|msgpack|Unexpected|Data read/i,
    );
  });
});

describe('signal_replay equals the full backtest, trade for trade and metric for metric', () => {
  it('on synthetic data (3 symbols), 5 strategies × 288 risk/broker settings', () => {
    const data = generateSynthetic({ bars: 1200, symbols: ['A', 'B', 'C'], seed: 17 });
    expect(replayEqualsBacktest(data, STRATEGIES)).toBeGreaterThan(10_000);
  });

  it('on ORCL and NVDA daily bars (../shared/data), 2 strategies × 288 settings each', async () => {
    for (const file of ['orcl-1995-2014.txt', 'nvda-1999-2014.txt']) {
      const data = await loadMarketData({ path: join(SHARED, file) }, SHARED);
      expect(data.time.length).toBeGreaterThan(3000);
      expect(replayEqualsBacktest(data, [STRATEGIES[0], STRATEGIES[3]])).toBeGreaterThan(1000);
    }
  });

  it('on a window that starts after warm-up bars', () => {
    const data = generateSynthetic({ bars: 1200, symbols: ['A'], seed: 3 });
    const dir = tmp();
    const window = { start: 400, end: 1100 };
    const strategy = STRATEGIES[0];
    generateSignals(data, [makeSet(strategy.type, strategy.params)], { dir, window });
    const sets = riskBrokerGrid()
      .slice(0, 40)
      .map((rb) => ({ ...rb, strategy }));
    const full = runBatch(data, sets, { storeTrades: true, window });
    const replayed = runBatch(data, sets, { storeTrades: true, window, replay: { dir } });
    sets.forEach((_, i) => expectIdentical(replayed[i], full[i], `set ${i}`));
    // The stored set is tied to its window: another window is refused.
    expect(() => runBatch(data, sets.slice(0, 1), { window: { start: 0, end: 1100 }, replay: { dir } })).toThrow(/no stored signals/);
  });

  it('reads each file as written: its mtime is untouched by replays', () => {
    const data = generateSynthetic({ bars: 400, symbols: ['A'], seed: 9 });
    const dir = tmp();
    const [info] = generateSignals(data, [makeSet('sma_crossover', { fast: 5, slow: 20 })], { dir });
    const file = join(dir, `${info.key}.msgpack`);
    const before = statSync(file).mtimeMs;
    const bytes = readFileSync(file);
    runBatch(data, [makeSet('sma_crossover', { fast: 5, slow: 20 })], { replay: { dir } });
    expect(statSync(file).mtimeMs).toBe(before);
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });
});
