import { describe, expect, it } from 'vitest';
import type { MarketData } from '../src/data/series.js';
import { EventType } from '../src/engine/events.js';
import type { ParameterSet } from '../src/types.js';
import { MetricsAccumulator } from '../src/metrics/accumulator.js';
import { runBacktest } from '../src/topology/run-sets.js';
import type { TopologyOptions } from '../src/topology/topology.js';
import { bars, makeSet } from './helpers.js';

/**
 * Fills, sizing, costs and windows against DESIGN.md section 5, on tiny hand-made bar series.
 * Every expectation is worked out by hand in the comment next to it.
 * Bars are [open, high, low, close], daily from 2020-01-01 (bar i is 2020-01-(i+1)).
 */

type Row = readonly [number, number, number, number];

/** ISO time of bar i of a `bars()` series. */
const day = (i: number): string => new Date(Date.UTC(2020, 0, 1 + i)).toISOString();

/** runBacktest with trades stored, ppy 252, and the cash / equity of every window bar observed. */
function run(data: MarketData, set: ParameterSet, options: TopologyOptions = {}) {
  const cash: number[] = [];
  const equity: number[] = [];
  const r = runBacktest(data, set, {
    storeTrades: true,
    periodsPerYear: 252,
    ...options,
    onBus: (bus) =>
      bus.observe(EventType.PORTFOLIO, 'test', (e) => {
        cash.push(e.cash);
        equity.push(e.equity);
      }),
  });
  return { metrics: r.metrics, trades: r.trades!, cash, equity };
}

// ---------------------------------------------------------------------------------------------
// Series A (buy_and_hold): the strategy says +1 at bar 0's close.
const A: Row[] = [
  [10, 10, 10, 10], // 0: signal +1
  [11, 12, 10.5, 12], // 1: next_open buys here at 11
  [12.5, 13.5, 12, 13], // 2
  [13, 13, 12, 12.5], // 3: last bar
];

// Series S (sma_crossover fast 1, slow 2): d_t = c_t − (c_t + c_{t−1})/2 = (c_t − c_{t−1})/2.
const S: Row[] = [
  [10, 10, 10, 10], // 0: sma(2) not ready
  [9.5, 9.5, 9, 9], // 1: d = −0.5 → nz < 0 (first bar where both exist: no cross possible)
  [9, 10, 9, 10], // 2: d = +0.5, nz₁ < 0 → up-cross → target +1
  [10.5, 11, 10.5, 11], // 3: next_open buy at 10.5; d = +0.5
  [11, 12, 10.5, 10.75], // 4: d = −0.125, nz₃ > 0 → down-cross → target 0
  [12, 12, 10, 10.5], // 5: next_open sell at 12; d = −0.125 (no cross)
];
const cross = (o: Parameters<typeof makeSet>[2] = {}, extra: Record<string, number | boolean | string> = {}) =>
  makeSet('sma_crossover', { fast: 1, slow: 2, ...extra }, { capital: 1000, ...o });

describe('fills', () => {
  it('next_open: buy_and_hold buys at the open of the bar after the signal', () => {
    const r = run(bars(A), makeSet('buy_and_hold', {}, { capital: 1000 }));
    // bar 1 open 11: n = floor(1000/11) = 90 (90·11 = 990 ≤ 1000 < 91·11 = 1001), cash = 1000 − 990 = 10
    expect(r.cash).toEqual([1000, 10, 10, 10]);
    // E = cash + 90·close: 1000 (flat), 10 + 1080 = 1090, 10 + 1170 = 1180, 10 + 1125 = 1135
    expect(r.equity).toEqual([1000, 1090, 1180, 1135]);
    expect(r.metrics.final_equity).toBe(1135);
    // open at the end: marked to market, not a closed trade
    expect(r.metrics.trades).toBe(0);
    expect(r.trades).toEqual([]);
    // bars with a position at the close: 1, 2, 3 → 3/4
    expect(r.metrics.exposure).toBe(0.75);
  });

  it('fill: close buys at the signal bar close', () => {
    const r = run(bars(A), makeSet('buy_and_hold', {}, { capital: 1000, broker: { fill: 'close' } }));
    // bar 0 close 10: n = floor(1000/10) = 100, cash 0; E = 100·close = 1000, 1200, 1300, 1250
    expect(r.cash).toEqual([0, 0, 0, 0]);
    expect(r.equity).toEqual([1000, 1200, 1300, 1250]);
    expect(r.metrics.final_equity).toBe(1250);
    expect(r.metrics.exposure).toBe(1); // 4/4
    expect(r.trades).toEqual([]);
  });

  it('next_open round trip on sma_crossover: entry and exit at the following opens, exact trade record', () => {
    const r = run(bars(S), cross());
    // buy at bar 3 open 10.5: n = floor(1000/10.5) = 95 (997.5; 96·10.5 = 1008 > 1000), cash 2.5
    // sell at bar 5 open 12: cash = 2.5 + 95·12 = 1142.5; pnl = 95·(12 − 10.5) = 142.5
    expect(r.trades).toEqual([
      {
        symbol: 'T',
        side: 'long',
        qty: 95,
        entry_time: '2020-01-04T00:00:00.000Z',
        entry_price: 10.5,
        exit_time: '2020-01-06T00:00:00.000Z',
        exit_price: 12,
        commission: 0,
        pnl: 142.5,
      },
    ]);
    // E: 1000, 1000, 1000, 2.5 + 95·11 = 1047.5, 2.5 + 95·10.75 = 1023.75, 1142.5
    expect(r.equity).toEqual([1000, 1000, 1000, 1047.5, 1023.75, 1142.5]);
    expect(r.metrics.final_equity).toBe(1142.5);
    expect(r.metrics.trades).toBe(1);
    expect(r.metrics.win_rate).toBe(1);
    expect(r.metrics.exposure).toBe(2 / 6); // bars 3 and 4
  });

  it('fill: close round trip on sma_crossover: at the signal bars’ closes', () => {
    const r = run(bars(S), cross({ broker: { fill: 'close' } }));
    // buy at bar 2 close 10: 100 shares, cash 0; sell at bar 4 close 10.75: cash 1075; pnl = 100·0.75 = 75
    expect(r.trades).toEqual([
      { symbol: 'T', side: 'long', qty: 100, entry_time: day(2), entry_price: 10, exit_time: day(4), exit_price: 10.75, commission: 0, pnl: 75 },
    ]);
    // E: 1000, 1000, 100·10 = 1000, 100·11 = 1100, 1075, 1075
    expect(r.equity).toEqual([1000, 1000, 1000, 1100, 1075, 1075]);
    expect(r.metrics.final_equity).toBe(1075);
    expect(r.metrics.exposure).toBe(2 / 6); // bars 2 and 3 (flat after the fill at bar 4's close)
  });

  it('an order pending at the last bar is cancelled: no fill, no trade', () => {
    // S cut after bar 2: the up-cross at bar 2 would fill at bar 3's open, which does not exist
    const r = run(bars(S.slice(0, 3)), cross());
    expect(r.cash).toEqual([1000, 1000, 1000]);
    expect(r.metrics.final_equity).toBe(1000);
    expect(r.metrics.trades).toBe(0);
    expect(r.trades).toEqual([]);
    expect(r.metrics.exposure).toBe(0);
  });

  it('a position open at the end (exit order pending at the last bar) stays open and is marked to market', () => {
    // S cut after bar 4: bought 95 @ 10.5 at bar 3 (cash 2.5); the down-cross at bar 4 would sell at bar 5 → cancelled
    const r = run(bars(S.slice(0, 5)), cross());
    // final E = 2.5 + 95·10.75 = 2.5 + 1021.25 = 1023.75
    expect(r.metrics.final_equity).toBe(1023.75);
    expect(r.cash[4]).toBe(2.5);
    expect(r.metrics.trades).toBe(0);
    expect(r.trades).toEqual([]);
    expect(r.metrics.win_rate).toBeNull();
    expect(r.metrics.exposure).toBe(2 / 5);
  });

  it('allow_short: a down-cross reverses long → short at the next open; the open short is marked to market', () => {
    const r = run(bars(S), cross({}, { allow_short: true }));
    // bar 5 open 12: sell 95 (cash 2.5 + 1140 = 1142.5), then short: budget = equity = 1142.5 → floor(1142.5/12) = 95
    // (95·12 = 1140 ≤ 1142.5 < 96·12 = 1152); cash = 1142.5 + 1140 = 2282.5; E = 2282.5 − 95·10.5 = 2282.5 − 997.5 = 1285
    expect(r.trades).toHaveLength(1);
    expect(r.trades[0]).toMatchObject({ side: 'long', qty: 95, entry_price: 10.5, exit_price: 12, pnl: 142.5 });
    expect(r.cash[5]).toBe(2282.5);
    expect(r.metrics.final_equity).toBe(1285);
    expect(r.metrics.trades).toBe(1);
    expect(r.metrics.exposure).toBe(3 / 6); // bars 3, 4, 5
  });
});

// ---------------------------------------------------------------------------------------------
describe('sizing and costs (series S: buy at bar 3 open 10.5, sell at bar 5 open 12, capital 1000)', () => {
  it('percent_equity 1 with percent commission 1%: largest whole n with n·p·(1 + c) ≤ equity', () => {
    const r = run(bars(S), cross({ broker: { commission: { kind: 'percent', value: 0.01 } } }));
    // naive floor(1000/10.5) = 95 is one too many: 95·10.5·1.01 = 1007.475 > 1000
    // n = floor(1000/10.605) = floor(94.295…) = 94: 94·10.5 = 987, commission 9.87, total 996.87 ≤ 1000
    // exit: 94·12 = 1128, commission 11.28; commission = 9.87 + 11.28 = 21.15; pnl = 94·1.5 − 21.15 = 119.85
    const t = r.trades[0];
    expect(t.qty).toBe(94);
    expect(t.entry_price).toBe(10.5);
    expect(t.exit_price).toBe(12);
    expect(t.commission).toBeCloseTo(21.15, 10);
    expect(t.pnl).toBeCloseTo(119.85, 10);
    // cash after entry = 1000 − 987 − 9.87 = 3.13
    expect(r.cash[3]).toBeCloseTo(3.13, 10);
    // final = 3.13 + 1128 − 11.28 = 1119.85
    expect(r.metrics.final_equity).toBeCloseTo(1119.85, 10);
  });

  it('percent_equity 0.5', () => {
    const r = run(bars(S), cross({ risk: { sizing: { kind: 'percent_equity', value: 0.5 } } }));
    // budget 500: n = floor(500/10.5) = 47 (493.5; 48·10.5 = 504 > 500); cash = 1000 − 493.5 = 506.5
    // exit 47·12 = 564 → 1070.5; pnl = 47·1.5 = 70.5
    expect(r.trades[0]).toMatchObject({ qty: 47, pnl: 70.5 });
    expect(r.cash[3]).toBe(506.5);
    expect(r.metrics.final_equity).toBe(1070.5);
  });

  it('fixed 100 shares', () => {
    const r = run(bars(S), cross({ capital: 100_000, risk: { sizing: { kind: 'fixed', value: 100 } } }));
    // 100·10.5 = 1050 → cash 98950; exit 100·12 = 1200 → 100150; pnl = 100·1.5 = 150
    expect(r.trades[0]).toMatchObject({ qty: 100, pnl: 150 });
    expect(r.cash[3]).toBe(98_950);
    expect(r.metrics.final_equity).toBe(100_150);
  });

  it('fixed larger than cash allows is reduced to what cash allows', () => {
    const r = run(bars(S), cross({ risk: { sizing: { kind: 'fixed', value: 100 } } }));
    // 100·10.5 = 1050 > 1000 → floor(1000/10.5) = 95, cash 2.5; final 2.5 + 95·12 = 1142.5
    expect(r.trades[0]).toMatchObject({ qty: 95, pnl: 142.5 });
    expect(r.cash[3]).toBe(2.5);
    expect(r.metrics.final_equity).toBe(1142.5);
  });

  it('fixed larger than cash allows, with a fixed commission', () => {
    const r = run(bars(S), cross({ risk: { sizing: { kind: 'fixed', value: 100 } }, broker: { commission: { kind: 'fixed', value: 5 } } }));
    // 1050 + 5 > 1000 → largest n with 10.5·n + 5 ≤ 1000: floor(995/10.5) = floor(94.76) = 94 (987 + 5 = 992); cash 8
    expect(r.trades[0].qty).toBe(94);
    expect(r.cash[3]).toBe(8);
    // exit: 8 + 94·12 − 5 = 8 + 1128 − 5 = 1131
    expect(r.metrics.final_equity).toBe(1131);
  });

  it('fractional 1 without commission: qty = cash/price, not rounded', () => {
    const r = run(bars(S), cross({ risk: { sizing: { kind: 'fractional', value: 1 } } }));
    const q = r.trades[0].qty;
    // q = 1000/10.5 = 95.238095…
    expect(q).toBeCloseTo(1000 / 10.5, 10);
    expect(Number.isInteger(q)).toBe(false);
    // cash after entry = 1000 − q·10.5 ≈ 0 and never negative
    expect(r.cash[3]).toBeCloseTo(0, 10);
    expect(r.cash[3]).toBeGreaterThanOrEqual(0);
    // final = q·12 = 1000·12/10.5 = 1142.857142…
    expect(r.metrics.final_equity).toBeCloseTo(12_000 / 10.5, 8);
  });

  it('fractional 1 with percent commission 1%: qty = cash/(price·(1 + c))', () => {
    const r = run(bars(S), cross({ risk: { sizing: { kind: 'fractional', value: 1 } }, broker: { commission: { kind: 'percent', value: 0.01 } } }));
    const q = r.trades[0].qty;
    // q = 1000/(10.5·1.01) = 1000/10.605 = 94.2951438…
    expect(q).toBeCloseTo(1000 / 10.605, 10);
    expect(r.cash[3]).toBeCloseTo(0, 10);
    expect(r.cash[3]).toBeGreaterThanOrEqual(0);
    // final = cash≈0 + q·12·(1 − 0.01) = 1000·11.88/10.605 = 1120.226308…
    expect(r.metrics.final_equity).toBeCloseTo((1000 * 11.88) / 10.605, 8);
    // commission = 0.01·q·10.5 + 0.01·q·12 = 0.225·q; pnl = 1.5·q − 0.225·q = 1.275·q
    expect(r.trades[0].commission).toBeCloseTo(0.225 * (1000 / 10.605), 10);
    expect(r.trades[0].pnl).toBeCloseTo(1.275 * (1000 / 10.605), 10);
  });

  it('per_share commission', () => {
    const r = run(bars(S), cross({ broker: { commission: { kind: 'per_share', value: 0.5 } } }));
    // n·(10.5 + 0.5) ≤ 1000 → n = floor(1000/11) = 90 (990; 91·11 = 1001 > 1000)
    // entry: 945 + 45 → cash 10; exit: 90·12 − 45 = 1035 → cash 1045
    // commission = 45 + 45 = 90; pnl = 90·1.5 − 90 = 45
    expect(r.trades).toEqual([
      { symbol: 'T', side: 'long', qty: 90, entry_time: day(3), entry_price: 10.5, exit_time: day(5), exit_price: 12, commission: 90, pnl: 45 },
    ]);
    expect(r.cash[3]).toBe(10);
    expect(r.metrics.final_equity).toBe(1045);
  });

  it('fixed commission', () => {
    const r = run(bars(S), cross({ broker: { commission: { kind: 'fixed', value: 5 } } }));
    // 10.5·n + 5 ≤ 1000 → n = floor(995/10.5) = 94 (987 + 5 = 992); cash 8
    // exit: 8 + 1128 − 5 = 1131; commission = 5 + 5 = 10; pnl = 94·1.5 − 10 = 131
    expect(r.trades).toEqual([
      { symbol: 'T', side: 'long', qty: 94, entry_time: day(3), entry_price: 10.5, exit_time: day(5), exit_price: 12, commission: 10, pnl: 131 },
    ]);
    expect(r.cash[3]).toBe(8);
    expect(r.metrics.final_equity).toBe(1131);
  });

  it('a fixed commission larger than the budget: no shares are bought', () => {
    const r = run(bars(S), cross({ capital: 10, broker: { commission: { kind: 'fixed', value: 20 } } }));
    // largest n with 10.5·n + 20 ≤ 10: none → no fill, no commission charged
    expect(r.trades).toEqual([]);
    expect(r.cash).toEqual([10, 10, 10, 10, 10, 10]);
    expect(r.metrics.final_equity).toBe(10);
  });

  it('percent slippage moves the buy up and the sell down', () => {
    const r = run(bars(S), cross({ broker: { slippage: { kind: 'percent', value: 0.01 } } }));
    // buy at 10.5·1.01 = 10.605: n = floor(1000/10.605) = 94 (996.87), cash 3.13
    // sell at 12·0.99 = 11.88: cash = 3.13 + 94·11.88 = 3.13 + 1116.72 = 1119.85; pnl = 94·(11.88 − 10.605) = 94·1.275 = 119.85
    const t = r.trades[0];
    expect(t.qty).toBe(94);
    expect(t.entry_price).toBeCloseTo(10.605, 10);
    expect(t.exit_price).toBeCloseTo(11.88, 10);
    expect(t.commission).toBe(0);
    expect(t.pnl).toBeCloseTo(119.85, 10);
    expect(r.cash[3]).toBeCloseTo(3.13, 10);
    expect(r.metrics.final_equity).toBeCloseTo(1119.85, 10);
  });

  it('fixed slippage moves the buy up and the sell down', () => {
    const r = run(bars(S), cross({ broker: { slippage: { kind: 'fixed', value: 0.5 } } }));
    // buy at 10.5 + 0.5 = 11: n = floor(1000/11) = 90, cash 10; sell at 12 − 0.5 = 11.5: cash 10 + 1035 = 1045
    // pnl = 90·(11.5 − 11) = 45
    expect(r.trades).toEqual([
      { symbol: 'T', side: 'long', qty: 90, entry_time: day(3), entry_price: 11, exit_time: day(5), exit_price: 11.5, commission: 0, pnl: 45 },
    ]);
    // E at bar 3 is marked at the close (11), not the slipped price: 10 + 90·11 = 1000
    expect(r.equity[3]).toBe(1000);
    expect(r.metrics.final_equity).toBe(1045);
  });

  it('slippage and commission together: commission charged on the slipped price', () => {
    const r = run(bars(S), cross({ broker: { slippage: { kind: 'fixed', value: 0.5 }, commission: { kind: 'percent', value: 0.01 } } }));
    // buy at 11: n = floor(1000/(11·1.01)) = floor(1000/11.11) = floor(90.009) = 90: 990 + 9.9 = 999.9 ≤ 1000; cash 0.1
    // sell at 11.5: 1035 − 10.35 → cash 0.1 + 1024.65 = 1024.75; commission 9.9 + 10.35 = 20.25; pnl = 45 − 20.25 = 24.75
    const t = r.trades[0];
    expect(t.qty).toBe(90);
    expect(t.commission).toBeCloseTo(20.25, 10);
    expect(t.pnl).toBeCloseTo(24.75, 10);
    expect(r.metrics.final_equity).toBeCloseTo(1024.75, 10);
  });
});

// ---------------------------------------------------------------------------------------------
describe('cash never below zero (long-only)', () => {
  const cases: [string, ParameterSet][] = [
    ['all-in, percent commission', cross({ broker: { commission: { kind: 'percent', value: 0.01 } } })],
    ['all-in, per-share commission', cross({ broker: { commission: { kind: 'per_share', value: 0.5 } } })],
    ['all-in, fixed commission', cross({ broker: { commission: { kind: 'fixed', value: 5 } } })],
    ['all-in, slippage + commission', cross({ broker: { slippage: { kind: 'percent', value: 0.02 }, commission: { kind: 'percent', value: 0.003 } } })],
    [
      'fractional, percent commission',
      cross({ risk: { sizing: { kind: 'fractional', value: 1 } }, broker: { commission: { kind: 'percent', value: 0.001 } } }),
    ],
    ['fractional above 1', cross({ risk: { sizing: { kind: 'fractional', value: 1.5 } } })],
    ['percent_equity above 1', cross({ risk: { sizing: { kind: 'percent_equity', value: 2 } }, broker: { commission: { kind: 'percent', value: 0.01 } } })],
    [
      'fixed too large, fill close',
      cross({ risk: { sizing: { kind: 'fixed', value: 1000 } }, broker: { fill: 'close', commission: { kind: 'fixed', value: 1 } } }),
    ],
    ['buy_and_hold all-in, percent commission', makeSet('buy_and_hold', {}, { capital: 1000, broker: { commission: { kind: 'percent', value: 0.01 } } })],
  ];
  for (const [name, set] of cases) {
    it(name, () => {
      const data = set.strategy.type === 'buy_and_hold' ? bars(A) : bars(S);
      const r = run(data, set);
      for (const c of r.cash) expect(c).toBeGreaterThanOrEqual(0);
      expect(r.metrics.final_equity).toBeGreaterThanOrEqual(0);
      // flat at the end of S: final equity is the cash
      if (set.strategy.type !== 'buy_and_hold') expect(r.metrics.final_equity).toBe(r.cash[r.cash.length - 1]);
    });
  }

  it('percent_equity 2 is capped by the cash: same as all-in', () => {
    const r = run(bars(S), cross({ risk: { sizing: { kind: 'percent_equity', value: 2 } } }));
    // budget 2000 → 190 shares would cost 1995 > cash 1000 → reduced to floor(1000/10.5) = 95
    expect(r.trades[0].qty).toBe(95);
    expect(r.cash[3]).toBe(2.5);
  });
});

// ---------------------------------------------------------------------------------------------
// Series W for windows: c_t = 10 + t, o_t = c_t − 0.5, high = close, low = open (12 bars).
const W: Row[] = Array.from({ length: 12 }, (_, t) => [9.5 + t, 10 + t, 9.5 + t, 10 + t] as const);

describe('windows', () => {
  const level = (o: Parameters<typeof makeSet>[2] = {}) => makeSet('sma_crossover', { fast: 1, slow: 3, trigger: 'level' }, { capital: 1000, ...o });

  it('features warm on bars 0..4: a level trigger with slow 3 signals at bar 5, fills at bar 6', () => {
    const r = run(bars(W), level(), { window: { start: 5, end: 10 } });
    // sma(3) exists from bar 2 (warm-up), close > sma(3) on a rising series → target +1 at bar 5 (first live bar)
    // bar 6 open 15.5: n = floor(1000/15.5) = 64 (992; 65·15.5 = 1007.5), cash 8
    // (without warm-up sma(3) would first exist at bar 7 and the fill would be at bar 8)
    // E over bars 5..9: 1000, 8 + 64·16 = 1032, 8 + 64·17 = 1096, 8 + 64·18 = 1160, 8 + 64·19 = 1224
    expect(r.cash).toEqual([1000, 8, 8, 8, 8]);
    expect(r.equity).toEqual([1000, 1032, 1096, 1160, 1224]);
    expect(r.metrics.final_equity).toBe(1224);
    expect(r.metrics.total_return).toBeCloseTo(0.224, 12); // 1224/1000 − 1
    expect(r.metrics.exposure).toBe(0.8); // 4 of 5 window bars
    expect(r.trades).toEqual([]);
    // metrics over bars 5..9 only: equal to an accumulator fed those 5 equities
    const acc = new MetricsAccumulator(1000);
    [1000, 1032, 1096, 1160, 1224].forEach((e, i) => acc.onBar(e, i > 0));
    expect(r.metrics).toEqual(acc.finish(252));
  });

  it('no fills before the window start: buy_and_hold with window 5..10 buys at bar 6 open', () => {
    const r = run(bars(W), makeSet('buy_and_hold', {}, { capital: 1000, broker: { fill: 'next_open' } }), { window: { start: 5, end: 10 } });
    // signal at bar 5, fill at bar 6 open 15.5 (64 shares) → same curve as above
    expect(r.equity).toEqual([1000, 1032, 1096, 1160, 1224]);
  });

  it('fill: close at the window’s first bar: E_0 is the equity after that fill, total_return vs capital', () => {
    const r = run(bars(W), level({ broker: { fill: 'close', commission: { kind: 'fixed', value: 5 } } }), { window: { start: 5, end: 10 } });
    // bar 5 close 15: n = floor(995/15) = 66 (990 + 5 = 995 ≤ 1000), cash 5; E_0 = 5 + 66·15 = 995
    // E: 995, 5 + 66·16 = 1061, 1127, 1193, 1259; total_return = 1259/1000 − 1 = 0.259
    expect(r.equity).toEqual([995, 1061, 1127, 1193, 1259]);
    expect(r.metrics.total_return).toBeCloseTo(0.259, 12);
    expect(r.metrics.exposure).toBe(1);
    const acc = new MetricsAccumulator(1000);
    [995, 1061, 1127, 1193, 1259].forEach((e) => acc.onBar(e, true));
    expect(r.metrics).toEqual(acc.finish(252));
  });

  it('bars after the window are never read', () => {
    const wild: Row[] = W.map((row, t) => (t >= 10 ? ([1, 1000, 0.5, 500] as const) : row));
    const a = run(bars(W), level(), { window: { start: 5, end: 10 } });
    const b = run(bars(wild), level(), { window: { start: 5, end: 10 } });
    expect(b.metrics).toEqual(a.metrics);
    expect(b.equity).toEqual(a.equity);
  });

  it('an order pending at the window’s last bar is cancelled even when the data goes on', () => {
    const r = run(bars(W), makeSet('buy_and_hold', {}, { capital: 1000 }), { window: { start: 9, end: 10 } });
    // signal at bar 9 would fill at bar 10's open, which is outside the window → cancelled
    expect(r.equity).toEqual([1000]);
    expect(r.metrics.final_equity).toBe(1000);
    expect(r.metrics.exposure).toBe(0);
    expect(r.trades).toEqual([]);
  });

  it('a cross before the window does not open a position in it', () => {
    // sma_crossover 1/2 (cross): closes 10, 9, 10, 11, 12, 13, 14, 15 — up-cross at bar 2, then d > 0 throughout
    const C: Row[] = [10, 9, 10, 11, 12, 13, 14, 15].map((c) => [c, c, c, c] as const);
    const r = run(bars(C), cross(), { window: { start: 4, end: 8 } });
    // the only cross is at bar 2 (warm-up): no order in the window
    expect(r.equity).toEqual([1000, 1000, 1000, 1000]);
    expect(r.trades).toEqual([]);
    // the same cross inside the window trades: window 2..8 → buy at bar 3 (open 11): floor(1000/11) = 90, cash 10
    const s = run(bars(C), cross(), { window: { start: 2, end: 8 } });
    // final = 10 + 90·15 = 1360
    expect(s.metrics.final_equity).toBe(1360);
  });

  it('trades in a window carry the window bars’ times', () => {
    // S shifted by 4 warm-up bars of 10: up-cross at bar 6, buy bar 7 (10.5), down-cross bar 8, sell bar 9 (12)
    const pre: Row[] = [
      [10, 10, 10, 10],
      [10, 10, 10, 10],
      [10, 10, 10, 10],
      [10, 10, 10, 10],
    ];
    const r = run(bars([...pre, ...S]), cross(), { window: { start: 4, end: 10 } });
    // bar 4 is S[0] (close 10, d = 0 vs bar 3), bar 5 d = −0.5, bar 6 up-cross, bar 7 buy @ 10.5, bar 8 down-cross, bar 9 sell @ 12
    expect(r.trades).toEqual([
      { symbol: 'T', side: 'long', qty: 95, entry_time: day(7), entry_price: 10.5, exit_time: day(9), exit_price: 12, commission: 0, pnl: 142.5 },
    ]);
    expect(r.equity).toEqual([1000, 1000, 1000, 1047.5, 1023.75, 1142.5]);
  });
});
