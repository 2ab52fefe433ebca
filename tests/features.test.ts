import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SymbolBars } from '../src/data/series.js';
import { UserError } from '../src/errors.js';
import { computeFeatureColumns } from '../src/features/compute.js';
import { FEATURE_KINDS, outputKey, parseFeatureKey } from '../src/features/registry.js';

/**
 * Indicators against DESIGN.md §5 (TTR conventions) and the canonical keys of §6.
 * Small cases are worked out by hand in the comments; longer series are checked against
 * tests/fixtures/features/*.json, produced independently by `python3 tests/fixtures/features/gen.py`
 * (math.fsum for sums, statistics.stdev / pstdev for standard deviations).
 */

// ---------------------------------------------------------------------------------------------
// helpers

function makeBars(close: number[], high: number[] = close, low: number[] = close, open: number[] = close): SymbolBars {
  return {
    symbol: 'T',
    open: Float64Array.from(open),
    high: Float64Array.from(high),
    low: Float64Array.from(low),
    close: Float64Array.from(close),
    volume: new Float64Array(close.length).fill(1000),
  };
}

function column(bars: SymbolBars, key: string): Float64Array {
  const cols = computeFeatureColumns(bars, [key]);
  const canonical = outputKey(parseFeatureKey(key));
  const col = cols.get(canonical);
  if (!col) throw new Error(`no column ${canonical} in ${[...cols.keys()].join(', ')}`);
  return col;
}

function firstValid(col: ArrayLike<number>): number {
  for (let i = 0; i < col.length; i++) if (col[i] === col[i]) return i;
  return -1;
}

/** Asserts NaN before `first` and a number at every index from `first` on. */
function expectWarmup(col: Float64Array, first: number, label: string): void {
  expect(firstValid(col), `${label}: first non-NaN index`).toBe(first);
  const gaps = Array.from(col.subarray(first)).flatMap((v, i) => (v === v ? [] : [first + i]));
  expect(gaps, `${label}: NaN after warm-up`).toEqual([]);
}

/** |actual − expected| ≤ rel·max(|expected|, floor); null/NaN expected means "not ready". */
function expectClose(actual: number, expected: number | null, label: string, rel = 1e-12, floor = 0): void {
  if (expected === null || Number.isNaN(expected)) {
    expect(actual, `${label}: expected not ready (NaN)`).toBeNaN();
    return;
  }
  const tol = rel * Math.max(Math.abs(expected), floor);
  const err = Math.abs(actual - expected);
  if (!(err <= tol)) expect.fail(`${label}: got ${actual}, expected ${expected} (|err| ${err} > tol ${tol})`);
}

function expectColumnClose(actual: Float64Array, expected: (number | null)[], label: string, rel = 1e-12, floor = 0): void {
  expect(actual.length).toBe(expected.length);
  for (let t = 0; t < expected.length; t++) expectClose(actual[t], expected[t], `${label}[${t}]`, rel, floor);
}

function expectColumnExact(actual: Float64Array, expected: (number | null)[], label: string): void {
  expect(actual.length).toBe(expected.length);
  const bad: string[] = [];
  for (let t = 0; t < expected.length; t++) {
    const e = expected[t];
    const a = actual[t];
    if (e === null ? a === a : a !== e) bad.push(`${label}[${t}]: got ${a}, expected ${e ?? 'NaN'}`);
  }
  expect(bad.slice(0, 5)).toEqual([]);
}

interface Fixture {
  bars: { open: number[]; high: number[]; low: number[]; close: number[]; volume: number[] };
  columns: Record<string, (number | null)[]>;
  ties: { closes: number[]; sma2: (number | null)[]; sma4: (number | null)[]; tie_indices: number[] }[];
  degenerate: { name: string; n: number; closes: number[]; columns: Record<string, (number | null)[]> }[];
}
interface TtrcFixture {
  rows: number;
  first_close: number;
  last_close: number;
  first_valid: Record<string, number>;
  indices: number[];
  values: Record<string, (number | null)[]>;
}

const readJson = <T>(name: string): T => JSON.parse(readFileSync(new URL(`./fixtures/features/${name}`, import.meta.url), 'utf8')) as T;
const fixture = readJson<Fixture>('indicators.json');
const ttrc = readJson<TtrcFixture>('ttrc.json');

const NaN_ = Number.NaN;

// ---------------------------------------------------------------------------------------------
// A tiny hand-made series (8 bars). Integer prices so every expectation can be worked out by hand.
//
//  t   H   L   C    TR (max(H,C₋₁) − min(L,C₋₁))
//  0   3   1   2    –
//  1   5   3   4    5 − 2 = 3
//  2   7   5   6    7 − 4 = 3
//  3   6   4   5    6 − 4 = 2
//  4   8   6   7    8 − 5 = 3
//  5   5   2   3    7 − 2 = 5
//  6   9   7   8    9 − 3 = 6
//  7  11   9  10   11 − 8 = 3

const H = [3, 5, 7, 6, 8, 5, 9, 11];
const L = [1, 3, 5, 4, 6, 2, 7, 9];
const C = [2, 4, 6, 5, 7, 3, 8, 10];
const tiny = makeBars(C, H, L);

describe('indicators on a hand-made 8-bar series', () => {
  it('sma(3): window sums 12, 15, 18, 15, 18, 21 over 3, first at index 2', () => {
    const col = column(tiny, 'sma(3)');
    expectWarmup(col, 2, 'sma(3)');
    expect(Array.from(col)).toEqual([NaN_, NaN_, 4, 5, 6, 5, 6, 7]);
  });

  it('ema(3): k = 2/(3+1) = 0.5, seeded with sma = 4 at index 2', () => {
    // t3: 0.5·5 + 0.5·4 = 4.5;  t4: 0.5·7 + 0.5·4.5 = 5.75;  t5: 0.5·3 + 0.5·5.75 = 4.375
    // t6: 0.5·8 + 0.5·4.375 = 6.1875;  t7: 0.5·10 + 0.5·6.1875 = 8.09375  (all exact in binary)
    const col = column(tiny, 'ema(3)');
    expectWarmup(col, 2, 'ema(3)');
    expect(Array.from(col)).toEqual([NaN_, NaN_, 4, 4.5, 5.75, 4.375, 6.1875, 8.09375]);
  });

  it('rsi(3): Wilder k = 1/3 seeded with the plain mean of the first 3 gains/losses, first at index 3', () => {
    // changes t1..t7: +2 +2 −1 +2 −4 +5 +2 → gains 2 2 0 2 0 5 2, losses 0 0 1 0 4 0 0
    // t3: up = 4/3, down = 1/3 → 100·(4/3)/(5/3) = 80
    // t4: up = 2/3 + (2/3)(4/3) = 14/9,  down = (2/3)(1/3) = 2/9      → 100·14/16 = 87.5
    // t5: up = (2/3)(14/9) = 28/27,      down = 4/3 + (2/3)(2/9) = 40/27 → 100·28/68 = 700/17
    // t6: up = 5/3 + (2/3)(28/27) = 191/81, down = (2/3)(40/27) = 80/81 → 19100/271
    // t7: up = 2/3 + (2/3)(191/81) = 544/243, down = 160/243          → 54400/704 = 850/11
    const col = column(tiny, 'rsi(3)');
    expectWarmup(col, 3, 'rsi(3)');
    const want = [null, null, null, 80, 87.5, 700 / 17, 19100 / 271, 850 / 11];
    expectColumnClose(col, want, 'rsi(3)');
  });

  it('tr: undefined at the first bar, then max(H, C₋₁) − min(L, C₋₁)', () => {
    const col = column(tiny, 'tr');
    expectWarmup(col, 1, 'tr');
    expect(Array.from(col)).toEqual([NaN_, 3, 3, 2, 3, 5, 6, 3]);
  });

  it('atr(3): Wilder k = 1/3 over TR, seeded with mean(3, 3, 2) = 8/3 at index 3', () => {
    // t4: 3/3 + (2/3)(8/3) = 25/9;  t5: 5/3 + (2/3)(25/9) = 95/27
    // t6: 6/3 + (2/3)(95/27) = 352/81;  t7: 3/3 + (2/3)(352/81) = 947/243
    const col = column(tiny, 'atr(3)');
    expectWarmup(col, 3, 'atr(3)');
    expectColumnClose(col, [null, null, null, 8 / 3, 25 / 9, 95 / 27, 352 / 81, 947 / 243], 'atr(3)');
  });

  it('highest(3) of highs and lowest(3) of lows, first at index 2', () => {
    const hi = column(tiny, 'highest(3)');
    const lo = column(tiny, 'lowest(3)');
    expectWarmup(hi, 2, 'highest(3)');
    expectWarmup(lo, 2, 'lowest(3)');
    expect(Array.from(hi)).toEqual([NaN_, NaN_, 7, 7, 8, 8, 9, 11]);
    expect(Array.from(lo)).toEqual([NaN_, NaN_, 1, 3, 4, 2, 2, 2]);
  });

  it('roc(3) = C_t/C_{t−3} − 1 and mom(3) = C_t − C_{t−3}, first at index 3', () => {
    const roc = column(tiny, 'roc(3)');
    const mom = column(tiny, 'mom(3)');
    expectWarmup(roc, 3, 'roc(3)');
    expectWarmup(mom, 3, 'mom(3)');
    expect(Array.from(roc)).toEqual([NaN_, NaN_, NaN_, 5 / 2 - 1, 7 / 4 - 1, 3 / 6 - 1, 8 / 5 - 1, 10 / 7 - 1]);
    expect(Array.from(mom)).toEqual([NaN_, NaN_, NaN_, 3, 3, -3, 3, 3]);
  });

  it('stdev(3) (sample), stdev_pop(3) (population) and zscore(3)', () => {
    // windows: (2,4,6) (4,6,5) (6,5,7) (5,7,3) (7,3,8) (3,8,10)
    // means:    4       5       6       5       6       7
    // Σ dev²:   8       2       2       8      14      26
    const ss = [8, 2, 2, 8, 14, 26];
    const sd = column(tiny, 'stdev(3)');
    const sdp = column(tiny, 'stdev_pop(3)');
    const z = column(tiny, 'zscore(3)');
    expectWarmup(sd, 2, 'stdev(3)');
    expectWarmup(sdp, 2, 'stdev_pop(3)');
    expectWarmup(z, 2, 'zscore(3)');
    expectColumnClose(sd, [null, null, 2, 1, 1, 2, Math.sqrt(7), Math.sqrt(13)], 'stdev(3)');
    expectColumnClose(sdp, [null, null, ...ss.map((s) => Math.sqrt(s / 3))], 'stdev_pop(3)');
    // (C − mean)/sd: (6−4)/2, (5−5)/1, (7−6)/1, (3−5)/2, (8−6)/√7, (10−7)/√13
    expectColumnClose(z, [null, null, 1, 0, 1, -1, 2 / Math.sqrt(7), 3 / Math.sqrt(13)], 'zscore(3)', 1e-12, 1);
  });

  it('bbands(3,2): middle = sma(3), bands = middle ± 2·population sd', () => {
    const cols = computeFeatureColumns(tiny, ['bbands(3,2)']);
    const mid = cols.get('bbands(3,2).middle')!;
    const lower = cols.get('bbands(3,2).lower')!;
    const upper = cols.get('bbands(3,2).upper')!;
    const pctb = cols.get('bbands(3,2).pctb')!;
    expect(Array.from(mid)).toEqual([NaN_, NaN_, 4, 5, 6, 5, 6, 7]);
    const w = [8, 2, 2, 8, 14, 26].map((s) => 2 * Math.sqrt(s / 3));
    const means = [4, 5, 6, 5, 6, 7];
    expectColumnClose(lower, [null, null, ...means.map((m, i) => m - w[i])], 'lower');
    expectColumnClose(upper, [null, null, ...means.map((m, i) => m + w[i])], 'upper');
    // %b = (C − lower)/(upper − lower) = 0.5 + (C − mean)/(2w)
    const closes = C.slice(2);
    expectColumnClose(pctb, [null, null, ...means.map((m, i) => 0.5 + (closes[i] - m) / (2 * w[i]))], 'pctb', 1e-12, 1);
  });

  it('2-decimal sma(3) is the exactly rounded window sum / 3 (not a drifting running sum)', () => {
    const closes = [10.01, 10.02, 10.03, 10.07, 9.99, 10.11];
    // math.fsum(window)/3 in Python: 30.06/3, 30.119999999999997/3, 30.09/3, 30.17/3
    // = 10.02, 10.04, 10.03, 10.056666666666667 (a left-to-right sum gives 10.020000000000001 at bar 2)
    expect(Array.from(column(makeBars(closes), 'sma(3)'))).toEqual([NaN_, NaN_, 10.02, 10.04, 10.03, 10.056666666666667]);
    expect((closes[0] + closes[1] + closes[2]) / 3).toBe(10.020000000000001);
  });
});

// ---------------------------------------------------------------------------------------------
// Warm-up lengths for several n on a 30-bar series, and agreement with the registry's `warmup`.

const W_CLOSE = [
  20.15, 20.4, 20.31, 20.77, 21.02, 20.88, 20.5, 20.61, 21.1, 21.35, 21.2, 20.95, 21.4, 21.66, 21.58, 21.3, 21.05, 21.44, 21.9, 22.1, 21.87, 21.6, 21.75, 22.03,
  22.4, 22.18, 21.95, 22.3, 22.62, 22.5,
];
const W_HIGH = W_CLOSE.map((c, i) => Math.round(c * 100 + 15 + (i % 4) * 5) / 100);
const W_LOW = W_CLOSE.map((c, i) => Math.round(c * 100 - 12 - (i % 3) * 6) / 100);
const warm = makeBars(W_CLOSE, W_HIGH, W_LOW);

describe('warm-up: index of the first value', () => {
  const cases: [string, (n: number) => number][] = [
    ['sma', (n) => n - 1],
    ['ema', (n) => n - 1],
    ['stdev', (n) => n - 1],
    ['stdev_pop', (n) => n - 1],
    ['highest', (n) => n - 1],
    ['lowest', (n) => n - 1],
    ['zscore', (n) => n - 1],
    ['rsi', (n) => n],
    ['atr', (n) => n],
    ['roc', (n) => n],
    ['mom', (n) => n],
  ];
  for (const [name, first] of cases) {
    it(`${name}(n) first at ${first(10)} for n = 10 (and likewise for n = 2, 3, 5, 14, 20)`, () => {
      for (const n of [2, 3, 5, 10, 14, 20]) {
        const key = `${name}(${n})`;
        expectWarmup(column(warm, key), first(n), key);
        expect(FEATURE_KINDS.get(name)!.warmup([n]), `${key}: registry warmup`).toBe(first(n));
      }
    });
  }

  it('bbands(n,2) outputs all first at n − 1', () => {
    for (const n of [2, 5, 20]) {
      const cols = computeFeatureColumns(warm, [`bbands(${n},2)`]);
      for (const o of ['lower', 'middle', 'upper', 'pctb']) expectWarmup(cols.get(`bbands(${n},2).${o}`)!, n - 1, `bbands(${n},2).${o}`);
      expect(FEATURE_KINDS.get('bbands')!.warmup([n, 2])).toBe(n - 1);
    }
  });

  it('tr first at 1', () => {
    expectWarmup(column(warm, 'tr'), 1, 'tr');
    expect(FEATURE_KINDS.get('tr')!.warmup([])).toBe(1);
  });

  it('macd(12,26,9): .macd first at 25, .signal and .hist first at 33', () => {
    const bars = makeBars(fixture.bars.close.slice(0, 40));
    const cols = computeFeatureColumns(bars, ['macd(12,26,9)']);
    expectWarmup(cols.get('macd(12,26,9).macd')!, 25, 'macd');
    expectWarmup(cols.get('macd(12,26,9).signal')!, 33, 'signal');
    expectWarmup(cols.get('macd(12,26,9).hist')!, 33, 'hist');
    expect(FEATURE_KINDS.get('macd')!.warmup([12, 26, 9])).toBe(25);
  });

  it('a series shorter than the warm-up is entirely not ready', () => {
    const bars = makeBars(W_CLOSE.slice(0, 9), W_HIGH.slice(0, 9), W_LOW.slice(0, 9));
    for (const key of ['sma(10)', 'ema(10)', 'rsi(9)', 'atr(9)', 'roc(9)', 'stdev(10)']) expect(firstValid(column(bars, key)), key).toBe(-1);
  });
});

// ---------------------------------------------------------------------------------------------
// Cross-check against Python on a 120-bar OHLC random walk.

describe('cross-check with independent Python expectations (120 bars)', () => {
  const bars = makeBars(fixture.bars.close, fixture.bars.high, fixture.bars.low, fixture.bars.open);
  const exact = new Set(['sma(5)', 'sma(20)', 'tr', 'roc(5)', 'mom(5)', 'highest(10)', 'lowest(10)', 'bbands(20,2).middle']);
  // quantities that cross zero are compared with an absolute floor (1e-12 · 1)
  const crossesZero = (k: string) => /^(macd|zscore)|\.pctb$/.test(k);
  const all = computeFeatureColumns(bars, [...Object.keys(fixture.columns)]);

  for (const [key, expected] of Object.entries(fixture.columns)) {
    it(`${key} ${exact.has(key) ? '(bit for bit)' : '(relative 1e-12)'}`, () => {
      const got = all.get(key)!;
      expect(got, `column ${key}`).toBeDefined();
      expect(firstValid(got)).toBe(expected.findIndex((v) => v !== null));
      if (exact.has(key)) expectColumnExact(got, expected, key);
      else expectColumnClose(got, expected, key, 1e-12, crossesZero(key) ? 1 : 0);
    });
  }

  it('computing a feature alone or beside others gives the same column', () => {
    for (const key of ['sma(20)', 'ema(10)', 'rsi(14)', 'atr(14)', 'zscore(20)']) {
      expect(Array.from(column(bars, key)), key).toEqual(Array.from(all.get(key)!));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Ties: two averages that are mathematically equal must be equal (===), or crossovers go wrong.

describe('ties between averages of 2-decimal prices', () => {
  it('closes 1.10, 1.20, 1.30, 1.00, … : sma(2) === sma(4) === 1.15 at every odd bar from 3', () => {
    // (1.30 + 1.00)/2 = 1.15 and (1.10 + 1.20 + 1.30 + 1.00)/4 = 1.15; (1.10 + 1.20)/2 = 1.15 likewise
    const closes = [1.1, 1.2, 1.3, 1.0, 1.1, 1.2, 1.3, 1.0, 1.1, 1.2, 1.3, 1.0, 1.1, 1.2, 1.3, 1.0];
    const bars = makeBars(closes);
    const s2 = column(bars, 'sma(2)');
    const s4 = column(bars, 'sma(4)');
    for (let t = 3; t < closes.length; t += 2) {
      expect(s2[t] === s4[t], `bar ${t}: sma(2) ${s2[t]} vs sma(4) ${s4[t]}`).toBe(true);
      expect(s4[t]).toBe(1.15);
    }
  });

  it('1.36 1.08 1.40 1.26 1.06 1.10 1.27 1.23 1.09 1.41: at bar 9 both are 1.25, which a running sum misses', () => {
    // sma(2) = (1.09 + 1.41)/2 = 1.25; sma(4) = (1.27 + 1.23 + 1.09 + 1.41)/4 = 5.00/4 = 1.25
    const closes = [1.36, 1.08, 1.4, 1.26, 1.06, 1.1, 1.27, 1.23, 1.09, 1.41];
    const bars = makeBars(closes);
    const s2 = column(bars, 'sma(2)');
    const s4 = column(bars, 'sma(4)');
    expect(s2[9]).toBe(1.25);
    expect(s4[9]).toBe(1.25);
    expect(s2[9] === s4[9]).toBe(true);
    // the naive running sum (s += x − x_{t−n}) gives 1.2499999999999998 for sma(2): the test has teeth
    const naive = (n: number) => {
      let s = 0;
      for (let t = 0; t < closes.length; t++) {
        s += closes[t];
        if (t >= n) s -= closes[t - n];
      }
      return s / n;
    };
    expect(naive(2)).not.toBe(naive(4));
  });

  for (const [i, tie] of fixture.ties.entries()) {
    it(`fixture tie series ${i}: sma(2) and sma(4) equal math.fsum/n everywhere, === at bars ${tie.tie_indices.join(', ')}`, () => {
      const bars = makeBars(tie.closes);
      const s2 = column(bars, 'sma(2)');
      const s4 = column(bars, 'sma(4)');
      expectColumnExact(s2, tie.sma2, 'sma(2)');
      expectColumnExact(s4, tie.sma4, 'sma(4)');
      expect(tie.tie_indices.length).toBeGreaterThan(0);
      for (const t of tie.tie_indices) expect(s2[t] === s4[t], `bar ${t}`).toBe(true);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Multi-output keys.

describe('multi-output features', () => {
  const bars = makeBars(fixture.bars.close, fixture.bars.high, fixture.bars.low, fixture.bars.open);

  it('macd(12,26,9) yields .macd .signal .hist with hist = macd − signal', () => {
    const cols = computeFeatureColumns(bars, ['macd(12,26,9)']);
    expect([...cols.keys()]).toEqual(['macd(12,26,9).macd', 'macd(12,26,9).signal', 'macd(12,26,9).hist']);
    const m = cols.get('macd(12,26,9).macd')!;
    const s = cols.get('macd(12,26,9).signal')!;
    const h = cols.get('macd(12,26,9).hist')!;
    for (let t = 0; t < m.length; t++) {
      if (t < 33) expect(h[t], `hist[${t}]`).toBeNaN();
      else expect(h[t], `hist[${t}]`).toBe(m[t] - s[t]);
    }
    // MACD is absolute (EMA12 − EMA26), not TTR's default percent: compare with the ema columns
    const e12 = column(bars, 'ema(12)');
    const e26 = column(bars, 'ema(26)');
    for (let t = 25; t < m.length; t++) expect(m[t], `macd[${t}]`).toBe(e12[t] - e26[t]);
  });

  it('bare `macd`, `macd(12, 26, 9)` and single outputs name the same columns', () => {
    const a = computeFeatureColumns(bars, ['macd']);
    const b = computeFeatureColumns(bars, ['macd(12, 26, 9)']);
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const k of a.keys()) expect(Array.from(a.get(k)!)).toEqual(Array.from(b.get(k)!));
    const only = computeFeatureColumns(bars, ['macd(12,26,9).signal']);
    expect([...only.keys()]).toEqual(['macd(12,26,9).signal']);
    expect(Array.from(only.get('macd(12,26,9).signal')!)).toEqual(Array.from(a.get('macd(12,26,9).signal')!));
  });

  it('bbands(20,2) yields .lower .middle .upper .pctb; middle === sma(20); upper − middle = 2·population sd', () => {
    const cols = computeFeatureColumns(bars, ['bbands(20,2)', 'sma(20)']);
    expect([...cols.keys()].filter((k) => k.startsWith('bbands')).sort()).toEqual([
      'bbands(20,2).lower',
      'bbands(20,2).middle',
      'bbands(20,2).pctb',
      'bbands(20,2).upper',
    ]);
    const lower = cols.get('bbands(20,2).lower')!;
    const mid = cols.get('bbands(20,2).middle')!;
    const upper = cols.get('bbands(20,2).upper')!;
    const sma = cols.get('sma(20)')!;
    const psd = fixture.columns['stdev_pop(20)']; // statistics.pstdev of each window
    for (let t = 0; t < mid.length; t++) {
      if (t < 19) {
        expect(mid[t]).toBeNaN();
        continue;
      }
      expect(mid[t], `middle[${t}]`).toBe(sma[t]);
      // upper − middle and middle − lower lose ~|middle|·2⁻⁵³ to cancellation: relative 1e-12 of the price
      expectClose(upper[t] - mid[t], 2 * psd[t]!, `upper−middle[${t}]`, 1e-12, mid[t]);
      expectClose(mid[t] - lower[t], 2 * psd[t]!, `middle−lower[${t}]`, 1e-12, mid[t]);
    }
  });

  it('bbands(20,2).pctb is 0.5 for a close at the middle', () => {
    // 1.00, 1.01, …, 1.18 (mean 1.09) then 1.09: the last window's mean is exactly the close 1.09
    const closes = Array.from({ length: 19 }, (_, i) => (100 + i) / 100).concat([1.09]);
    const cols = computeFeatureColumns(makeBars(closes), ['bbands(20,2)']);
    expect(cols.get('bbands(20,2).middle')![19]).toBe(1.09);
    expectClose(cols.get('bbands(20,2).pctb')![19], 0.5, 'pctb');
    // population sd of the window = 0.053385391260156526 (statistics.pstdev)
    expectClose(cols.get('bbands(20,2).upper')![19], 1.09 + 2 * 0.053385391260156526, 'upper');
  });
});

// ---------------------------------------------------------------------------------------------
// Degenerate windows: a constant window has sd exactly 0 (statistics.stdev), so zscore and %b are
// undefined (NaN, as the indicators' own doc comments say); and a calm window after a volatile one
// keeps its sd accurate.

describe('dispersion after a volatile stretch', () => {
  for (const g of fixture.degenerate) {
    it(`${g.name}: stdev/stdev_pop/zscore/bbands(${g.n},2) match statistics.stdev/pstdev`, () => {
      const cols = computeFeatureColumns(makeBars(g.closes), Object.keys(g.columns));
      for (const [key, expected] of Object.entries(g.columns)) {
        const got = cols.get(key)!;
        if (key.endsWith('.middle')) expectColumnExact(got, expected, key);
        else expectColumnClose(got, expected, key, 1e-12, /zscore|pctb/.test(key) ? 1 : 0);
      }
    });
  }

  it('stdev(7) of seven equal closes is exactly 0 after 27.59, 44.68', () => {
    const closes = [27.59, 44.68, 11.24, 11.24, 11.24, 11.24, 11.24, 11.24, 11.24, 11.24];
    const bars = makeBars(closes);
    const sd = column(bars, 'stdev(7)');
    const z = column(bars, 'zscore(7)');
    // window at t=8 is 11.24 ×7 → statistics.stdev = 0.0, so zscore is undefined (NaN)
    expect(sd[8]).toBe(0);
    expect(z[8]).toBeNaN();
  });
});

describe('other edge cases', () => {
  it('a bar missing for the symbol (NaN close) is skipped, not fed to the features', () => {
    // closes 1, 2, –, 4, 5: sma(2) at t3 averages the two previous real bars (2 and 4)
    const bars = makeBars([1, 2, NaN_, 4, 5]);
    expect(Array.from(column(bars, 'sma(2)'))).toEqual([NaN_, 1.5, NaN_, 3, 4.5]);
    expect(Array.from(column(bars, 'mom(1)'))).toEqual([NaN_, 1, NaN_, 2, 1]);
  });

  it('rsi is 100 on a rising series and 0 on a falling one', () => {
    const up = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(Array.from(column(makeBars(up), 'rsi(3)')).slice(3)).toEqual([100, 100, 100, 100, 100]);
    expect(Array.from(column(makeBars([...up].reverse()), 'rsi(3)')).slice(3)).toEqual([0, 0, 0, 0, 0]);
  });
});

// ---------------------------------------------------------------------------------------------
// parseFeatureKey: canonical keys (DESIGN.md §6) and errors.

describe('parseFeatureKey', () => {
  it('canonicalizes spacing, number spelling and defaults', () => {
    expect(parseFeatureKey('sma( 20 )').key).toBe('sma(20)');
    expect(parseFeatureKey('  rsi(14)  ').key).toBe('rsi(14)');
    expect(parseFeatureKey('bbands(20, 2.0)').key).toBe('bbands(20,2)');
    expect(parseFeatureKey('bbands(20, 2.0)').args).toEqual([20, 2]);
    expect(parseFeatureKey('bbands(20,2.5)').key).toBe('bbands(20,2.5)');
    expect(parseFeatureKey('bbands').key).toBe('bbands(20,2)');
    expect(parseFeatureKey('macd').key).toBe('macd(12,26,9)');
    expect(parseFeatureKey('macd').args).toEqual([12, 26, 9]);
    expect(parseFeatureKey('macd( 12 , 26 , 9 )').key).toBe('macd(12,26,9)');
    expect(parseFeatureKey('tr').key).toBe('tr');
    expect(parseFeatureKey('tr()').key).toBe('tr');
    expect(parseFeatureKey('stdev_pop(10)').key).toBe('stdev_pop(10)');
  });

  it('keeps the output suffix apart and builds output keys', () => {
    const p = parseFeatureKey('macd(12, 26, 9).signal');
    expect(p.key).toBe('macd(12,26,9)');
    expect(p.output).toBe('signal');
    expect(outputKey(p)).toBe('macd(12,26,9).signal');
    expect(parseFeatureKey('sma(20)').output).toBeNull();
    expect(outputKey(parseFeatureKey('sma( 20 )'))).toBe('sma(20)');
    expect(outputKey(parseFeatureKey('bbands.pctb'))).toBe('bbands(20,2).pctb');
    expect(outputKey(parseFeatureKey('macd'))).toBe('macd(12,26,9).macd');
  });

  it('computeFeatureColumns names its columns by canonical key', () => {
    const cols = computeFeatureColumns(tiny, ['sma( 3 )', 'bbands(3, 2.0)', 'tr']);
    expect([...cols.keys()].sort()).toEqual(['bbands(3,2).lower', 'bbands(3,2).middle', 'bbands(3,2).pctb', 'bbands(3,2).upper', 'sma(3)', 'tr']);
  });

  const errors: [string, RegExp][] = [
    ['foo(3)', /unknown feature 'foo'/],
    ['smaa(3)', /unknown feature 'smaa'/],
    ['sma(20,3)', /sma takes 1 argument.*got 2/],
    ['sma', /sma takes 1 argument.*got 0/],
    ['sma()', /sma takes 1 argument.*got 0/],
    ['macd(12,26)', /macd takes 3 argument.*got 2/],
    ['tr(3)', /tr takes 0 argument.*got 1/],
    ['sma(2.5)', /n must be a positive integer, got '2\.5'/],
    ['rsi(14.0001)', /n must be a positive integer/],
    ['sma(0)', /n must be a positive integer, got '0'/],
    ['sma(-3)', /n must be a positive integer, got '-3'/],
    ['sma(abc)', /n must be a positive integer, got 'abc'/],
    ['macd(12,26.5,9)', /slow must be a positive integer/],
    ['bbands(20,-1)', /k must be a positive number, got '-1'/],
    ['sma(20).foo', /sma has a single output/],
    ['macd.foo', /macd has outputs macd, signal, hist/],
    ['bbands(20,2).mid', /bbands has outputs lower, middle, upper, pctb/],
    ['sma(20', /invalid feature 'sma\(20'/],
    ['', /invalid feature/],
  ];
  for (const [text, message] of errors) {
    it(`rejects '${text}' with ${message}`, () => {
      expect(() => parseFeatureKey(text)).toThrow(UserError);
      expect(() => parseFeatureKey(text)).toThrow(message);
    });
  }

  it('the offending key text appears in the message', () => {
    for (const text of ['sma(20).foo', 'macd.foo', 'sma(2.5)', 'sma(20,3)']) expect(() => parseFeatureKey(text)).toThrow(text);
  });

  it('computeFeatureColumns rejects an unknown feature', () => {
    expect(() => computeFeatureColumns(tiny, ['sma(3)', 'vwap(3)'])).toThrow(/unknown feature 'vwap'/);
  });
});

// ---------------------------------------------------------------------------------------------
// Real data: /work/shared/data/ttrc.csv (TTR's sample data), against Python with TTR conventions.

describe('ttrc.csv (5,550 daily bars)', () => {
  const text = readFileSync('/work/shared/data/ttrc.csv', 'utf8').trim().split('\n');
  const header = text[0].split(',');
  const idx = (name: string) => header.indexOf(name);
  const rows = text.slice(1).map((line) => line.split(','));
  const col = (name: string) => Float64Array.from(rows, (r) => Number(r[idx(name)]));
  const bars: SymbolBars = { symbol: 'TTRC', open: col('open'), high: col('high'), low: col('low'), close: col('close'), volume: col('volume') };
  const keys = ['sma(20)', 'ema(20)', 'rsi(14)', 'atr(14)'];
  const cols = computeFeatureColumns(bars, keys);

  it('parses the file', () => {
    expect(header).toEqual(['date', 'open', 'high', 'low', 'close', 'volume']);
    expect(rows.length).toBe(ttrc.rows);
    expect(bars.close[0]).toBe(ttrc.first_close);
    expect(bars.close[rows.length - 1]).toBe(ttrc.last_close);
  });

  for (const key of keys) {
    it(`${key}: first value at ${ttrc.first_valid[key]} and values at ${ttrc.indices.length} indices`, () => {
      const got = cols.get(key)!;
      expectWarmup(got, ttrc.first_valid[key], key);
      ttrc.indices.forEach((t, i) => {
        const want = ttrc.values[key][i];
        if (key.startsWith('sma')) {
          if (want === null) expect(got[t], `${key}[${t}]`).toBeNaN();
          else expect(got[t], `${key}[${t}]`).toBe(want);
        } else expectClose(got[t], want, `${key}[${t}]`);
      });
    });
  }
});
