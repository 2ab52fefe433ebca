import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvCell, writeCsv } from '../src/export/csv.js';
import { ROW_GROUP, writeParquet } from '../src/export/parquet.js';
import { kindOf, paramColumnType, type Cell, type Column } from '../src/export/table.js';
import { expectSameTable, readCsv, readParquetFile } from './export-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'fanfold-export-format-'));
const col = (type: Column['type']): Column => ({ name: 'c', type });

describe('CSV cells', () => {
  it('numbers in shortest round-trip form, not rounded; −0 keeps its sign; infinities as inf; NaN and null empty', () => {
    expect(csvCell(0.1 + 0.2, col('double'))).toBe('0.30000000000000004');
    expect(Number(csvCell(0.1 + 0.2, col('double')))).toBe(0.1 + 0.2);
    expect(csvCell(98171.99871999997, col('double'))).toBe('98171.99871999997');
    expect(csvCell(1e-7, col('double'))).toBe('1e-7');
    expect(csvCell(-0, col('double'))).toBe('-0');
    expect(csvCell(Infinity, col('double'))).toBe('inf');
    expect(csvCell(-Infinity, col('double'))).toBe('-inf');
    expect(csvCell(NaN, col('double'))).toBe('');
    expect(csvCell(null, col('int64'))).toBe('');
  });

  it('times as ISO 8601 UTC to the millisecond; booleans as true/false', () => {
    expect(csvCell(Date.UTC(2004, 9, 15, 13, 30, 0, 5), col('timestamp'))).toBe('2004-10-15T13:30:00.005Z');
    expect(csvCell(false, col('boolean'))).toBe('false');
  });

  it('RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled; others are as they are', () => {
    expect(csvCell('plain text', col('string'))).toBe('plain text');
    expect(csvCell('bbands(20,2).lower', col('string'))).toBe('"bbands(20,2).lower"');
    expect(csvCell('{"fixed":100}', col('json'))).toBe('"{""fixed"":100}"');
    expect(csvCell('line 1\nline 2', col('string'))).toBe('"line 1\nline 2"');
    expect(csvCell('cr\r', col('string'))).toBe('"cr\r"');
  });

  it('a written file parses back (RFC 4180) to the same cells, header first', () => {
    const columns: Column[] = [
      { name: 'a,b', type: 'string' },
      { name: 'x', type: 'double' },
    ];
    const file = join(tmp, 'cells.csv');
    expect(
      writeCsv(file, columns, [
        ['say "hi", then\nleave', 1.5],
        [null, null],
      ]),
    ).toBe(2);
    expect(readCsv(file)).toEqual({
      header: ['a,b', 'x'],
      records: [
        { 'a,b': 'say "hi", then\nleave', x: '1.5' },
        { 'a,b': '', x: '' },
      ],
    });
    // Written under a temporary name and renamed: nothing else is left in the folder.
    expect(readdirSync(tmp).filter((f) => f.startsWith('cells.csv'))).toEqual(['cells.csv']);
  });
});

describe('parameter column types', () => {
  it('from the kinds of value a parameter takes: integers → int64, numbers → double, flags → boolean, text → string, else json', () => {
    const of = (...values: unknown[]) => paramColumnType(values.map(kindOf));
    expect(of(5, 10, null)).toBe('int64');
    expect(of(5, 0.5)).toBe('double');
    expect(of(null, 0.05)).toBe('double');
    expect(of(true, false)).toBe('boolean');
    expect(of('cross', 'level')).toBe('string');
    expect(of({ percent_equity: 0.5 }, { fixed: 100 })).toBe('json');
    expect(of(5, 'five')).toBe('json');
    expect(of(null)).toBe('string');
  });
});

describe('Parquet files', () => {
  const columns: Column[] = [
    { name: 'text', type: 'string' },
    { name: 'json', type: 'json' },
    { name: 'x', type: 'double' },
    { name: 'n', type: 'int32' },
    { name: 'big', type: 'int64' },
    { name: 'at', type: 'timestamp' },
    { name: 'flag', type: 'boolean' },
  ];
  const t0 = Date.UTC(2020, 0, 1);
  const rowOf = (i: number): Cell[] =>
    i % 7 === 3
      ? [null, null, null, null, null, null, null]
      : [`row ${i}, "q"`, JSON.stringify({ i }), i / 3, i - 50_000, 2 ** 40 + i, t0 + i * 60_000, i % 2 === 0];
  const rows = ROW_GROUP + 7;

  it('more rows than a row group: every value, null and type read back by parquet-wasm as written, in two row groups', async () => {
    const file = join(tmp, 'big.parquet');
    expect(
      await writeParquet(
        file,
        columns,
        Array.from({ length: rows }, (_, i) => rowOf(i)),
      ),
    ).toBe(rows);
    const read = readParquetFile(file);
    expect(read.types).toEqual({ text: 'Utf8', json: 'Utf8', x: 'Float64', n: 'Int32', big: 'Int64', at: 'Timestamp<MILLISECOND, UTC>', flag: 'Bool' });
    expect(read.rows.length).toBe(rows);
    for (const i of [0, 1, 3, 17, ROW_GROUP - 1, ROW_GROUP, rows - 1]) {
      const r = rowOf(i);
      expect(read.rows[i]).toEqual({ text: r[0], json: r[1], x: r[2], n: r[3], big: r[4] === null ? null : BigInt(r[4]), at: r[5], flag: r[6] });
    }
    expect(readParquetFile(file, [1]).rows.length).toBe(7);
  });

  it('the CSV of the same rows holds the same values', async () => {
    const some = Array.from({ length: 40 }, (_, i) => rowOf(i));
    await writeParquet(join(tmp, 'some.parquet'), columns, some);
    writeCsv(join(tmp, 'some.csv'), columns, some);
    expectSameTable(readCsv(join(tmp, 'some.csv')), readParquetFile(join(tmp, 'some.parquet')));
  });

  it('a writer that fails leaves no file, not even half of one', async () => {
    const file = join(tmp, 'failed.parquet');
    function* failing(): Generator<Cell[]> {
      yield rowOf(0);
      throw new Error('reading the rows failed');
    }
    await expect(writeParquet(file, columns, failing())).rejects.toThrow('reading the rows failed');
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(tmp).filter((f) => f.startsWith('failed.parquet'))).toEqual([]);
  });
});
