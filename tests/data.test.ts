import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DataError } from '../src/errors.js';
import {
  alignSeries,
  generateSynthetic,
  hashMarketData,
  inferPeriodsPerYear,
  loadCsvFile,
  loadMarketData,
  parseBarsCsv,
  parseTime,
  sharedColumn,
  type RawSeries,
} from '../src/data/index.js';

const SHARED = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/data/', import.meta.url));
const DAY = 86_400_000;
const HEADER = 'date,open,high,low,close,volume';

/** A CSV with the standard header and the given rows; row k of `rows` is on line k + 2. */
const csv = (...rows: string[]): string => [HEADER, ...rows].join('\n') + '\n';
const parse = (text: string): RawSeries => parseBarsCsv(text, 'file.csv', 'X');
const raw = (symbol: string, days: number[], close: number[]): RawSeries => ({
  symbol,
  time: Float64Array.from(days, (d) => Date.UTC(2020, 0, d)),
  open: Float64Array.from(close),
  high: Float64Array.from(close, (c) => c + 1),
  low: Float64Array.from(close, (c) => c - 1),
  close: Float64Array.from(close),
  volume: Float64Array.from(close, () => 100),
});

describe('parseBarsCsv: layout', () => {
  it('reads columns in any order and case, ignores Adj Close, strips a BOM, handles CRLF and blank lines', () => {
    const text =
      '\uFEFF Volume ,CLOSE,Adj Close,low,High,Date,open\r\n' +
      '1000,10.5,9.9,9.5,11,2020-01-02,10\r\n' +
      '\r\n' +
      '1100,11,10.4,10,11.5,2020-01-03,10.5\r\n' +
      '\r\n\r\n';
    const s = parseBarsCsv(text, 'file.csv', 'ABC');
    expect(s.symbol).toBe('ABC');
    expect(Array.from(s.time)).toEqual([Date.UTC(2020, 0, 2), Date.UTC(2020, 0, 3)]);
    expect(Array.from(s.open)).toEqual([10, 10.5]);
    expect(Array.from(s.high)).toEqual([11, 11.5]);
    expect(Array.from(s.low)).toEqual([9.5, 10]);
    expect(Array.from(s.close)).toEqual([10.5, 11]);
    expect(Array.from(s.volume)).toEqual([1000, 1100]);
  });

  it('accepts timestamp, time and datetime as the time column', () => {
    for (const name of ['timestamp', 'Time', 'DATETIME']) {
      const s = parse(`${name},open,high,low,close,volume\n2020-01-02,1,1,1,1,0\n`);
      expect(s.time[0]).toBe(Date.UTC(2020, 0, 2));
    }
  });

  it('accepts open/close outside [low, high], as vendor files have them', () => {
    const s = parse(csv('2020-01-02,12,11,9,8,100'));
    expect(s.open[0]).toBe(12);
    expect(s.close[0]).toBe(8);
  });
});

describe('parseBarsCsv: times', () => {
  const at = (t: string): number => parse(csv(`${t},1,1,1,1,0`)).time[0];
  const ms = Date.UTC(2021, 5, 15, 13, 30, 0);

  it('reads epoch seconds, epoch milliseconds and ISO forms as the same instant', () => {
    expect(at(String(ms / 1000))).toBe(ms);
    expect(at(String(ms))).toBe(ms);
    expect(at('2021-06-15T13:30:00Z')).toBe(ms);
    expect(at('2021-06-15T13:30')).toBe(ms);
    expect(at('2021-06-15 13:30:00')).toBe(ms);
    expect(at('2021-06-15T15:30:00+02:00')).toBe(ms);
    expect(at('2021-06-15T08:30:00-05:00')).toBe(ms);
    expect(at('2021-06-15T13:30:00.250Z')).toBe(ms + 250);
    expect(at('2021-06-15')).toBe(Date.UTC(2021, 5, 15));
  });

  it('splits seconds from milliseconds at |v| = 1e11', () => {
    expect(at('99999999999')).toBe(99_999_999_999_000);
    expect(at('100000000000')).toBe(100_000_000_000);
    expect(at('86400')).toBe(DAY);
  });

  it('rejects malformed dates', () => {
    for (const bad of ['1995-13-01', '1995-02-29', '1995/01/03', 'abc', '1995-01-03T25:00', '1995-01-03X', '']) {
      expect(parseTime(bad), bad).toBeNaN();
    }
    expect(parseTime('1996-02-29')).toBe(Date.UTC(1996, 1, 29));
    expect(() => parse(csv('2020-01-02,1,1,1,1,0', '1995/01/03,1,1,1,1,0'))).toThrow(/^file\.csv:3: column 'date': cannot parse '1995\/01\/03' as a time/);
  });
});

describe('parseBarsCsv: rejections name the line and the column', () => {
  const ok1 = '2020-01-02,10,11,9,10,100';
  const ok2 = '2020-01-03,10,11,9,10,100';
  const bad = (row: string): string => csv(ok1, ok2, row); // the bad row is on line 4

  it('rejects an unparsable number', () => {
    expect(() => parse(bad('2020-01-06,10,11,9,abc,100'))).toThrow("file.csv:4: column 'close': cannot parse 'abc' as a number");
  });
  it('rejects an empty field', () => {
    expect(() => parse(bad('2020-01-06,10,11,,10,100'))).toThrow(/^file\.csv:4: column 'low': empty value/);
  });
  it('rejects NaN and Infinity', () => {
    expect(() => parse(bad('2020-01-06,NaN,11,9,10,100'))).toThrow(/^file\.csv:4: column 'open': 'NaN' is not a finite/);
    expect(() => parse(bad('2020-01-06,10,Infinity,9,10,100'))).toThrow(/^file\.csv:4: column 'high': .*finite/);
    expect(() => parse(bad('2020-01-06,10,11,9,10,-Infinity'))).toThrow(/^file\.csv:4: column 'volume': .*finite/);
  });
  it('rejects non-positive prices', () => {
    expect(() => parse(bad('2020-01-06,0,11,9,10,100'))).toThrow(/^file\.csv:4: column 'open': price must be positive/);
    expect(() => parse(bad('2020-01-06,10,11,-9,10,100'))).toThrow(/^file\.csv:4: column 'low': price must be positive/);
    expect(() => parse(bad('2020-01-06,10,11,9,0,100'))).toThrow(/^file\.csv:4: .*close/);
  });
  it('rejects negative volume but accepts zero', () => {
    expect(() => parse(bad('2020-01-06,10,11,9,10,-1'))).toThrow(/^file\.csv:4: column 'volume': must not be negative/);
    expect(parse(bad('2020-01-06,10,11,9,10,0')).volume[2]).toBe(0);
  });
  it('rejects high below low', () => {
    expect(() => parse(bad('2020-01-06,10,9,11,10,100'))).toThrow(/^file\.csv:4: column 'high' \(9\) is below column 'low' \(11\)/);
  });
  it('rejects repeated and decreasing timestamps', () => {
    expect(() => parse(bad('2020-01-03,10,11,9,10,100'))).toThrow("file.csv:4: timestamp 2020-01-03 is not after the previous row's 2020-01-03");
    expect(() => parse(bad('2020-01-01,10,11,9,10,100'))).toThrow(/^file\.csv:4: timestamp 2020-01-01 is not after/);
  });
  it('rejects a row with the wrong number of fields', () => {
    expect(() => parse(bad('2020-01-06,10,11,9,10'))).toThrow(/^file\.csv:4: expected 6 fields like the header, found 5/);
    expect(() => parse(bad('2020-01-06,10,11,9,10,100,7'))).toThrow(/^file\.csv:4: expected 6 fields/);
  });
  it('counts physical lines, blank ones included', () => {
    expect(() => parse(`${HEADER}\r\n\r\n${ok1}\r\n\r\n2020-01-06,10,11,9,x,100\r\n`)).toThrow(/^file\.csv:5: column 'close'/);
  });
  it('rejects a header without a required column, listing what it has', () => {
    const err = catchError(() => parse('Date,Open,High,Low,Close\n2020-01-02,1,1,1,1\n'));
    expect(err).toBeInstanceOf(DataError);
    expect(err.row).toBe(1);
    expect(err.message).toBe("file.csv:1: missing column 'volume' (header has: Date, Open, High, Low, Close)");
    expect(() => parse('when,open,high,low,close,volume\n')).toThrow(/^file\.csv:1: missing column 'date' \(or 'timestamp'/);
    expect(() => parse('date,open,high,low\n')).toThrow(/^file\.csv:1: missing columns 'close', 'volume'/);
  });
  it('reports an empty file, a header-only file and a blank file', () => {
    for (const text of ['', HEADER, `${HEADER}\n\n\n`, '\n  \n', '\uFEFF']) {
      const err = catchError(() => parse(text));
      expect(err.message).toBe('file.csv: empty file: no bars');
      expect(err.row).toBeNull();
    }
  });
  it('is a user error (exit code 2)', () => {
    expect(catchError(() => parse(bad('x,1,1,1,1,1'))).exitCode).toBe(2);
  });
});

describe('parseBarsCsv: speed', () => {
  it('parses 5,000 rows in a few milliseconds', () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `${86400 * (i + 1)},10.25,11.5,9.75,10.5,123456`);
    const text = csv(...rows);
    for (let i = 0; i < 10; i++) parse(text); // warm up the JIT
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) parse(text);
    const ms = (performance.now() - t0) / 10;
    expect(parse(text).time.length).toBe(5000);
    expect(ms).toBeLessThan(25); // ~2 ms here; generous for slow CI machines
  });
});

describe('loadCsvFile', () => {
  it('reports a missing file', async () => {
    const err = await loadCsvFile(`${FIXTURES}nope.csv`, 'X').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).row).toBeNull();
    expect((err as DataError).message).toMatch(/nope\.csv: cannot read file: .*ENOENT/);
  });
});

describe('alignSeries', () => {
  it('lays symbols on the union of their timestamps with NaN gaps, in shared buffers', () => {
    const data = alignSeries([raw('A', [2, 3, 6], [10, 11, 12]), raw('B', [3, 7], [20, 21])], 'test');
    expect(Array.from(data.time)).toEqual([2, 3, 6, 7].map((d) => Date.UTC(2020, 0, d)));
    const [a, b] = data.symbols;
    expect(a.symbol).toBe('A');
    expect(Array.from(a.close)).toEqual([10, 11, 12, NaN]);
    expect(Array.from(b.close)).toEqual([NaN, 20, NaN, 21]);
    expect(Array.from(b.high)).toEqual([NaN, 21, NaN, 22]);
    expect(Array.from(b.volume)).toEqual([NaN, 100, NaN, 100]);
    expect(data.time.buffer).toBeInstanceOf(SharedArrayBuffer);
    for (const s of data.symbols) {
      for (const col of [s.open, s.high, s.low, s.close, s.volume]) expect(col.buffer).toBeInstanceOf(SharedArrayBuffer);
    }
    expect(data.source).toBe('test');
  });

  it('takes a loader’s columns (whole SharedArrayBuffers) as they are, copies others', () => {
    const loaded = parse(csv('2020-01-02,10,11,9,10,100', '2020-01-03,10,11,9,10,100'));
    expect(loaded.close.buffer).toBeInstanceOf(SharedArrayBuffer);
    const data = alignSeries([loaded], 'file.csv');
    expect(data.time).toBe(loaded.time);
    expect(data.symbols[0].close).toBe(loaded.close);
    const plain = raw('A', [2, 3], [10, 11]);
    const copied = alignSeries([plain], 'test');
    expect(copied.symbols[0].close).not.toBe(plain.close);
    expect(Array.from(copied.symbols[0].close)).toEqual([10, 11]);
  });

  it('rejects duplicate symbols', () => {
    expect(() => alignSeries([raw('A', [2], [1]), raw('A', [3], [1])], 'cfg')).toThrow("cfg: duplicate symbol 'A'");
  });
});

describe('hashMarketData', () => {
  const make = (close = [10, 11, 12], symbol = 'A') => alignSeries([raw(symbol, [2, 3, 6], close)], 'h');

  it('is equal for equal data and differs when one price or a name differs', () => {
    expect(make().hash).toMatch(/^[0-9a-f]{64}$/);
    expect(make().hash).toBe(make().hash);
    expect(make([10, 11, 12.01]).hash).not.toBe(make().hash);
    expect(make(undefined, 'B').hash).not.toBe(make().hash);
    const d = make();
    expect(hashMarketData(d.time, d.symbols)).toBe(d.hash);
    const copy = sharedColumn(3);
    copy.set(d.time);
    copy[1] += 1;
    expect(hashMarketData(copy, d.symbols)).not.toBe(d.hash);
  });
});

describe('generateSynthetic', () => {
  it('is deterministic and depends on the seed', () => {
    const a = generateSynthetic({ bars: 5000, symbols: ['A', 'B'], seed: 7 });
    const b = generateSynthetic({ bars: 5000, symbols: ['A', 'B'], seed: 7 });
    expect(a.source).toBe('synthetic(seed=7, bars=5000, symbols=A,B)');
    expect(Array.from(a.time)).toEqual(Array.from(b.time));
    for (let k = 0; k < 2; k++) {
      for (const f of ['open', 'high', 'low', 'close', 'volume'] as const) {
        expect(Array.from(a.symbols[k][f])).toEqual(Array.from(b.symbols[k][f]));
      }
    }
    expect(a.hash).toBe(b.hash);
    const c = generateSynthetic({ bars: 5000, symbols: ['A', 'B'], seed: 8 });
    expect(c.hash).not.toBe(a.hash);
    expect(c.symbols[0].close[10]).not.toBe(a.symbols[0].close[10]);
    expect(a.symbols[1].close[10]).not.toBe(a.symbols[0].close[10]);
    expect(a.symbols[0].close.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('puts daily bars on weekdays from 2000-01-03 and intraday bars back to back', () => {
    const d = generateSynthetic({ bars: 1000, seed: 1 });
    expect(d.symbols.map((s) => s.symbol)).toEqual(['SYN']);
    expect(d.time[0]).toBe(Date.UTC(2000, 0, 3));
    expect(d.time[5]).toBe(Date.UTC(2000, 0, 10)); // the weekend is skipped
    for (let i = 0; i < d.time.length; i++) {
      const wd = new Date(d.time[i]).getUTCDay();
      expect(wd >= 1 && wd <= 5).toBe(true);
      if (i > 0) expect(d.time[i]).toBeGreaterThan(d.time[i - 1]);
    }
    const h = generateSynthetic({ bars: 100, seed: 1, start: Date.UTC(2000, 0, 1), intervalMs: 3_600_000 });
    for (let i = 1; i < 100; i++) expect(h.time[i] - h.time[i - 1]).toBe(3_600_000);
    expect(h.source).toContain('interval_ms=3600000');
  });

  it('keeps OHLC invariants, cent prices and integer volumes over 20,000 bars', () => {
    const d = generateSynthetic({ bars: 20_000, symbols: ['A', 'B', 'C'], seed: 42 });
    let bad = 0;
    for (const s of d.symbols) {
      for (let i = 0; i < d.time.length; i++) {
        const o = s.open[i],
          h = s.high[i],
          l = s.low[i],
          c = s.close[i],
          v = s.volume[i];
        if (!(h >= Math.max(o, c) && l <= Math.min(o, c) && l >= 0.01)) bad++;
        for (const p of [o, h, l, c]) if (Math.round(p * 100) / 100 !== p) bad++;
        if (!(Number.isInteger(v) && v > 0)) bad++;
      }
    }
    expect(bad).toBe(0);
  });

  it('rejects invalid options', () => {
    expect(() => generateSynthetic({ bars: 0, seed: 1 })).toThrow(/bars must be a positive integer/);
    expect(() => generateSynthetic({ bars: 10, seed: 1.5 })).toThrow(/seed must be an integer/);
    expect(() => generateSynthetic({ bars: 10, seed: 1, symbols: ['A', 'A'] })).toThrow(/duplicate symbol/);
  });
});

describe('loadMarketData', () => {
  it('loads ttrc.csv', async () => {
    const d = await loadMarketData({ path: 'ttrc.csv' }, SHARED);
    expect(d.time.length).toBe(5550);
    expect(d.symbols[0].symbol).toBe('TTRC');
    expect(new Date(d.time[0]).toISOString()).toBe('1985-01-02T00:00:00.000Z');
    expect(d.symbols[0].close[0]).toBe(3.08);
    expect(d.source).toBe(`${SHARED}ttrc.csv`);
  });

  it('loads a Yahoo file, ignoring Adj Close', async () => {
    const d = await loadMarketData({ path: `${SHARED}orcl-1995-2014.txt`, symbol: 'ORCL' }, '/elsewhere');
    expect(d.time.length).toBe(5036);
    expect(d.symbols[0].symbol).toBe('ORCL');
    expect(d.time[0]).toBe(Date.UTC(1995, 0, 3));
    expect(d.symbols[0].close[0]).toBe(2.117284);
    expect(d.symbols[0].open[0]).toBe(2.179012);
    expect(inferPeriodsPerYear(d.time)).toBe(252);
  });

  it('loads several files relative to baseDir and aligns them', async () => {
    const d = await loadMarketData(
      {
        symbols: [
          { symbol: 'A', path: 'aaa.txt' },
          { symbol: 'B', path: 'bbb.csv' },
        ],
      },
      FIXTURES,
    );
    expect(Array.from(d.time)).toEqual([2, 3, 6, 7].map((day) => Date.UTC(2020, 0, day)));
    expect(Array.from(d.symbols[0].close)).toEqual([10.5, 11, 11.5, NaN]);
    expect(Array.from(d.symbols[1].open)).toEqual([NaN, 20, NaN, 20.5]);
    const one = await loadMarketData({ path: 'aaa.txt' }, FIXTURES);
    expect(one.symbols[0].symbol).toBe('AAA');
  });

  it('generates synthetic data from the config form', async () => {
    const d = await loadMarketData({ synthetic: { bars: 50, symbols: ['A', 'B'], seed: 7, interval_ms: 60_000 } }, '.');
    const g = generateSynthetic({ bars: 50, symbols: ['A', 'B'], seed: 7, intervalMs: 60_000 });
    expect(d.hash).toBe(g.hash);
  });

  it('names the missing file', async () => {
    await expect(loadMarketData({ path: 'missing.csv' }, FIXTURES)).rejects.toThrow(/missing\.csv: cannot read file/);
  });

  it('finds the shared data folder', () => {
    expect(existsSync(SHARED)).toBe(true);
  });
});

describe('inferPeriodsPerYear', () => {
  const every = (ms: number, n = 50, skipWeekends = false): Float64Array => {
    const out: number[] = [];
    for (let t = Date.UTC(2020, 0, 6); out.length < n; t += ms) {
      const wd = new Date(t).getUTCDay();
      if (!skipWeekends || (wd !== 0 && wd !== 6)) out.push(t);
    }
    return Float64Array.from(out);
  };

  it('recognises daily, weekly, monthly and intraday bars', () => {
    expect(inferPeriodsPerYear(every(DAY, 300, true))).toBe(252);
    expect(inferPeriodsPerYear(every(DAY))).toBe(252);
    expect(inferPeriodsPerYear(every(7 * DAY))).toBe(52);
    expect(inferPeriodsPerYear(every(30 * DAY))).toBe(12);
    expect(inferPeriodsPerYear(every(3_600_000))).toBe(1638); // 252 × 6.5
    expect(inferPeriodsPerYear(every(300_000))).toBe(19_656); // 252 × 78
    expect(inferPeriodsPerYear(every(91 * DAY))).toBe(4);
    expect(inferPeriodsPerYear(new Float64Array([0]))).toBe(252);
  });
});

function catchError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error('expected a DataError');
}

describe('periods per year from the median bar interval (found by selection)', () => {
  const H = 3_600_000;
  const timeline = (gaps: readonly number[]): Float64Array => {
    const t = [Date.UTC(2020, 0, 6)];
    for (const g of gaps) t.push(t[t.length - 1] + g);
    return Float64Array.from(t);
  };
  it('even gap counts average the two middle gaps; odd counts take the middle one', () => {
    // sorted 1h, 1h, 2h, 2h → 1.5 h → round(252 × 6.5 / 1.5) = 1092
    expect(inferPeriodsPerYear(timeline([2 * H, H, 2 * H, H]))).toBe(1092);
    // 5, 5, 10 minutes → 5 min → round(252 × 6.5 × 12) = 19656
    expect(inferPeriodsPerYear(timeline([10 * 60_000, 5 * 60_000, 5 * 60_000]))).toBe(19656);
    // daily bars with a weekend and a holiday: sorted 1, 1, 1, 3, 4 days → 1 day → 252
    expect(inferPeriodsPerYear(timeline([24 * H, 72 * H, 24 * H, 96 * H, 24 * H]))).toBe(252);
  });
  it('equals a sort-based median on many random timelines', () => {
    let seed = 5;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 500; trial++) {
      const gaps = Array.from(
        { length: 1 + Math.floor(rand() * 40) },
        () => [60_000, H, 24 * H, 7 * 24 * H][Math.floor(rand() * 4)] * (1 + Math.floor(rand() * 3)),
      );
      const sorted = [...gaps].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
      const days = median / (24 * H);
      const expected =
        median >= 20 * H && days <= 4
          ? 252
          : days >= 5 && days <= 8
            ? 52
            : days >= 25 && days <= 35
              ? 12
              : median < 20 * H
                ? Math.round((252 * 6.5 * H) / median)
                : Math.max(1, Math.round(365.25 / days));
      expect(inferPeriodsPerYear(timeline(gaps))).toBe(expected);
    }
  });
});
