import { describe, expect, it } from 'vitest';
import type { MarketData } from '../src/data/series.js';
import { EventType } from '../src/engine/events.js';
import type { ParameterSet, RiskSpec } from '../src/types.js';
import { runBacktest } from '../src/topology/run-sets.js';
import { bars, makeSet } from './helpers.js';

/**
 * Stop-loss, take-profit and trailing stop against DESIGN.md section 5 and the risk manager's
 * contract (levels as fractions of the entry price; a gap through a level exits at the open;
 * both levels inside one bar → the stop wins; no re-entry until the target changes again).
 * Bars are [open, high, low, close], daily from 2020-01-01 (bar i is 2020-01-(i+1)).
 */

type Row = readonly [number, number, number, number];

const day = (i: number): string => new Date(Date.UTC(2020, 0, 1 + i)).toISOString();

function run(data: MarketData, set: ParameterSet) {
  const cash: number[] = [];
  const equity: number[] = [];
  const r = runBacktest(data, set, {
    storeTrades: true,
    periodsPerYear: 252,
    onBus: (bus) =>
      bus.observe(EventType.PORTFOLIO, 'test', (e) => {
        cash.push(e.cash);
        equity.push(e.equity);
      }),
  });
  return { metrics: r.metrics, trades: r.trades!, cash, equity };
}

/** buy_and_hold, capital 1000, next_open: signal at bar 0, buys 100 shares at bar 1's open 10 (cash 0). */
const hold = (risk: Partial<RiskSpec>, fill: 'next_open' | 'close' = 'next_open') => makeSet('buy_and_hold', {}, { capital: 1000, risk, broker: { fill } });

/** Bars 0 and 1 of every buy_and_hold case: entry at bar 1 open 10; bar 1 stays inside [9.8, 10.5]. */
const HEAD: Row[] = [
  [10, 10, 10, 10], // 0: signal +1
  [10, 10.5, 9.8, 10.2], // 1: buy 100 @ 10
];
/** A rising tail: a strategy that re-entered would profit, so re-entry shows in the final equity. */
const TAIL: Row[] = [
  [9.5, 11, 9.5, 11],
  [11, 12, 11, 12],
];

describe('stop_loss (long)', () => {
  it('not gapped: the low crosses the level intrabar → exit at exactly entry·(1 − sl)', () => {
    const r = run(bars([...HEAD, [10, 10.2, 8.5, 9.5], ...TAIL]), hold({ stopLoss: 0.1 }));
    // level = 10·(1 − 0.1) = 9; bar 2 opens at 10 > 9, low 8.5 ≤ 9 → sell 100 @ 9: cash 900, pnl = 100·(9 − 10) = −100
    expect(r.trades).toEqual([
      { symbol: 'T', side: 'long', qty: 100, entry_time: day(1), entry_price: 10, exit_time: day(2), exit_price: 9, commission: 0, pnl: -100 },
    ]);
    // flat to the end although buy_and_hold still says +1 (its target never changes again)
    expect(r.cash).toEqual([1000, 0, 900, 900, 900]);
    expect(r.metrics.final_equity).toBe(900);
    expect(r.metrics.trades).toBe(1);
    expect(r.metrics.exposure).toBe(0.2); // only bar 1 ends with a position: 1/5
  });

  it('gapped: the bar opens below the level → exit at that open', () => {
    const r = run(bars([...HEAD, [8, 8.5, 7.5, 8.2], ...TAIL]), hold({ stopLoss: 0.1 }));
    // level 9; open 8 ≤ 9 → sell 100 @ 8: cash 800, pnl −200
    expect(r.trades[0]).toMatchObject({ exit_time: day(2), exit_price: 8, pnl: -200 });
    expect(r.metrics.final_equity).toBe(800);
  });

  it('a low exactly at the level triggers', () => {
    const r = run(bars([...HEAD, [10, 10.2, 9, 9.5], ...TAIL]), hold({ stopLoss: 0.1 }));
    // low 9 ≤ level 9 → exit @ 9
    expect(r.trades[0]).toMatchObject({ exit_time: day(2), exit_price: 9 });
    expect(r.metrics.final_equity).toBe(900);
  });

  it('a low above the level does not trigger', () => {
    const r = run(bars([...HEAD, [10, 10.2, 9.01, 9.5], ...TAIL]), hold({ stopLoss: 0.1 }));
    // low 9.01 > 9: still long 100 → final = 100·12 = 1200
    expect(r.trades).toEqual([]);
    expect(r.metrics.final_equity).toBe(1200);
  });

  it('next_open: the entry bar’s range after the open is checked (the entry bar can stop out)', () => {
    const r = run(bars([[10, 10, 10, 10], [10, 10.5, 8.5, 9.5], ...TAIL]), hold({ stopLoss: 0.1 }));
    // buy @ 10 at bar 1's open, its low 8.5 ≤ 9 later in the bar → sell @ 9 in bar 1
    expect(r.trades[0]).toMatchObject({ entry_time: day(1), exit_time: day(1), exit_price: 9, pnl: -100 });
    expect(r.metrics.final_equity).toBe(900);
  });

  it('fill: close: the entry bar’s range (before the entry) is not checked', () => {
    const r = run(
      bars([
        [10, 10, 8, 10],
        [10, 10.5, 9.5, 10.5],
      ]),
      hold({ stopLoss: 0.1 }, 'close'),
    );
    // buy 100 @ 10 at bar 0's close; bar 0's low 8 happened before the entry → no stop; bar 1 low 9.5 > 9
    expect(r.trades).toEqual([]);
    expect(r.metrics.final_equity).toBe(1050); // 100·10.5
  });

  it('fill: close: the next bar is checked', () => {
    const r = run(
      bars([
        [10, 10, 10, 10],
        [9.5, 9.6, 8, 8.5],
        [9, 9, 9, 9],
      ]),
      hold({ stopLoss: 0.1 }, 'close'),
    );
    // entry 10 at bar 0 close; bar 1 opens 9.5 > 9, low 8 ≤ 9 → exit @ 9; flat after → 900
    expect(r.trades[0]).toMatchObject({ entry_time: day(0), exit_time: day(1), exit_price: 9 });
    expect(r.metrics.final_equity).toBe(900);
  });

  it('levels are relative to the entry fill price (after slippage)', () => {
    const r = run(
      bars([...HEAD, [10.5, 10.6, 9, 9.5], ...TAIL]),
      makeSet('buy_and_hold', {}, { capital: 1000, risk: { stopLoss: 0.1 }, broker: { slippage: { kind: 'fixed', value: 0.5 } } }),
    );
    // buy @ 10 + 0.5 = 10.5: n = floor(1000/10.5) = 95, cash 2.5; level = 10.5·0.9 = 9.45
    // bar 2 low 9 ≤ 9.45 → exit at 9.45, minus slippage 0.5 → 8.95; pnl = 95·(8.95 − 10.5) = −147.25
    const t = r.trades[0];
    expect(t.qty).toBe(95);
    expect(t.entry_price).toBe(10.5);
    expect(t.exit_price).toBeCloseTo(8.95, 10);
    expect(t.pnl).toBeCloseTo(-147.25, 10);
    // final = 2.5 + 95·8.95 = 852.75
    expect(r.metrics.final_equity).toBeCloseTo(852.75, 10);
  });
});

describe('take_profit (long)', () => {
  it('not gapped: the high crosses the level → exit at entry·(1 + tp)', () => {
    const r = run(bars([...HEAD, [10.5, 12.5, 10, 12.2], ...TAIL]), hold({ takeProfit: 0.2 }));
    // level = 10·1.2 = 12; open 10.5 < 12, high 12.5 ≥ 12 → sell 100 @ 12: cash 1200, pnl +200
    expect(r.trades).toEqual([
      { symbol: 'T', side: 'long', qty: 100, entry_time: day(1), entry_price: 10, exit_time: day(2), exit_price: 12, commission: 0, pnl: 200 },
    ]);
    expect(r.cash).toEqual([1000, 0, 1200, 1200, 1200]);
    expect(r.metrics.final_equity).toBe(1200);
  });

  it('gapped up: the bar opens above the level → exit at that open', () => {
    const r = run(bars([...HEAD, [13, 13.5, 12.5, 13.2], ...TAIL]), hold({ takeProfit: 0.2 }));
    // open 13 ≥ 12 → sell 100 @ 13: cash 1300, pnl +300
    expect(r.trades[0]).toMatchObject({ exit_time: day(2), exit_price: 13, pnl: 300 });
    expect(r.metrics.final_equity).toBe(1300);
  });
});

describe('stop and take-profit together', () => {
  it('both inside one bar → the stop wins', () => {
    const r = run(bars([...HEAD, [10, 11.5, 8.5, 10], ...TAIL]), hold({ stopLoss: 0.1, takeProfit: 0.1 }));
    // stop 9, take-profit 10·1.1 = 11; bar 2 range [8.5, 11.5] holds both → stop @ 9, cash 900
    expect(r.trades[0]).toMatchObject({ exit_time: day(2), exit_price: 9, pnl: -100 });
    expect(r.metrics.final_equity).toBe(900);
  });

  it('a gap above the take-profit exits at the open even if the low later crosses the stop', () => {
    const r = run(bars([...HEAD, [11.5, 11.5, 8.5, 10], ...TAIL]), hold({ stopLoss: 0.1, takeProfit: 0.1 }));
    // open 11.5 ≥ 11 → the exit happens at the open, before the low: sell @ 11.5, cash 1150
    expect(r.trades[0]).toMatchObject({ exit_price: 11.5, pnl: 150 });
    expect(r.metrics.final_equity).toBe(1150);
  });
});

describe('trailing_stop (long)', () => {
  // entry 10 at bar 1; highs 11 (bar 1), 12 (bar 2)
  const T: Row[] = [
    [10, 10, 10, 10], // 0: signal
    [10, 11, 10, 10.8], // 1: buy @ 10; level 10·0.9 = 9, low 10 ok → peak 11
    [11, 12, 10.5, 11.5], // 2: level 11·0.9 = 9.9, low 10.5 ok → peak 12
  ];
  it('follows the highest high since entry: exit at peak·(1 − ts)', () => {
    const r = run(bars([...T, [11.5, 11.8, 10.5, 11], [11, 13, 11, 13]]), hold({ trailingStop: 0.1 }));
    // bar 3: level 12·0.9 = 10.8; open 11.5 > 10.8, low 10.5 ≤ 10.8 → sell 100 @ 10.8: cash 1080, pnl +80
    const t = r.trades[0];
    expect(t.exit_time).toBe(day(3));
    expect(t.exit_price).toBeCloseTo(10.8, 10);
    expect(t.pnl).toBeCloseTo(80, 10);
    // flat afterwards (bar 4 rallies to 13 without us)
    expect(r.metrics.final_equity).toBeCloseTo(1080, 10);
    expect(r.metrics.trades).toBe(1);
  });

  it('the peak does not fall back: a lower high keeps the level', () => {
    const r = run(bars([...T, [11.5, 11.6, 10.9, 11], [11, 11.2, 10.7, 11], [11, 11, 11, 11]]), hold({ trailingStop: 0.1 }));
    // bar 3: level 10.8, low 10.9 > 10.8 ok (high 11.6 < 12: peak stays 12); bar 4: low 10.7 ≤ 10.8 → exit @ 10.8
    expect(r.trades[0].exit_time).toBe(day(4));
    expect(r.trades[0].exit_price).toBeCloseTo(10.8, 10);
  });

  it('gapped: the bar opens below the trailing level → exit at the open', () => {
    const r = run(bars([...T, [10.5, 10.6, 10, 10.2], [11, 13, 11, 13]]), hold({ trailingStop: 0.1 }));
    // bar 3 opens 10.5 ≤ 10.8 → sell @ 10.5: cash 1050
    expect(r.trades[0]).toMatchObject({ exit_time: day(3), exit_price: 10.5, pnl: 50 });
    expect(r.metrics.final_equity).toBe(1050);
  });
});

describe('no re-entry after a stop until the target changes again', () => {
  it('buy_and_hold stopped out stays flat to the end', () => {
    const rows: Row[] = [...HEAD, [10, 10.2, 8.5, 9.5], [9.5, 11, 9.5, 11], [11, 12, 11, 12], [12, 13, 12, 13], [13, 14, 13, 14]];
    const r = run(bars(rows), hold({ stopLoss: 0.1 }));
    // stop @ 9 at bar 2 → cash 900, then nothing: target stays +1 → no new signal
    expect(r.trades).toHaveLength(1);
    expect(r.cash).toEqual([1000, 0, 900, 900, 900, 900, 900]);
    expect(r.metrics.final_equity).toBe(900);
    expect(r.metrics.exposure).toBe(1 / 7);
  });

  it('sma_crossover re-enters only at the next up-cross', () => {
    // fast 1, slow 2: d_t = (c_t − c_{t−1})/2
    const rows: Row[] = [
      [10, 10, 10, 10], // 0
      [9, 9, 9, 9], // 1: d −0.5
      [9, 10, 9, 10], // 2: d +0.5 → up-cross → +1
      [10, 10.5, 9.8, 10.5], // 3: buy 100 @ 10 (cash 0), stop 9; d +0.25
      [10, 10.5, 8.5, 10.8], // 4: low 8.5 ≤ 9 → stop @ 9 (cash 900); d +0.15 (no cross)
      [11, 11, 11, 11], // 5: d +0.1: target still +1 → no order although flat
      [10, 10, 10, 10], // 6: d −0.5 → down-cross → target 0 (nothing to sell)
      [11, 11, 11, 11], // 7: d +0.5 → up-cross → +1
      [12, 12, 12, 12], // 8: buy @ 12: floor(900/12) = 75, cash 0
      [13, 13, 13, 13], // 9: E = 75·13 = 975
    ];
    const r = run(bars(rows), makeSet('sma_crossover', { fast: 1, slow: 2 }, { capital: 1000, risk: { stopLoss: 0.1 } }));
    expect(r.trades).toEqual([
      { symbol: 'T', side: 'long', qty: 100, entry_time: day(3), entry_price: 10, exit_time: day(4), exit_price: 9, commission: 0, pnl: -100 },
    ]);
    // cash: 1000 ×3, 0 (bar 3), 900 (bars 4–7), 0 (bars 8–9)
    expect(r.cash).toEqual([1000, 1000, 1000, 0, 900, 900, 900, 900, 0, 0]);
    // E: bar 3 = 100·10.5 = 1050; bar 8 = 75·12 = 900; bar 9 = 975
    expect(r.equity).toEqual([1000, 1000, 1000, 1050, 900, 900, 900, 900, 900, 975]);
    expect(r.metrics.final_equity).toBe(975);
    expect(r.metrics.exposure).toBe(0.3); // bars 3, 8, 9
  });

  it('a stop and an exit signal on the same bar close the position once', () => {
    const rows: Row[] = [
      [10, 10, 10, 10], // 0
      [9, 9, 9, 9], // 1: d −0.5
      [9, 10, 9, 10], // 2: up-cross → +1
      [10, 10.5, 9.8, 10.5], // 3: buy 100 @ 10 (cash 0), stop 9
      [10, 10.5, 8.5, 9.5], // 4: stop @ 9 (cash 900); d = −0.5 → down-cross → target 0 (pending for bar 5)
      [9.5, 9.5, 9.5, 9.5], // 5: the pending exit finds nothing to sell
      [10, 10, 10, 10], // 6: d +0.25 → up-cross → +1
      [10, 10, 10, 10], // 7: buy @ 10: floor(900/10) = 90, cash 0; E = 900
    ];
    const r = run(bars(rows), makeSet('sma_crossover', { fast: 1, slow: 2 }, { capital: 1000, risk: { stopLoss: 0.1 } }));
    expect(r.trades).toHaveLength(1);
    expect(r.trades[0]).toMatchObject({ qty: 100, exit_time: day(4), exit_price: 9, pnl: -100 });
    expect(r.cash).toEqual([1000, 1000, 1000, 0, 900, 900, 900, 0]);
    expect(r.metrics.final_equity).toBe(900);
  });
});

describe('short side (sma_crossover, allow_short)', () => {
  // d_t = (c_t − c_{t−1})/2
  const HEAD_S: Row[] = [
    [10, 10, 10, 10], // 0
    [10.5, 11, 10.5, 11], // 1: d +0.5
    [10.5, 10.5, 9.5, 10], // 2: d −0.5 → down-cross → target −1
    [10, 10.5, 9.5, 10], // 3: short 100 @ 10 (budget = equity 1000): cash 1000 + 1000 = 2000; d 0
  ];
  const short = (risk: Partial<RiskSpec>) => makeSet('sma_crossover', { fast: 1, slow: 2, allow_short: true }, { capital: 1000, risk });

  it('stop_loss above the entry: the high crosses entry·(1 + sl) → buy back at the level', () => {
    const r = run(bars([...HEAD_S, [10.5, 11.5, 10, 10], [10, 10, 10, 10]]), short({ stopLoss: 0.1 }));
    // level = 10·1.1 = 11; bar 4 opens 10.5 < 11, high 11.5 ≥ 11 → buy 100 @ 11: cash 2000 − 1100 = 900; pnl = −100·(11 − 10) = −100
    // d at bar 4 = 0 and bar 5 = 0: no further signal
    const t = r.trades[0];
    expect(r.trades).toHaveLength(1);
    expect(t).toMatchObject({ side: 'short', qty: 100, entry_time: day(3), entry_price: 10, exit_time: day(4) });
    expect(t.exit_price).toBeCloseTo(11, 10);
    expect(t.pnl).toBeCloseTo(-100, 10);
    expect(r.cash[3]).toBe(2000);
    // E at bar 3 = 2000 − 100·10 = 1000
    expect(r.equity[3]).toBe(1000);
    expect(r.metrics.final_equity).toBeCloseTo(900, 10);
    expect(r.metrics.exposure).toBe(1 / 6);
  });

  it('stop_loss gapped: the bar opens above the level → buy back at the open', () => {
    const r = run(bars([...HEAD_S, [11.5, 12, 11, 10], [10, 10, 10, 10]]), short({ stopLoss: 0.1 }));
    // open 11.5 ≥ 11 → buy @ 11.5: cash 2000 − 1150 = 850; pnl −150
    expect(r.trades[0]).toMatchObject({ side: 'short', exit_price: 11.5, pnl: -150 });
    expect(r.metrics.final_equity).toBe(850);
  });

  it('take_profit below the entry: the low crosses entry·(1 − tp)', () => {
    const r = run(bars([...HEAD_S, [10, 10.2, 8.5, 10], [10, 10, 10, 10]]), short({ takeProfit: 0.1 }));
    // level = 10·0.9 = 9; low 8.5 ≤ 9 → buy @ 9: cash 2000 − 900 = 1100; pnl +100
    expect(r.trades[0]).toMatchObject({ side: 'short', exit_time: day(4), exit_price: 9, pnl: 100 });
    expect(r.metrics.final_equity).toBe(1100);
  });

  it('both levels inside one bar → the stop wins (short)', () => {
    const r = run(bars([...HEAD_S, [10, 11.5, 8.5, 10], [10, 10, 10, 10]]), short({ stopLoss: 0.1, takeProfit: 0.1 }));
    // stop 11, take-profit 9, range [8.5, 11.5] → stop @ 11: final 900
    expect(r.trades[0].exit_price).toBeCloseTo(11, 10);
    expect(r.metrics.final_equity).toBeCloseTo(900, 10);
  });

  it('trailing stop follows the lowest low since entry: exit at trough·(1 + ts)', () => {
    const r = run(bars([...HEAD_S, [10, 11.5, 10, 10], [10, 10, 10, 10]]), short({ trailingStop: 0.1 }));
    // bar 3 (entry bar): level 10·1.1 = 11, high 10.5 ok → trough = low 9.5
    // bar 4: level 9.5·1.1 = 10.45; open 10 < 10.45, high 11.5 ≥ 10.45 → buy @ 10.45: cash 2000 − 1045 = 955; pnl −45
    expect(r.trades[0].exit_price).toBeCloseTo(10.45, 10);
    expect(r.trades[0].pnl).toBeCloseTo(-45, 10);
    expect(r.metrics.final_equity).toBeCloseTo(955, 10);
  });
});
