import { describe, expect, it } from 'vitest';
import type { MarketData } from '../src/data/series.js';
import { EventType } from '../src/engine/events.js';
import type { ParameterSet } from '../src/types.js';
import { UserError } from '../src/errors.js';
import { trendRegime } from '../src/strategies/classifiers.js';
import { emaCrossover, smaCrossover } from '../src/strategies/crossover.js';
import { bollingerReversion, rsiReversion } from '../src/strategies/reversion.js';
import type { BarView, RawParams, StrategyDefinition } from '../src/strategies/strategy.js';
import { buyAndHold, donchianBreakout, momentum } from '../src/strategies/trend.js';
import { runBacktest } from '../src/topology/run-sets.js';
import { bars, closes, makeSet, type SetOverrides } from './helpers.js';

/**
 * Strategy semantics of DESIGN.md section 5 (Signals and orders, Crossovers), checked end to end on
 * hand-made close series. Every run uses `fill: close`, so an order fills at the close of the bar
 * whose signal produced it, and all-in percent_equity sizing without costs (capital 100 000): the
 * quantity of an entry at price P is floor(100000 / P) while flat. The helpers' bars are daily from
 * 2020-01-01, so bar i is `day(i)`.
 */

const DAY = 86_400_000;
const START = Date.UTC(2020, 0, 1);
const day = (i: number): string => new Date(START + i * DAY).toISOString();

interface RecordedFill {
  index: number;
  quantity: number;
  price: number;
  reason: string;
}

function atClose(type: string, params: ParameterSet['strategy']['params'] = {}, o: SetOverrides = {}): ParameterSet {
  return makeSet(type, params, { ...o, broker: { fill: 'close', ...o.broker } });
}

/** Runs one set with trades stored and every fill recorded (events are reused objects: copy). */
function run(data: MarketData, set: ParameterSet) {
  const fills: RecordedFill[] = [];
  const result = runBacktest(data, set, {
    storeTrades: true,
    onBus: (bus) => bus.observe(EventType.FILL, 'test', (f) => fills.push({ index: f.index, quantity: f.quantity, price: f.price, reason: f.reason })),
  });
  return { ...result, trades: result.trades ?? [], fills };
}

function longTrade(entry: number, entryPrice: number, exit: number, exitPrice: number, qty: number, pnl: number, symbol = 'T') {
  return { symbol, side: 'long', qty, entry_time: day(entry), entry_price: entryPrice, exit_time: day(exit), exit_price: exitPrice, commission: 0, pnl };
}

function barView(close: number, extra: Partial<BarView> = {}): BarView {
  return { index: 0, time: 0, open: close, high: close, low: close, close, volume: 1000, ...extra };
}

/** Calls a definition's signal function over a sequence of feature rows, with fresh NaN state. */
function signals<P>(def: StrategyDefinition<P>, raw: RawParams, rows: readonly (readonly number[])[], closesSeen?: readonly number[]): number[] {
  const p = def.prepare(raw);
  const width = def.features(p).length;
  const cols = Int32Array.from({ length: width }, (_, i) => i);
  const state = new Float64Array(def.stateSize).fill(NaN);
  return rows.map((row, t) => def.signal(Float64Array.from(row), cols, barView(closesSeen?.[t] ?? 0, { index: t }), p, state));
}

// -------------------------------------------------------------------------------------------------
describe('sma_crossover, trigger: cross (the default)', () => {
  // With fast = 1 and slow = 2: sma(1) = C_t, sma(2) = (C_t + C_{t−1})/2, so d_t = (C_t − C_{t−1})/2:
  // d is positive on an up move, negative on a down move and exactly 0 on an unchanged close.
  const fs = { fast: 1, slow: 2 };

  it('enters at the up-cross bar and exits at the down-cross bar', () => {
    // d: bar1 −, bar2 + (up-cross: buy at 10), bar3 +, bar4 − (down-cross: sell at 11)
    const r = run(closes([10, 9, 10, 12, 11]), atClose('sma_crossover', fs));
    expect(r.trades).toEqual([longTrade(2, 10, 4, 11, 10_000, 10_000)]);
    expect(r.fills.map((f) => f.index)).toEqual([2, 4]);
    expect(r.metrics.trades).toBe(1);
    expect(r.metrics.final_equity).toBe(110_000);
  });

  it('the first bar that can cross is the one after both averages first exist', () => {
    // fast 1, slow 3: sma(3) first exists at bar 2. d2 = 10 − 29/3 > 0 is not a cross (no earlier d);
    // d3 = 11 − 10 > 0 continues: no trade at all although the close rose 9 → 10 → 11.
    const r = run(closes([10, 9, 10, 11]), atClose('sma_crossover', { fast: 1, slow: 3 }));
    expect(r.fills).toEqual([]);
    expect(r.trades).toEqual([]);
    // fast 1, slow 2: both exist from bar 1 (d1 < 0), so bar 2 (d2 > 0) is the first possible cross.
    const r2 = run(closes([10, 9, 10, 11]), atClose('sma_crossover', fs));
    expect(r2.fills.map((f) => [f.index, f.price])).toEqual([[2, 10]]);
  });

  it('an exact tie is not a cross and does not reset the last non-zero difference: −, 0, + crosses at +', () => {
    // d: bar1 − (9 < 10), bar2 0 (9 = 9), bar3 + : nz2 = nz1 < 0 and d3 > 0 → up-cross at bar 3
    const r = run(closes([10, 9, 9, 10]), atClose('sma_crossover', fs));
    expect(r.fills.map((f) => [f.index, f.quantity, f.price])).toEqual([[3, 10_000, 10]]);
  });

  it('+, 0, + does not cross (the tie keeps nz positive)', () => {
    // d: bar1 + (first bar with both averages: no cross), bar2 0, bar3 +: nz2 = d1 > 0 → no up-cross
    const r = run(closes([10, 11, 11, 12, 12.5]), atClose('sma_crossover', fs));
    expect(r.fills).toEqual([]);
    // and a tie after a down move followed by another down move is no down-cross either, while a
    // later + is an up-cross: d1 −, d2 0, d3 −, d4 + → buy at bar 4 only
    const r2 = run(closes([10, 9.5, 9.5, 9.25, 9.75]), atClose('sma_crossover', fs));
    expect(r2.fills.map((f) => f.index)).toEqual([4]);
  });

  it('ties with 2-decimal prices are exact: no false crossovers on a long series', () => {
    // A long pseudo-random walk in cents, then a stretch alternating x, y, x, y…: inside it
    // sma(2) = (x+y)/2 and sma(4) = (2x+2y)/4 are exactly equal, so d = 0 on every bar from
    // p0 + 3 on. An exactly rounded window sum keeps it 0; a naive running sum would not.
    const prices: number[] = [];
    let seed = 12345;
    let p = 100;
    for (let i = 0; i < 700; i++) {
      seed = (seed * 48271) % 2147483647;
      p = Math.max(20, Math.round((p + ((seed % 1001) - 500) / 137) * 100) / 100);
      prices.push(p);
    }
    const p0 = prices.length;
    for (let i = 0; i < 60; i++) prices.push(i % 2 === 0 ? 101.37 : 98.71);

    // the test is meaningful: naive running sums do drift off the tie somewhere in the stretch
    const naive = (n: number): number[] => {
      const out: number[] = [];
      let sum = 0;
      prices.forEach((c, t) => {
        sum += c;
        if (t >= n) sum -= prices[t - n];
        out.push(t >= n - 1 ? sum / n : NaN);
      });
      return out;
    };
    const n2 = naive(2);
    const n4 = naive(4);
    let naiveNonZero = 0;
    for (let t = p0 + 3; t < prices.length; t++) if (n2[t] - n4[t] !== 0) naiveNonZero++;
    expect(naiveNonZero).toBeGreaterThan(0);

    const data = closes(prices);
    const cross = run(data, atClose('sma_crossover', { fast: 2, slow: 4 }));
    expect(cross.fills.filter((f) => f.index >= p0 + 3)).toEqual([]);
    expect(cross.trades.length).toBeGreaterThan(5); // the walk itself does cross

    // level: flat on equality, so whatever was held is sold by bar p0 + 3 and nothing trades after
    const level = run(data, atClose('sma_crossover', { fast: 2, slow: 4, trigger: 'level' }));
    expect(level.fills.filter((f) => f.index > p0 + 3)).toEqual([]);
    expect(level.fills.reduce((s, f) => s + f.quantity, 0)).toBe(0);
  });

  it('allow_short: a down-cross reverses into a short (trade side short)', () => {
    // d: 1 −, 2 + (buy 10000 at 10), 3 +, 4 − (sell at 11, short 10000 at 11), 5 −, 6 + (cover at 12, buy)
    const r = run(closes([10, 9, 10, 12, 11, 10, 12]), atClose('sma_crossover', { ...fs, allow_short: true }));
    expect(r.trades).toEqual([
      longTrade(2, 10, 4, 11, 10_000, 10_000),
      { symbol: 'T', side: 'short', qty: 10_000, entry_time: day(4), entry_price: 11, exit_time: day(6), exit_price: 12, commission: 0, pnl: -10_000 },
    ]);
    // after covering: cash 100000; the new long is floor(100000 / 12) = 8333 shares, open at the end
    expect(r.fills.map((f) => [f.index, f.quantity])).toEqual([
      [2, 10_000],
      [4, -10_000],
      [4, -10_000],
      [6, 10_000],
      [6, 8333],
    ]);
    expect(r.metrics.trades).toBe(2);

    // long-only (the default): the same series goes flat at bar 4 and re-enters at bar 6
    const lo = run(closes([10, 9, 10, 12, 11, 10, 12]), atClose('sma_crossover', fs));
    expect(lo.trades).toEqual([longTrade(2, 10, 4, 11, 10_000, 10_000)]);
    expect(lo.fills.map((f) => [f.index, f.quantity])).toEqual([
      [2, 10_000],
      [4, -10_000],
      [6, 9166], // floor(110000 / 12)
    ]);
  });
});

describe('sma_crossover, trigger: level', () => {
  it('holds +1 while fast > slow strictly and is flat on equality, from the first bar where both exist', () => {
    // fast 1, slow 2 → d sign = sign of the close change: bar1 + (buy at 11), bar2 + hold,
    // bar3 0 (flat: sell at 12), bar4 + (buy at 13), bar5 − (sell at 12)
    const r = run(closes([10, 11, 12, 12, 13, 12]), atClose('sma_crossover', { fast: 1, slow: 2, trigger: 'level' }));
    // second entry: cash 100000 + 9090 = 109090 → floor(109090 / 13) = 8391 shares
    expect(r.trades).toEqual([longTrade(1, 11, 3, 12, 9090, 9090), longTrade(4, 13, 5, 12, 8391, -8391)]);
  });

  it('level enters at the first bar where both averages exist, where cross would not', () => {
    const r = run(closes([10, 9, 10, 11]), atClose('sma_crossover', { fast: 1, slow: 3, trigger: 'level' }));
    expect(r.fills.map((f) => [f.index, f.price])).toEqual([[2, 10]]);
  });
});

describe('ema_crossover', () => {
  it('crosses on EMAs (k = 2/(n+1), seeded with the SMA of the first n closes)', () => {
    // ema(1) = close; ema(3): k = 0.5, seed at bar 2 = mean(10,10,10) = 10.
    // bar2: d = 0 (first bar with both: no nz yet); bar3: ema3 = 9.5, d = −0.5 (nz before is undefined);
    // bar4: ema3 = 10.25, d = +0.75 → up-cross: buy 9090 at 11; bar5: ema3 = 11.125, d > 0;
    // bar6: ema3 = 11.1625, d = +0.0375 (an SMA(3) = 11.4 would have crossed down here);
    // bar7: ema3 = 10.58125, d < 0 → down-cross: sell at 10.
    const r = run(closes([10, 10, 10, 9, 11, 12, 11.2, 10]), atClose('ema_crossover', { fast: 1, slow: 3 }));
    expect(r.trades).toEqual([longTrade(4, 11, 7, 10, 9090, -9090)]);
    const sma = run(closes([10, 10, 10, 9, 11, 12, 11.2, 10]), atClose('sma_crossover', { fast: 1, slow: 3 }));
    expect(sma.trades.map((t) => [t.entry_time, t.exit_time])).toEqual([[day(4), day(6)]]);
  });
});

describe('rsi_reversion', () => {
  // RSI(2): Wilder k = 1/2, seeded with the mean of the first 2 changes; first value at bar 2.
  // closes 10, 9, 8, 9, 10, 11: changes −1, −1, +1, +1, +1
  //   bar2: up 0, down 1 → RSI 0;  bar3: up 0.5, down 0.5 → 50;  bar4: up 0.75, down 0.25 → 75;
  //   bar5: up 0.875, down 0.125 → 87.5
  const prices = [10, 9, 8, 9, 10, 11];

  it('enters when rsi < lower and exits when rsi > upper', () => {
    const r = run(closes(prices), atClose('rsi_reversion', { n: 2, lower: 30, upper: 70 }));
    expect(r.trades).toEqual([longTrade(2, 8, 4, 10, 12_500, 25_000)]);
  });

  it('the thresholds are strict: rsi = upper does not exit', () => {
    const r = run(closes(prices), atClose('rsi_reversion', { n: 2, lower: 30, upper: 75 }));
    expect(r.trades).toEqual([longTrade(2, 8, 5, 11, 12_500, 37_500)]);
    const none = run(closes(prices), atClose('rsi_reversion', { n: 2, lower: 0, upper: 70 }));
    expect(none.fills).toEqual([]); // RSI 0 is not < 0
  });
});

describe('orders come from target changes (rsi_reversion with a stop-loss)', () => {
  it('after a stop closes the position, the strategy re-enters only when its target changes again', () => {
    // RSI(2) (see above for the recursion): bar2 RSI 0 → buy 12500 at 8; stop level 8 × 0.95 = 7.6;
    // bar3 opens at 7.5 ≤ 7.6 → stop-loss fill at the open, 7.5. RSI stays < 30 at bars 3, 4 and again
    // at bar 7 (≈ 19.5), but the target is still +1: no re-entry. Bar 8 RSI ≈ 86 > 70 → target 0
    // (nothing to sell); bar 10 RSI ≈ 20 < 30 → target +1 again → buy floor(93750 / 5) = 18750 at 5.
    const prices = [10, 9, 8, 7.5, 6, 7, 6.5, 6, 9, 7, 5];
    const r = run(closes(prices), atClose('rsi_reversion', { n: 2, lower: 30, upper: 70 }, { risk: { stopLoss: 0.05 } }));
    expect(r.fills).toEqual([
      { index: 2, quantity: 12_500, price: 8, reason: 'signal' },
      { index: 3, quantity: -12_500, price: 7.5, reason: 'stop_loss' },
      { index: 10, quantity: 18_750, price: 5, reason: 'signal' },
    ]);
    expect(r.trades).toEqual([longTrade(2, 8, 3, 7.5, 12_500, -6250)]);
  });
});

describe('bollinger_reversion', () => {
  it('buys below the lower band and exits above the middle', () => {
    // n 3, k 1 (population sd). bar2: mean 10, sd 0, close 10 is not < 10.
    // bar3: window 10,10,7: mean 9, sd √2, lower 7.586 → close 7 < lower: buy floor(100000/7) = 14285
    // bar4: window 10,7,8: mean 8.33, close 8 below the middle → hold
    // bar5: window 7,8,10: mean 8.33, close 10 > middle → exit at 10
    const r = run(closes([10, 10, 10, 7, 8, 10, 11]), atClose('bollinger_reversion', { n: 3, k: 1 }));
    expect(r.trades).toEqual([longTrade(3, 7, 5, 10, 14_285, 42_855)]);
  });
});

describe('donchian_breakout', () => {
  it("breaks out above the PREVIOUS bar's highest(n) and exits below the previous lowest(exit_n)", () => {
    const data = bars([
      [10, 11, 9, 10],
      [10, 11, 9, 10],
      [10, 11, 9, 10], // highest(3) = 11 first exists here
      [10, 12, 10, 11.5], // close 11.5 > previous highest(3) 11 (the current one is 12): buy 8695
      [11.5, 12, 11, 11.8], // previous lowest(2) = 9: hold
      [11.8, 12, 11.2, 11.1], // previous lowest(2) = min(10, 11) = 10: hold
      [11, 11.2, 10.5, 10.6], // previous lowest(2) = min(11, 11.2) = 11: close 10.6 < 11 → exit
    ]);
    const r = run(data, atClose('donchian_breakout', { n: 3, exit_n: 2 }));
    expect(r.trades).toHaveLength(1);
    const t = r.trades[0];
    expect({ ...t, pnl: 0 }).toEqual({ ...longTrade(3, 11.5, 6, 10.6, 8695, 0), pnl: 0 });
    expect(t.pnl).toBeCloseTo(8695 * (10.6 - 11.5), 6);
  });

  it('a close equal to the previous highest(n) is not a breakout', () => {
    const data = bars([
      [10, 11, 9, 10],
      [10, 11, 9, 10],
      [10, 11, 9, 10],
      [10, 12, 10, 11], // close 11 = previous highest(3): no entry
      [11, 12.5, 11, 12.2], // close 12.2 > previous highest(3) 12: buy
    ]);
    const r = run(data, atClose('donchian_breakout', { n: 3, exit_n: 2 }));
    expect(r.fills.map((f) => [f.index, f.price])).toEqual([[4, 12.2]]);
  });
});

describe('momentum', () => {
  it('long while roc(n) > threshold, flat when roc(n) < −threshold, holds in between', () => {
    // n 2, threshold 0.05: bar2 roc 0.04 (nothing), bar3 0.10 → buy 909 at 110, bar4 0.077 hold,
    // bar5 −0.018 hold, bar6 100/112 − 1 = −0.107 → sell at 100
    const r = run(closes([100, 100, 104, 110, 112, 108, 100]), atClose('momentum', { n: 2, threshold: 0.05 }));
    expect(r.trades).toEqual([longTrade(3, 110, 6, 100, 909, -9090)]);
  });
});

describe('buy_and_hold', () => {
  it('buys at the first bar and keeps the position open (marked to market, not a closed trade)', () => {
    const r = run(closes([10, 12, 11]), atClose('buy_and_hold'));
    expect(r.fills.map((f) => [f.index, f.quantity, f.price])).toEqual([[0, 10_000, 10]]);
    expect(r.trades).toEqual([]);
    expect(r.metrics.trades).toBe(0);
    expect(r.metrics.final_equity).toBe(110_000);
    expect(r.metrics.exposure).toBe(1);
  });

  it('with next_open fills the entry is at the open of bar 1', () => {
    const r = run(
      bars([
        [10, 10, 10, 10],
        [11, 12, 10, 12],
        [12, 12, 11, 11],
      ]),
      makeSet('buy_and_hold'),
    );
    expect(r.fills.map((f) => [f.index, f.quantity, f.price])).toEqual([[1, 9090, 11]]);
    expect(r.metrics.final_equity).toBe(100_000 - 9090 * 11 + 9090 * 11);
  });
});

// -------------------------------------------------------------------------------------------------
describe('strategy functions called directly', () => {
  it('sma_crossover: nz survives ties; a same-direction move after a tie is no new cross', () => {
    // rows are [fast, slow]; d = −1, 0, +1, 0, +1, −1, 0, −1, +1
    const rows = [
      [9, 10],
      [10, 10],
      [11, 10],
      [10, 10],
      [11, 10],
      [9, 10],
      [10, 10],
      [9, 10],
      [11, 10],
    ];
    const out = signals(smaCrossover, { fast: 2, slow: 5 }, rows);
    expect(out).toEqual([NaN, NaN, 1, NaN, NaN, 0, NaN, NaN, 1]);
    const short = signals(smaCrossover, { fast: 2, slow: 5, allow_short: true }, rows);
    expect(short).toEqual([NaN, NaN, 1, NaN, NaN, -1, NaN, NaN, 1]);
  });

  it('sma_crossover: nothing before both averages exist; the first bar with both only records d', () => {
    const out = signals(smaCrossover, { fast: 2, slow: 5 }, [
      [NaN, NaN],
      [11, NaN],
      [11, 10], // first with both: d > 0, not a cross
      [9, 10], // down-cross
      [11, 10], // up-cross
    ]);
    expect(out).toEqual([NaN, NaN, NaN, 0, 1]);
    const first = signals(smaCrossover, { fast: 2, slow: 5 }, [
      [10, 10], // first with both, tie: nz still undefined
      [11, 10], // so this is no up-cross
      [9, 10],
    ]);
    expect(first).toEqual([NaN, NaN, 0]);
  });

  it('sma_crossover level: strict inequality', () => {
    const out = signals(smaCrossover, { fast: 2, slow: 5, trigger: 'level' }, [
      [NaN, 10],
      [11, 10],
      [10, 10],
      [9, 10],
      [10.5, 10],
    ]);
    expect(out).toEqual([NaN, 1, 0, 0, 1]);
  });

  it('ema_crossover reads the ema keys', () => {
    expect(emaCrossover.features(emaCrossover.prepare({ fast: 3, slow: 7 }))).toEqual(['ema(3)', 'ema(7)']);
    expect(smaCrossover.features(smaCrossover.prepare({}))).toEqual(['sma(10)', 'sma(30)']);
  });

  it('rsi_reversion: < lower → 1, > upper → 0 (−1 with allow_short), else no signal', () => {
    expect(signals(rsiReversion, { n: 14 }, [[NaN], [29.9], [30], [50], [70], [70.1]])).toEqual([NaN, 1, NaN, NaN, NaN, 0]);
    expect(signals(rsiReversion, { n: 14, allow_short: true }, [[71]])).toEqual([-1]);
  });

  it('donchian_breakout compares with the previous bar channel', () => {
    // rows: [highest(n), lowest(exit_n), lowest(n), highest(exit_n)], closes beside
    const rows = [
      [12, 9, 9, 12],
      [12, 9, 9, 12],
      [13, 10, 9, 13],
      [13, 12, 10, 13],
    ];
    // bar1: close 12 = previous highest 12 → no; bar2: close 12.5 > 12 → 1 (though highest now 13);
    // bar3: close 9.5 < previous lowest(exit_n) 10 → 0
    expect(signals(donchianBreakout, { n: 3, exit_n: 2 }, rows, [11, 12, 12.5, 9.5])).toEqual([NaN, NaN, 1, 0]);
  });

  it('momentum and buy_and_hold', () => {
    expect(signals(momentum, { n: 5, threshold: 0.1 }, [[NaN], [0.1], [0.11], [-0.1], [-0.11]])).toEqual([NaN, NaN, 1, NaN, 0]);
    expect(signals(buyAndHold, {}, [[], []])).toEqual([1, 1]);
  });

  it('bollinger_reversion keeps the side it holds in its state', () => {
    // rows: [lower, middle, upper]
    const rows = [
      [9, 10, 11],
      [9, 10, 11],
      [9, 10, 11],
      [9, 10, 11],
    ];
    expect(signals(bollingerReversion, { n: 5, k: 2 }, rows, [9.5, 8.9, 9.9, 10.1])).toEqual([NaN, 1, NaN, 0]);
    expect(signals(bollingerReversion, { n: 5, k: 2, allow_short: true }, rows, [11.5, 10.5, 9.9, 8])).toEqual([-1, NaN, 0, 1]);
  });
});

// -------------------------------------------------------------------------------------------------
describe('parameter validation', () => {
  const data = closes([10, 11, 12, 13, 14]);
  const attempt = (type: string, params: Record<string, number | string | boolean>) => () => runBacktest(data, makeSet(type, params));

  it('an unknown parameter names the strategy and the parameter', () => {
    expect(attempt('sma_crossover', { fast: 2, slow: 3, fats: 4 })).toThrow(UserError);
    expect(attempt('sma_crossover', { fast: 2, slow: 3, fats: 4 })).toThrow(/sma_crossover.*'fats'/);
  });

  it('a wrong type names strategy.param', () => {
    expect(attempt('sma_crossover', { fast: 'ten' })).toThrow(/sma_crossover\.fast/);
    expect(attempt('sma_crossover', { fast: 2.5 })).toThrow(/sma_crossover\.fast/);
    expect(attempt('sma_crossover', { trigger: 'sometimes' })).toThrow(/sma_crossover\.trigger/);
    expect(attempt('rsi_reversion', { allow_short: 'yes' })).toThrow(/rsi_reversion\.allow_short/);
  });

  it('out of bounds names strategy.param', () => {
    expect(attempt('sma_crossover', { fast: 0 })).toThrow(/sma_crossover\.fast/);
    expect(attempt('rsi_reversion', { lower: 120 })).toThrow(/rsi_reversion\.lower/);
    expect(attempt('rsi_reversion', { upper: -1 })).toThrow(/rsi_reversion\.upper/);
    expect(attempt('bollinger_reversion', { n: 1 })).toThrow(/bollinger_reversion\.n/);
    expect(attempt('momentum', { threshold: -0.1 })).toThrow(/momentum\.threshold/);
    expect(attempt('buy_and_hold', { n: 3 })).toThrow(/buy_and_hold.*'n'/);
  });

  it('an unknown strategy type is an error', () => {
    expect(attempt('sma_crosover', {})).toThrow(/unknown strategy 'sma_crosover'/);
  });
});

// -------------------------------------------------------------------------------------------------
describe('regime filter', () => {
  // trend_regime(fast 1, slow 2, threshold 0.01): spread = C_t / ((C_t + C_{t−1})/2) − 1; trending when
  // |spread| > 0.01. Constant closes give spread 0: ranging.
  const filter = (allow: string[]) => ({ regimeFilter: { type: 'trend_regime', params: { fast: 1, slow: 2, threshold: 0.01 }, allow } });

  it('holds no position while the classifier says ranging', () => {
    const r = run(closes([100, 100, 100, 100, 100, 100]), atClose('buy_and_hold', {}, { strategy: filter(['trending']) }));
    expect(r.fills).toEqual([]);
    expect(r.metrics.exposure).toBe(0);
    expect(r.metrics.final_equity).toBe(100_000);
    // without the filter the same data is held from bar 0
    expect(run(closes([100, 100, 100, 100, 100, 100]), atClose('buy_and_hold')).metrics.exposure).toBe(1);
  });

  it('enters when trending, goes flat when ranging, re-enters when trending again', () => {
    // bar3: 110/105 − 1 = 0.048 trending → buy 909 at 110; bar4: 121/115.5 − 1 = 0.048 hold;
    // bar5: 121/121 − 1 = 0 ranging → sell at 121; bar6 ranging; bar7: 133.1/127.05 − 1 trending → buy
    const prices = [100, 100, 100, 110, 121, 121, 121, 133.1];
    const r = run(closes(prices), atClose('buy_and_hold', {}, { strategy: filter(['trending']) }));
    expect(r.trades).toEqual([longTrade(3, 110, 5, 121, 909, 9999)]);
    expect(r.fills.map((f) => f.index)).toEqual([3, 5, 7]);
    // allowing only ranging is the mirror image
    const m = run(closes(prices), atClose('buy_and_hold', {}, { strategy: filter(['ranging']) }));
    expect(m.fills.map((f) => f.index)).toEqual([1, 3, 5, 7]);
  });

  it('the classifier labels directly', () => {
    const p = trendRegime.prepare({ fast: 1, slow: 2, threshold: 0.01 });
    const cols = Int32Array.from([0, 1]);
    const state = new Float64Array(0);
    expect(trendRegime.labels).toEqual(['ranging', 'trending']);
    expect(trendRegime.classify(Float64Array.from([100.5, 100]), cols, barView(100.5), p, state)).toBe(0); // 0.5 %: ranging
    expect(trendRegime.classify(Float64Array.from([102, 100]), cols, barView(102), p, state)).toBe(1);
    expect(trendRegime.classify(Float64Array.from([98, 100]), cols, barView(98), p, state)).toBe(1);
    expect(trendRegime.classify(Float64Array.from([98, NaN]), cols, barView(98), p, state)).toBeNaN();
  });

  it('an unknown label in allow throws', () => {
    expect(() => run(closes([1, 2, 3]), atClose('buy_and_hold', {}, { strategy: filter(['bullish']) }))).toThrow(UserError);
    expect(() => run(closes([1, 2, 3]), atClose('buy_and_hold', {}, { strategy: filter(['trending', 'bullish']) }))).toThrow(/bullish/);
  });

  it("the classifier's parameters are validated too", () => {
    const bad = { regimeFilter: { type: 'trend_regime', params: { threshold: -1 }, allow: ['trending'] } };
    expect(() => run(closes([1, 2, 3]), atClose('buy_and_hold', {}, { strategy: bad }))).toThrow(/trend_regime\.threshold/);
    const unknown = { regimeFilter: { type: 'moon_phase', params: {}, allow: ['full'] } };
    expect(() => run(closes([1, 2, 3]), atClose('buy_and_hold', {}, { strategy: unknown }))).toThrow(/moon_phase/);
  });
});
