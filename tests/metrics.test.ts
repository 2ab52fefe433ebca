import { describe, expect, it } from 'vitest';
import { MetricsAccumulator } from '../src/metrics/accumulator.js';
import type { Metrics } from '../src/types.js';
import { runBacktest } from '../src/topology/run-sets.js';
import { bars, closes, makeSet } from './helpers.js';

/**
 * The metric table of DESIGN.md section 5 on hand-made equity curves, fed straight into the
 * streaming accumulator, plus end-to-end checks that runBacktest's metrics are the accumulator's
 * over the equity curve worked out by hand.
 */

function feed(
  capital: number,
  equity: readonly number[],
  exposed: readonly boolean[] = equity.map(() => false),
  pnls: readonly number[] = [],
): MetricsAccumulator {
  const acc = new MetricsAccumulator(capital);
  equity.forEach((e, i) => acc.onBar(e, exposed[i]));
  for (const p of pnls) acc.onTrade(p);
  return acc;
}

/** Relative closeness for values far from 1 in magnitude (cagr of a short, steep curve). */
function expectRel(actual: number | null, expected: number, digits = 12): void {
  expect(actual).not.toBeNull();
  expect((actual as number) / expected).toBeCloseTo(1, digits);
}

describe('MetricsAccumulator on [100, 110, 99, 121], capital 100, ppy 252', () => {
  // r = [110/100 − 1, 99/110 − 1, 121/99 − 1] = [0.1, −0.1, 2/9 = 0.2222…], n = 3
  // mean = (0.1 − 0.1 + 2/9)/3 = 2/27
  // deviations: 0.1 − 2/27 = 7/270, −0.1 − 2/27 = −47/270, 2/9 − 2/27 = 40/270
  // Σ dev² = (49 + 2209 + 1600)/72900 = 3858/72900; sample var = 1929/72900; sd = √1929/270
  const m: Metrics = feed(100, [100, 110, 99, 121], [false, true, true, false]).finish(252);
  const mean = 2 / 27;
  const sd = Math.sqrt(1929) / 270;

  it('final_equity and total_return vs capital', () => {
    expect(m.final_equity).toBe(121);
    expect(m.total_return).toBeCloseTo(0.21, 12); // 121/100 − 1
  });

  it('cagr = (1 + tr)^(ppy/n) − 1 over n = 3 periods', () => {
    // 1.21^(252/3) − 1 = 1.21^84 − 1 = 1.1^168 − 1 ≈ 9.0e6
    expectRel(m.cagr, Math.pow(1.1, 168) - 1);
  });

  it('volatility = sample sd × √ppy', () => {
    // √1929/270 · √252 = 0.16267… · 15.8745… = 2.5823…
    expect(m.volatility).toBeCloseTo(sd * Math.sqrt(252), 10);
  });

  it('sharpe = √ppy · mean / sample sd', () => {
    // √252 · (2/27) / (√1929/270) = √252 · 20/√1929 = 7.2288…
    expect(m.sharpe).toBeCloseTo((Math.sqrt(252) * 20) / Math.sqrt(1929), 10);
    expect(m.sharpe).toBeCloseTo((Math.sqrt(252) * mean) / sd, 10);
  });

  it('sortino: DD = √(Σ_{r<0} r² / n) over all n returns', () => {
    // DD = √(0.01/3) = 0.057735…; sortino = √252 · (2/27) / √(0.01/3) = 20.367…
    expect(m.sortino).toBeCloseTo((Math.sqrt(252) * mean) / Math.sqrt(0.01 / 3), 10);
  });

  it('max_drawdown and calmar', () => {
    // peaks 100, 110, 110, 121: drawdowns 0, 0, 1 − 99/110 = 0.1, 0 → 0.1
    expect(m.max_drawdown).toBeCloseTo(0.1, 12);
    // calmar = cagr / 0.1
    expectRel(m.calmar, (Math.pow(1.1, 168) - 1) / 0.1);
  });

  it('exposure and trade metrics without trades', () => {
    expect(m.exposure).toBe(0.5); // 2 of 4 bars exposed
    expect(m.trades).toBe(0);
    expect(m.win_rate).toBeNull();
    expect(m.profit_factor).toBeNull();
  });
});

describe('MetricsAccumulator: drawdown and returns conventions', () => {
  it('the drawdown peak starts at E_0, not at the capital; total_return is vs capital', () => {
    // capital 100, E = [80, 90, 85]: peaks 80, 90, 90 → dd 0, 0, 1 − 85/90 = 1/18
    // (a peak starting at the capital would give 1 − 80/100 = 0.2)
    const m = feed(100, [80, 90, 85]).finish(252);
    expect(m.max_drawdown).toBeCloseTo(1 / 18, 12);
    // total_return = 85/100 − 1 = −0.15; cagr = 0.85^(252/2) − 1 = 0.85^126 − 1
    expect(m.total_return).toBeCloseTo(-0.15, 12);
    expect(m.cagr).toBeCloseTo(Math.pow(0.85, 126) - 1, 12);
    // calmar = cagr / (1/18)
    expect(m.calmar).toBeCloseTo((Math.pow(0.85, 126) - 1) * 18, 10);
  });

  it('a monotone fall: max_drawdown = 1 − last/first', () => {
    // [100, 90, 95, 80]: peak stays 100; dd 0.1, 0.05, 0.2 → 0.2
    const m = feed(100, [100, 90, 95, 80]).finish(252);
    expect(m.max_drawdown).toBeCloseTo(0.2, 12);
  });

  it('sortino uses all n returns in the downside denominator', () => {
    // [100, 95, 104.5, 104.5]: r = [−0.05, 0.1, 0], n = 3, mean = 0.05/3
    // DD = √(0.0025/3); sortino = √252 · (0.05/3)/√(0.0025/3) = √252 · 0.05/(3·0.05/√3) = √252/√3 = √84
    const m = feed(100, [100, 95, 104.5, 104.5]).finish(252);
    expect(m.sortino).toBeCloseTo(Math.sqrt(84), 10);
    // sample sd: deviations −0.05 − 1/60 = −4/60, 0.1 − 1/60 = 5/60, −1/60 → Σ = 42/3600, var = 21/3600, sd = √21/60
    // sharpe = √252 · (1/60)/(√21/60) = √252/√21 = √12
    expect(m.sharpe).toBeCloseTo(Math.sqrt(12), 10);
    expect(m.volatility).toBeCloseTo((Math.sqrt(21) / 60) * Math.sqrt(252), 10);
  });

  it('no negative return → sortino null (DD = 0), sharpe still defined', () => {
    // [100, 110, 121, 121]: r = [0.1, 0.1, 0] → no r < 0
    const m = feed(100, [100, 110, 121, 121]).finish(252);
    expect(m.sortino).toBeNull();
    // mean 0.2/3, sd = √((1/30)²·2 + (2/30)²)/… : deviations 1/30, 1/30, −2/30 → Σ = 6/900, var = 3/900, sd = √3/30
    // sharpe = √252 · (1/15)/(√3/30) = √252 · 2/√3 = 2√84
    expect(m.sharpe).toBeCloseTo(2 * Math.sqrt(84), 10);
    expect(m.max_drawdown).toBe(0);
    expect(m.calmar).toBeNull(); // cagr / 0 undefined
  });
});

describe('MetricsAccumulator: undefined values are null', () => {
  it('constant equity: sd = 0 → sharpe and sortino null; nothing is NaN', () => {
    const m = feed(100, [100, 100, 100, 100]).finish(252);
    expect(m.total_return).toBe(0);
    expect(m.cagr).toBe(0); // 1^(252/3) − 1
    expect(m.sharpe).toBeNull(); // 0/0
    expect(m.sortino).toBeNull(); // 0/0 (no downside)
    // sample sd(r) = 0 is defined, so volatility = 0·√252 = 0 (see report: the brief asked for null)
    expect(m.volatility).toBe(0);
    expect(m.max_drawdown).toBe(0);
    expect(m.calmar).toBeNull(); // 0/0
    for (const v of Object.values(m)) expect(Number.isNaN(v)).toBe(false);
  });

  it('a single bar: no returns → cagr, volatility, sharpe, sortino, calmar null', () => {
    const m = feed(100, [100], [true]).finish(252);
    expect(m.final_equity).toBe(100);
    expect(m.total_return).toBe(0);
    expect(m.cagr).toBeNull(); // ppy/n with n = 0
    expect(m.volatility).toBeNull();
    expect(m.sharpe).toBeNull();
    expect(m.sortino).toBeNull();
    expect(m.max_drawdown).toBe(0);
    expect(m.calmar).toBeNull();
    expect(m.exposure).toBe(1);
    for (const v of Object.values(m)) expect(Number.isNaN(v)).toBe(false);
  });

  it('two bars: one return → sample sd undefined (n − 1 = 0), sortino defined', () => {
    // [100, 90]: r = [−0.1]; DD = √(0.01/1) = 0.1; sortino = √252 · (−0.1)/0.1 = −√252
    const m = feed(100, [100, 90]).finish(252);
    expect(m.volatility).toBeNull();
    expect(m.sharpe).toBeNull();
    expect(m.sortino).toBeCloseTo(-Math.sqrt(252), 10);
    // cagr = 0.9^252 − 1; max_drawdown = 0.1
    expect(m.cagr).toBeCloseTo(Math.pow(0.9, 252) - 1, 12);
    expect(m.max_drawdown).toBeCloseTo(0.1, 12);
  });

  it('no trades → win_rate and profit_factor null', () => {
    const m = feed(100, [100, 101]).finish(252);
    expect(m.trades).toBe(0);
    expect(m.win_rate).toBeNull();
    expect(m.profit_factor).toBeNull();
  });
});

describe('MetricsAccumulator: trade metrics', () => {
  it('win_rate and profit_factor from net pnls', () => {
    // pnls 10, −5, 0, 20, −15: wins (pnl > 0) = 2 of 5 → 0.4; profit_factor = (10 + 20)/|−5 − 15| = 30/20 = 1.5
    const m = feed(100, [100, 100], [false, false], [10, -5, 0, 20, -15]).finish(252);
    expect(m.trades).toBe(5);
    expect(m.win_rate).toBe(0.4);
    expect(m.profit_factor).toBe(1.5);
  });

  it('no losses → profit_factor Infinity', () => {
    // pnls 10, 5: win_rate 2/2 = 1, Σ losses = 0 → Infinity
    const m = feed(100, [100, 115], [false, false], [10, 5]).finish(252);
    expect(m.win_rate).toBe(1);
    expect(m.profit_factor).toBe(Infinity);
  });

  it('only losses → profit_factor 0, win_rate 0', () => {
    // 0 / |−3 − 7| = 0
    const m = feed(100, [100, 90], [false, false], [-3, -7]).finish(252);
    expect(m.win_rate).toBe(0);
    expect(m.profit_factor).toBe(0);
  });
});

describe('runBacktest metrics = accumulator over the hand-computed equity', () => {
  it('buy_and_hold, next_open, ppy 252', () => {
    const data = bars([
      [10, 10, 10, 10], // signal
      [11, 12, 10.5, 12], // buy floor(1000/11) = 90 @ 11, cash 10 → E = 10 + 1080 = 1090
      [12.5, 13.5, 12, 13], // E = 10 + 1170 = 1180
      [13, 13, 12, 12.5], // E = 10 + 1125 = 1135
    ]);
    const r = runBacktest(data, makeSet('buy_and_hold', {}, { capital: 1000 }), { periodsPerYear: 252 });
    const expected = feed(1000, [1000, 1090, 1180, 1135], [false, true, true, true]).finish(252);
    expect(r.metrics).toEqual(expected);
    // spot checks: total_return = 1135/1000 − 1 = 0.135; max_drawdown = 1 − 1135/1180 = 45/1180 = 9/236
    expect(r.metrics.total_return).toBeCloseTo(0.135, 12);
    expect(r.metrics.max_drawdown).toBeCloseTo(9 / 236, 12);
    expect(r.metrics.exposure).toBe(0.75);
    expect(r.metrics.trades).toBe(0);
  });

  it('sma_crossover 1/2 with a closed trade and a percent commission', () => {
    // closes 10, 9, 10, 11, 10.75, 10.5 (open = high = low = close): up-cross at bar 2, down-cross at bar 4
    // buy at bar 3 open 11: n = floor(1000/(11·1.01)) = floor(90.009) = 90; cost 990 + 9.9 → cash 0.1
    // E3 = 0.1 + 90·11 = 990.1; E4 = 0.1 + 90·10.75 = 967.6
    // sell at bar 5 open 10.5: 945 − 9.45 → cash 0.1 + 935.55 = 935.65; pnl = 90·(10.5 − 11) − 9.9 − 9.45 = −64.35
    const data = closes([10, 9, 10, 11, 10.75, 10.5]);
    const set = makeSet('sma_crossover', { fast: 1, slow: 2 }, { capital: 1000, broker: { commission: { kind: 'percent', value: 0.01 } } });
    const r = runBacktest(data, set, { periodsPerYear: 252, storeTrades: true });
    expect(r.trades).toHaveLength(1);
    expect(r.trades![0].pnl).toBeCloseTo(-64.35, 10);
    const expected = feed(1000, [1000, 1000, 1000, 990.1, 967.6, 935.65], [false, false, false, true, true, false], [-64.35]).finish(252);
    for (const k of Object.keys(expected) as (keyof Metrics)[]) {
      const want = expected[k];
      const got = r.metrics[k];
      if (want === null) expect(got, k).toBeNull();
      else expect(got as number, k).toBeCloseTo(want, 10);
    }
    expect(r.metrics.trades).toBe(1);
    expect(r.metrics.win_rate).toBe(0);
    expect(r.metrics.profit_factor).toBe(0);
    expect(r.metrics.final_equity).toBeCloseTo(935.65, 10);
    expect(r.metrics.exposure).toBe(2 / 6);
  });
});
