import { beforeAll, describe, expect, it } from 'vitest';
import { loadMarketData } from '../src/data/load.js';
import type { MarketData } from '../src/data/series.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { EventBus } from '../src/engine/bus.js';
import { barEvent, EventType, fillEvent, portfolioEvent, signalEvent } from '../src/engine/events.js';
import type { ParameterSet } from '../src/types.js';
import { UserError } from '../src/errors.js';
import { runBacktest, runBatch } from '../src/topology/run-sets.js';
import { Topology, type SetResult } from '../src/topology/topology.js';
import { closes, makeSet } from './helpers.js';

/**
 * Event routing (one portfolio never sees another's events) and the optimization topology: many
 * parameter sets in one pass over the bars must give exactly — bit for bit — what separate backtests
 * give, whatever the order of the sets in the batch.
 */

const TTRC = '/work/shared/data/ttrc.csv';

// -------------------------------------------------------------------------------------------------
describe('EventBus routing', () => {
  it('a FILL for portfolio 1 reaches only portfolio 1 handlers; an observer sees every portfolio', () => {
    const bus = new EventBus();
    const p0: number[] = [];
    const p1: number[] = [];
    const seen: number[] = [];
    bus.subscribePortfolio(EventType.FILL, 0, 'portfolio', (f) => p0.push(f.portfolio));
    bus.subscribePortfolio(EventType.FILL, 1, 'portfolio', (f) => p1.push(f.portfolio));
    bus.observe(EventType.FILL, 'tracing', (f) => seen.push(f.portfolio));

    const f = fillEvent();
    f.portfolio = 1;
    bus.publish(f);
    expect(p0).toEqual([]);
    expect(p1).toEqual([1]);
    expect(seen).toEqual([1]);

    f.portfolio = 0;
    bus.publish(f);
    expect(p0).toEqual([0]);
    expect(p1).toEqual([1]);
    expect(seen).toEqual([1, 0]);

    f.portfolio = 2; // nobody subscribed for portfolio 2: only the observer
    bus.publish(f);
    expect(p0).toEqual([0]);
    expect(p1).toEqual([1]);
    expect(seen).toEqual([1, 0, 2]);
  });

  it('routing is per type: a SIGNAL handler of portfolio 1 does not get FILLs, nor SIGNALs of portfolio 0', () => {
    const bus = new EventBus();
    const log: string[] = [];
    bus.subscribePortfolio(EventType.SIGNAL, 1, 'risk', (e) => log.push(`signal p${e.portfolio} target ${e.target}`));
    bus.subscribePortfolio(EventType.PORTFOLIO, 0, 'x', (e) => log.push(`portfolio p${e.portfolio}`));
    const s = signalEvent();
    s.portfolio = 0;
    s.target = 1;
    bus.publish(s);
    s.portfolio = 1;
    bus.publish(s);
    const f = fillEvent();
    f.portfolio = 1;
    bus.publish(f);
    const pe = portfolioEvent();
    pe.portfolio = 1;
    bus.publish(pe);
    pe.portfolio = 0;
    bus.publish(pe);
    expect(log).toEqual(['signal p1 target 1', 'portfolio p0']);
  });

  it('BAR goes to observers first, then every subscriber in subscription order, with bus.current naming the owner', () => {
    const bus = new EventBus();
    const log: string[] = [];
    for (const owner of ['execution', 'risk', 'features', 'portfolio']) bus.subscribe(EventType.BAR, owner, () => log.push(`${owner}:${bus.current}`));
    bus.observe(EventType.BAR, 'tracing', () => log.push(`tracing:${bus.current}`));
    bus.publish(barEvent());
    expect(log).toEqual(['tracing:tracing', 'execution:execution', 'risk:risk', 'features:features', 'portfolio:portfolio']);
  });

  it('hasListeners', () => {
    const bus = new EventBus();
    expect(bus.hasListeners(EventType.FILL, 0)).toBe(false);
    bus.subscribePortfolio(EventType.FILL, 1, 'p', () => {});
    expect(bus.hasListeners(EventType.FILL, 0)).toBe(false);
    expect(bus.hasListeners(EventType.FILL, 1)).toBe(true);
    bus.observe(EventType.FILL, 't', () => {});
    expect(bus.hasListeners(EventType.FILL, 0)).toBe(true);
  });

  it('in a real optimization run, a portfolio-1 FILL subscriber sees only portfolio 1, the observer both', () => {
    const data = generateSynthetic({ bars: 600, seed: 11 });
    const sets = [makeSet('sma_crossover', { fast: 5, slow: 20 }), makeSet('sma_crossover', { fast: 3, slow: 10 })];
    const onlyP1: number[] = [];
    const observed: number[][] = [[], []];
    runBatch(data, sets, {
      onBus: (bus) => {
        bus.subscribePortfolio(EventType.FILL, 1, 'test', (f) => onlyP1.push(f.index));
        bus.observe(EventType.FILL, 'tracing', (f) => observed[f.portfolio].push(f.index));
      },
    });
    expect(observed[0].length).toBeGreaterThan(0);
    expect(observed[1].length).toBeGreaterThan(0);
    expect(observed[0]).not.toEqual(observed[1]);
    expect(onlyP1).toEqual(observed[1]);
  });
});

// -------------------------------------------------------------------------------------------------
/** Every number compared with Object.is (so −0 ≠ 0 and NaN = NaN): bit-for-bit equality. */
function expectBitEqual(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected === 'number') {
    if (!Object.is(actual, expected)) throw new Error(`${path}: ${String(actual)} !== ${String(expected)}`);
    return;
  }
  if (expected === null || typeof expected !== 'object') {
    expect(actual, path).toBe(expected);
    return;
  }
  expect(typeof actual, path).toBe('object');
  expect(actual, path).not.toBeNull();
  const a = actual as Record<string, unknown>;
  const e = expected as Record<string, unknown>;
  expect(Object.keys(a).sort(), path).toEqual(Object.keys(e).sort());
  for (const k of Object.keys(e)) expectBitEqual(a[k], e[k], `${path}.${k}`);
}

function grid(): ParameterSet[] {
  const sets: ParameterSet[] = [];
  for (const fast of [3, 5, 8]) for (const slow of [10, 20, 30]) sets.push(makeSet('sma_crossover', { fast, slow }));
  sets.push(makeSet('rsi_reversion', { n: 14, lower: 30, upper: 70 }));
  sets.push(makeSet('rsi_reversion', { n: 7, lower: 25, upper: 75 }));
  sets.push(makeSet('rsi_reversion', { n: 2, lower: 10, upper: 90 }, { broker: { fill: 'close' } }));
  sets.push(makeSet('sma_crossover', { fast: 5, slow: 20 }, { risk: { stopLoss: 0.02 } }));
  // a few more shapes sharing features with the ones above
  sets.push(
    makeSet(
      'sma_crossover',
      { fast: 5, slow: 20, allow_short: true },
      { broker: { commission: { kind: 'percent', value: 0.001 }, slippage: { kind: 'fixed', value: 0.01 } } },
    ),
  );
  sets.push(makeSet('sma_crossover', { fast: 8, slow: 30, trigger: 'level' }, { risk: { takeProfit: 0.05, trailingStop: 0.03 } }));
  sets.push(makeSet('ema_crossover', { fast: 5, slow: 20 }, { risk: { sizing: { kind: 'fixed', value: 100 } } }));
  sets.push(makeSet('bollinger_reversion', { n: 20, k: 2 }, { capital: 50_000 }));
  sets.push(makeSet('donchian_breakout', { n: 20, exit_n: 10 }, { broker: { commission: { kind: 'per_share', value: 0.005 } } }));
  sets.push(makeSet('momentum', { n: 10, threshold: 0.02 }, { risk: { sizing: { kind: 'fractional', value: 0.7 } } }));
  sets.push(
    makeSet(
      'sma_crossover',
      { fast: 3, slow: 10 },
      { strategy: { regimeFilter: { type: 'trend_regime', params: { fast: 10, slow: 30, threshold: 0.01 }, allow: ['trending'] } } },
    ),
  );
  return sets;
}

/** A fixed permutation that moves every set (seeded, no Math.random). */
function shuffled(n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let seed = 42;
  for (let i = n - 1; i > 0; i--) {
    seed = (seed * 48271) % 2147483647;
    const j = seed % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function checkBatchEqualsBacktests(getData: () => MarketData, options: { window?: { start: number; end: number } } = {}) {
  const sets = grid();
  let separate: SetResult[] = [];

  beforeAll(() => {
    separate = sets.map((s) => runBacktest(getData(), s, { storeTrades: true, ...options }));
  });

  it('the runs are not trivial', () => {
    const traded = separate.filter((r) => r.metrics.trades > 0).length;
    expect(traded).toBeGreaterThanOrEqual(sets.length - 1);
  });

  it('runBatch(sets)[i] equals runBacktest(sets[i]) for every i, metrics and trades, bit for bit', () => {
    const batch = runBatch(getData(), sets, { storeTrades: true, ...options });
    expect(batch).toHaveLength(sets.length);
    for (let i = 0; i < sets.length; i++) {
      expect(batch[i], `set ${i}: ${JSON.stringify(sets[i].strategy)}`).toEqual(separate[i]);
      expectBitEqual(batch[i], separate[i], `set ${i}`);
    }
  });

  it('the order of the sets in the batch does not change any result', () => {
    for (const order of [sets.map((_, i) => sets.length - 1 - i), shuffled(sets.length)]) {
      const batch = runBatch(
        getData(),
        order.map((i) => sets[i]),
        { storeTrades: true, ...options },
      );
      order.forEach((i, j) => expectBitEqual(batch[j], separate[i], `set ${i} at position ${j}`));
    }
  });

  it('a set alone in a batch, or duplicated, gives the same result', () => {
    const i = 12; // the stop-loss set
    expectBitEqual(runBatch(getData(), [sets[i]], { storeTrades: true, ...options })[0], separate[i]);
    const twice = runBatch(getData(), [sets[i], sets[0], sets[i]], { storeTrades: true, ...options });
    expectBitEqual(twice[0], separate[i]);
    expectBitEqual(twice[1], separate[0]);
    expectBitEqual(twice[2], separate[i]);
  });

  it('the stop-loss set really exits on stops inside the batch', () => {
    const reasons = new Set<string>();
    runBatch(getData(), sets, { ...options, onBus: (bus) => bus.observe(EventType.FILL, 'test', (f) => f.portfolio === 12 && reasons.add(f.reason)) });
    expect(reasons.has('stop_loss')).toBe(true);
  });
}

describe('optimization topology = separate backtests', () => {
  describe('synthetic, 2000 bars, seed 3', () => {
    const data = generateSynthetic({ bars: 2000, seed: 3 });
    checkBatchEqualsBacktests(() => data);
  });

  describe('synthetic, window [700, 1800)', () => {
    const data = generateSynthetic({ bars: 2000, seed: 3 });
    checkBatchEqualsBacktests(() => data, { window: { start: 700, end: 1800 } });
  });

  describe('ttrc.csv (real daily bars)', () => {
    let data: MarketData;
    beforeAll(async () => {
      data = await loadMarketData({ path: TTRC, symbol: 'TTRC' }, '.');
      expect(data.time.length).toBe(5550);
    });
    checkBatchEqualsBacktests(() => data);
  });
});

// -------------------------------------------------------------------------------------------------
describe('multi-symbol', () => {
  const data = generateSynthetic({ bars: 1500, symbols: ['A', 'B'], seed: 5 });
  const set = makeSet('sma_crossover', { fast: 10, slow: 30 }, { risk: { sizing: { kind: 'percent_equity', value: 0.5 } } });

  it('trades occur on both symbols, and one portfolio holds both at once', () => {
    const held = [0, 0];
    let both = 0;
    const fills: { symbol: number; quantity: number; price: number; portfolio: number }[] = [];
    const r = runBacktest(data, set, {
      storeTrades: true,
      onBus: (bus) => {
        bus.observe(EventType.FILL, 'test', (f) => fills.push({ symbol: f.symbol, quantity: f.quantity, price: f.price, portfolio: f.portfolio }));
        bus.observe(EventType.POSITION, 'test', (p) => {
          held[p.symbol] = p.quantity;
          if (held[0] !== 0 && held[1] !== 0) both++;
        });
      },
    });
    const trades = r.trades ?? [];
    const symbols = new Set(trades.map((t) => t.symbol));
    expect([...symbols].sort()).toEqual(['A', 'B']);
    expect(trades.filter((t) => t.symbol === 'A').length).toBeGreaterThan(3);
    expect(trades.filter((t) => t.symbol === 'B').length).toBeGreaterThan(3);
    expect(both).toBeGreaterThan(0);
    expect(new Set(fills.map((f) => f.portfolio))).toEqual(new Set([0]));

    // a trade on A overlaps a trade on B in time (ISO strings compare as times)
    const a = trades.filter((t) => t.symbol === 'A');
    const b = trades.filter((t) => t.symbol === 'B');
    expect(a.some((x) => b.some((y) => x.entry_time < y.exit_time && y.entry_time < x.exit_time))).toBe(true);

    // sizing: the very first entry (flat portfolio, equity = cash = capital) buys floor(0.5·100000 / open)
    expect(fills[0].quantity).toBe(Math.floor(50_000 / fills[0].price));
    expect(r.metrics.trades).toBe(trades.length);
  });

  it('multi-symbol batch equals separate backtests', () => {
    const sets = [
      set,
      makeSet('rsi_reversion', { n: 14 }, { risk: { sizing: { kind: 'percent_equity', value: 0.5 } } }),
      makeSet('buy_and_hold', {}, { risk: { sizing: { kind: 'percent_equity', value: 0.5 } } }),
    ];
    const batch = runBatch(data, sets, { storeTrades: true });
    sets.forEach((s, i) => expectBitEqual(batch[i], runBacktest(data, s, { storeTrades: true }), `set ${i}`));
  });
});

// -------------------------------------------------------------------------------------------------
describe('topology construction errors', () => {
  const data = closes([10, 11, 12, 13]);

  it('a backtest topology with 2 sets throws a clear error', () => {
    const two = [makeSet('buy_and_hold'), makeSet('sma_crossover', { fast: 1, slow: 2 })];
    expect(() => new Topology('backtest', data, two)).toThrow(UserError);
    expect(() => new Topology('backtest', data, two)).toThrow(/backtest topology runs exactly one parameter set, got 2/);
    expect(() => new Topology('backtest', data, [])).toThrow(UserError);
  });

  it('an optimization with no sets, or a window outside the data, throws', () => {
    expect(() => runBatch(data, [])).toThrow(/no parameter sets/);
    expect(() => runBacktest(data, makeSet('buy_and_hold'), { window: { start: 2, end: 9 } })).toThrow(/window \[2, 9\)/);
    expect(() => runBacktest(data, makeSet('buy_and_hold'), { window: { start: 3, end: 3 } })).toThrow(UserError);
  });
});
