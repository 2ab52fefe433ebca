import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compressionRegistry,
  CompressionType,
  Float32,
  Float64,
  Int32,
  Int64,
  makeData,
  RecordBatchFileWriter,
  makeVector,
  Table,
  TimestampMicrosecond,
  TimestampNanosecond,
  Uint64,
  Utf8,
  vectorFromArray,
  type Vector,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../src/config/workflow.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';
import { loadBarFile } from '../src/data/bar-file.js';
import { loadCsvFile } from '../src/data/csv.js';
import { loadMarketData } from '../src/data/load.js';
import { BadRows } from '../src/data/problems.js';
import { BAR_FIELDS, type MarketData } from '../src/data/series.js';
import { DataError } from '../src/errors.js';
import { barsTable, writeArrowFile, writeParquetHyparquet, writeParquetWasm, type TimeAs } from './support/bar-files.js';
import { cli as cliIn } from './support/cli.js';

const TTRC = join(import.meta.dirname, '..', '..', 'shared', 'data', 'ttrc.csv');
const dir = mkdtempSync(join(tmpdir(), 'fanfold-bar-files-'));
const at = (name: string): string => join(dir, name);

const bytes = (a: Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Bit for bit: the same hash, and every timestamp and price the same bytes. */
function expectSameBars(got: MarketData, want: MarketData): void {
  expect(got.time.length).toBe(want.time.length);
  expect(bytes(got.time).equals(bytes(want.time))).toBe(true);
  for (const f of BAR_FIELDS) expect(bytes(got.symbols[0][f]).equals(bytes(want.symbols[0][f])), f).toBe(true);
  expect(got.hash).toBe(want.hash);
}

const load = (path: string): Promise<MarketData> => loadMarketData({ path, symbol: 'TTRC' }, '/');

function tableOf(columns: Record<string, Vector>): Table {
  return new Table(columns);
}
const f64 = (values: (number | null)[]): Vector => vectorFromArray(values, new Float64());
const dates = (n: number): string[] => Array.from({ length: n }, (_, i) => new Date(Date.UTC(2020, 0, 2 + i)).toISOString().slice(0, 10));

describe('Parquet and Arrow IPC bar files load to the same series as the CSV', async () => {
  const csv = await load(TTRC);
  const raw = await loadCsvFile(TTRC, 'TTRC');
  const TIMES: TimeAs[] = [
    'timestamp[ms, UTC]',
    'timestamp[s]',
    'timestamp[us]',
    'timestamp[ns, America/New_York]',
    'date32',
    'int64 epoch s',
    'iso string',
    'dictionary string',
  ];

  it.each(TIMES)('time as %s: .parquet, .arrow, .feather and .ipc (stream) hold bit-identical bars', async (timeAs) => {
    const table = barsTable(raw, timeAs);
    const name = timeAs.replace(/\W+/g, '_');
    // 1,024-row groups: the 5,550 bars span six, so order is checked across them too.
    writeParquetWasm(at(`${name}.parquet`), table);
    writeArrowFile(at(`${name}.arrow`), table);
    writeArrowFile(at(`${name}.feather`), table);
    writeArrowFile(at(`${name}.ipc`), table, 'stream');
    for (const ext of ['parquet', 'arrow', 'feather', 'ipc']) expectSameBars(await load(at(`${name}.${ext}`)), csv);
  });

  it('reads every codec but the deprecated LZ4 framing: uncompressed, gzip, brotli, zstd, lz4_raw', async () => {
    const table = barsTable(raw, 'timestamp[ms, UTC]');
    for (const codec of ['UNCOMPRESSED', 'GZIP', 'BROTLI', 'ZSTD', 'LZ4_RAW'] as const) {
      writeParquetWasm(at(`${codec}.parquet`), table, 4096, codec);
      expectSameBars(await load(at(`${codec}.parquet`)), csv);
    }
  });

  it('reads a Parquet file of another writer (hyparquet-writer: TIMESTAMP_MILLIS, DOUBLE, row groups of 1,000 + 4,550)', async () => {
    writeParquetHyparquet(at('hyparquet.parquet'), [
      { name: 'timestamp', data: Array.from(raw.time, (t) => new Date(t)), type: 'TIMESTAMP' },
      ...(['open', 'high', 'low', 'close', 'volume'] as const).map((f) => ({ name: f, data: Array.from(raw[f]), type: 'DOUBLE' as const })),
    ]);
    expectSameBars(await load(at('hyparquet.parquet')), csv);
  });

  it('a sweep over the Parquet file gives the CSV run’s results: every trial’s metrics and trades, the data hash', async () => {
    writeParquetWasm(at('ttrc.parquet'), barsTable(raw, 'timestamp[ms, UTC]'));
    const run = async (data: string) => {
      const file = at(`sweep-${data.endsWith('.csv') ? 'csv' : 'parquet'}.yaml`);
      writeFileSync(
        file,
        `name: same\ndata: {path: ${data}, symbol: TTRC}\nstrategy: {type: sma_crossover, fast: [5, 10, 20], slow: [40, 80]}\nresults: {storage: memory, store_trades: true}\nexecution: {executor: inline}\n`,
      );
      const { result } = await runWorkflow(loadWorkflow(file), { out: at('runs'), runId: `r-${data.endsWith('.csv') ? 'csv' : 'pq'}` });
      const record = JSON.parse(readFileSync(join(result.results_dir, 'run.json'), 'utf8')) as { data: { hash: string; bars: number }[] };
      return { phases: JSON.parse(JSON.stringify(result.phases)) as { runs: { trades: unknown[] }[] }[], data: record.data[0] };
    };
    const [a, b] = [await run(TTRC), await run(at('ttrc.parquet'))];
    expect(a.phases[0].runs).toHaveLength(6);
    expect(a.phases[0].runs[0].trades.length).toBeGreaterThan(10);
    expect(b.phases).toEqual(a.phases);
    expect(b.data.hash).toBe(a.data.hash);
    expect(b.data.bars).toBe(5550);
  });
});

describe('column types of columnar files', () => {
  const prices = { open: f64([10, 10]), high: f64([11, 11]), low: f64([9, 9]), close: f64([10, 10]), volume: f64([1, 1]) };

  it('floors micro- and nanoseconds to milliseconds exactly, before 1970 too (as the CSV drops digits after the milliseconds)', async () => {
    const ns = [-1_500_000n, -1n, 999_999n, 1_000_000n, 1_700_000_000_123_456_789n];
    const n = ns.length;
    const five = {
      open: f64(Array(n).fill(10)),
      high: f64(Array(n).fill(11)),
      low: f64(Array(n).fill(9)),
      close: f64(Array(n).fill(10)),
      volume: f64(Array(n).fill(1)),
    };
    writeArrowFile(
      at('ns.arrow'),
      tableOf({ time: makeVector(makeData({ type: new TimestampNanosecond(), length: n, data: BigInt64Array.from(ns) })), ...five }),
    );
    expect(Array.from((await loadBarFile(at('ns.arrow'), 'X')).time)).toEqual([-2, -1, 0, 1, 1_700_000_000_123]);
    const us = [-1001n, -1n, 0n, 1_700_000_000_123_999n, 8_000_000_000_000_000_000n];
    writeArrowFile(
      at('us.arrow'),
      tableOf({ time: makeVector(makeData({ type: new TimestampMicrosecond(), length: n, data: BigInt64Array.from(us) })), ...five }),
    );
    expect(Array.from((await loadBarFile(at('us.arrow'), 'X')).time)).toEqual([-2, -1, 0, 1_700_000_000_123, 8_000_000_000_000_000]);
    writeFileSync(at('iso.csv'), 'time,open,high,low,close,volume\n2023-11-14T22:13:20.123999Z,10,11,9,10,1\n');
    expect((await loadBarFile(at('iso.csv'), 'X')).time[0]).toBe(1_700_000_000_123);
  });

  it('reads 64-bit integers as the nearest double (as Number() reads CSV text), float32 widened exactly, int32 as is', async () => {
    const big = 2n ** 53n + 1n;
    writeArrowFile(
      at('ints.arrow'),
      tableOf({
        date: vectorFromArray(dates(2), new Utf8()),
        open: vectorFromArray([85.03, 85.03], new Float32()),
        high: vectorFromArray([90, 90], new Int32()),
        low: makeVector(makeData({ type: new Int64(), length: 2, data: BigInt64Array.from([1n, 2n]) })),
        close: f64([86, 86]),
        volume: makeVector(makeData({ type: new Uint64(), length: 2, data: BigUint64Array.from([big, 2n ** 64n - 1n]) })),
      }),
    );
    const s = await loadBarFile(at('ints.arrow'), 'X');
    expect(Array.from(s.open)).toEqual([Math.fround(85.03), Math.fround(85.03)]);
    expect(s.open[0]).toBe(85.02999877929688);
    expect(Array.from(s.high)).toEqual([90, 90]);
    expect(Array.from(s.low)).toEqual([1, 2]);
    expect(Array.from(s.volume)).toEqual([Number(big), Number(2n ** 64n - 1n)]);
    expect(s.volume[0]).toBe(9_007_199_254_740_992);
  });

  it('names the file, the column and its type when a type cannot hold bars, and the expected columns when one is missing', async () => {
    writeArrowFile(at('types.arrow'), tableOf({ date: vectorFromArray(dates(2), new Utf8()), ...prices, open: vectorFromArray(['10', '10'], new Utf8()) }));
    await expect(loadBarFile(at('types.arrow'), 'X')).rejects.toThrow(`${at('types.arrow')}: column 'open' has type Utf8; expected a float or an integer`);
    writeArrowFile(at('booltime.arrow'), tableOf({ date: vectorFromArray([true, false]), ...prices }));
    await expect(loadBarFile(at('booltime.arrow'), 'X')).rejects.toThrow(/booltime\.arrow: column 'date' has type Bool; expected a timestamp/);
    const { volume: _dropped, ...noVolume } = prices;
    writeParquetWasm(at('novolume.parquet'), tableOf({ Date: vectorFromArray(dates(2), new Utf8()), ...noVolume }));
    const err = await loadBarFile(at('novolume.parquet'), 'X').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toBe(`${at('novolume.parquet')}: missing column 'volume' (columns are: Date, open, high, low, close)`);
  });

  it('says how to write a compressed Arrow file (pyarrow’s Feather default) so that it reads', async () => {
    // A stand-in LZ4 frame encoder, registered only while writing: apache-arrow reads no codec itself.
    const magic = [4, 34, 77, 24, 0x40, 0x40, 0];
    compressionRegistry.set(CompressionType.LZ4_FRAME, { encode: (b: Uint8Array) => Uint8Array.from([...magic, ...b]), decode: (b: Uint8Array) => b });
    const table = tableOf({ date: vectorFromArray(dates(2), new Utf8()), ...prices });
    writeFileSync(at('lz4.feather'), RecordBatchFileWriter.writeAll(table, { compressionType: CompressionType.LZ4_FRAME }).toUint8Array(true));
    compressionRegistry.set(CompressionType.LZ4_FRAME, {});
    await expect(loadBarFile(at('lz4.feather'), 'X')).rejects.toThrow(
      `${at('lz4.feather')}: cannot read it as Arrow IPC: Record batch is compressed but codec not found (write it uncompressed, e.g. pyarrow.feather.write_feather(df, path, compression='uncompressed'), or as Parquet)`,
    );
  });

  it('reports a file that is no Parquet, a missing file and an empty one', async () => {
    writeFileSync(at('garbage.parquet'), 'date,open,high,low,close,volume\n');
    await expect(loadBarFile(at('garbage.parquet'), 'X')).rejects.toThrow(new RegExp(`^${at('garbage.parquet')}: cannot read it as Parquet: `));
    await expect(loadBarFile(at('nope.parquet'), 'X')).rejects.toThrow(/nope\.parquet: cannot read file: .*ENOENT/);
    await expect(loadBarFile(at('nope.feather'), 'X')).rejects.toThrow(/nope\.feather: cannot read file: .*ENOENT/);
    writeParquetWasm(
      at('empty.parquet'),
      tableOf({ date: vectorFromArray([], new Utf8()), open: f64([]), high: f64([]), low: f64([]), close: f64([]), volume: f64([]) }),
    );
    await expect(loadBarFile(at('empty.parquet'), 'X')).rejects.toThrow(`${at('empty.parquet')}: empty file: no bars`);
  });
});

/**
 * The same nine rows as CSV text and as a columnar table (times as ISO strings, empty fields as
 * nulls): rows 2 to 8 each break one rule; row 3 repeats row 1's time (row 2, dropped, is no
 * longer the previous row).
 */
const BAD_ROWS: [string, number | null, number | null, number | null, number | null, number | null][] = [
  ['2020-01-02', 10, 11, 9, 10, 100],
  ['2020-01-03', 10, 9, 11, 10, 100], // high below low
  ['2020-01-02', 10, 11, 9, 10, 100], // not after 2020-01-02
  ['2020-01-06', 0, 11, 9, 10, 100], // open not positive
  ['2020-01-07', 10, 11, 9, NaN, 100], // close NaN
  ['2020-01-08', 10, 11, null, 10, 100], // low empty
  ['2020-01-09', 10, 11, 9, 10, -1], // volume negative
  ['2020-01-10', 10, Infinity, 9, 10, 100], // high infinite
  ['2020-01-13', 10, 11, 9, 10, 100],
];
const CSV_LINES = ['date,open,high,low,close,volume', ...BAD_ROWS.map((r) => r.map((v) => (v === null ? '' : String(v))).join(','))];
const REASONS = [
  "column 'high' (9) is below column 'low' (11)",
  "timestamp 2020-01-02 is not after the previous row's 2020-01-02",
  "column 'open': price must be positive, got 0",
  "column 'close': 'NaN' is not a finite number",
  "column 'low': empty value",
  "column 'volume': must not be negative, got -1",
  "column 'high': 'Infinity' is not a finite number",
];

function badTable(): Table {
  const col = (k: number): Vector => f64(BAD_ROWS.map((r) => r[k] as number | null));
  return tableOf({
    date: vectorFromArray(
      BAD_ROWS.map((r) => r[0]),
      new Utf8(),
    ),
    open: col(1),
    high: col(2),
    low: col(3),
    close: col(4),
    volume: col(5),
  });
}

describe('bad rows: the same checks and messages in every format', () => {
  writeFileSync(at('bad.csv'), `${CSV_LINES.join('\n')}\n`);
  writeParquetWasm(at('bad.parquet'), badTable(), 2); // row 3 starts the second row group
  writeArrowFile(at('bad.arrow'), badTable());

  it('a columnar file names its 1-based data row, a CSV its line; the reasons are the CSV’s', async () => {
    for (const [file, offset] of [
      ['bad.csv', 1],
      ['bad.parquet', 0],
      ['bad.arrow', 0],
    ] as const) {
      const bad = new BadRows(20);
      const kept = await loadBarFile(at(file), 'X', bad);
      expect(bad.listed.map((p) => [p.row, p.reason])).toEqual(REASONS.map((r, i) => [i + 2 + offset, r]));
      expect(Array.from(kept.time)).toEqual([Date.UTC(2020, 0, 2), Date.UTC(2020, 0, 13)]);
    }
  });

  it('without a collector, loading stops at the first bad row with a DataError', async () => {
    const err = await loadBarFile(at('bad.parquet'), 'X').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toBe(`${at('bad.parquet')}:2: ${REASONS[0]}`);
    await expect(loadBarFile(at('bad.csv'), 'X')).rejects.toThrow(`${at('bad.csv')}:3: ${REASONS[0]}`);
  });
});

const cli = (args: string[]): ReturnType<typeof cliIn> => cliIn(args, dir);

describe('fanfold validate: data files', () => {
  it('fails with exit 2 at the key naming a data file that does not exist, a phase override too', () => {
    writeFileSync(
      at('missing.yaml'),
      `name: m\ndata: {path: gone.csv}\nstrategy: {type: buy_and_hold}\nphases:\n  - {name: a}\n  - name: b\n    data: {path: gone.parquet}\n`,
    );
    const r = cli(['validate', at('missing.yaml')]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `error: invalid config (2 problems):\n  ${at('missing.yaml')}:2:14: data.path: no such data file: ${at('gone.csv')}\n  ${at('missing.yaml')}:7:18: phases[1].data.path: no such data file: ${at('gone.parquet')}\n`,
    );
    writeFileSync(
      at('symbols.yaml'),
      `name: s\ndata:\n  symbols:\n    - {symbol: A, path: ${TTRC}}\n    - {symbol: B, path: sub/gone.feather}\nstrategy: {type: buy_and_hold}\n`,
    );
    const s = cli(['validate', at('symbols.yaml')]);
    expect(s.status).toBe(2);
    expect(s.stderr).toBe(
      `error: invalid config (1 problem):\n  ${at('symbols.yaml')}:5:25: data.symbols[1].path: no such data file: ${at('sub/gone.feather')}\n`,
    );
  });

  it('--data lists the bad rows of every file at once, 20 per file and a count of the rest', () => {
    const rows = ['date,open,high,low,close,volume'];
    for (let i = 0; i < 25; i++) rows.push(`2020-01-${String(i + 2).padStart(2, '0')},10,9,11,10,100`);
    writeFileSync(at('many.csv'), `${rows.join('\n')}\n`);
    writeFileSync(at('novolume.csv'), 'date,open,high,low,close\n2020-01-02,1,1,1,1\n');
    writeFileSync(
      at('three.yaml'),
      `name: three\ndata:\n  symbols:\n    - {symbol: A, path: bad.parquet}\n    - {symbol: B, path: many.csv}\n    - {symbol: C, path: novolume.csv}\nstrategy: {type: buy_and_hold}\n`,
    );
    expect(cli(['validate', at('three.yaml')]).status).toBe(0);
    const r = cli(['validate', at('three.yaml'), '--data']);
    expect(r.status).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('error: bad data: 33 problems in 3 files');
    expect(lines.slice(1, 8)).toEqual(REASONS.map((reason, i) => `  ${at('bad.parquet')}:${i + 2}: ${reason}`));
    expect(lines.slice(8, 28)).toEqual(Array.from({ length: 20 }, (_, i) => `  ${at('many.csv')}:${i + 2}: column 'high' (9) is below column 'low' (11)`));
    expect(lines.slice(28)).toEqual([
      `  ${at('many.csv')}: … and 5 more bad rows (the first 20 are listed)`,
      `  ${at('novolume.csv')}:1: missing column 'volume' (header has: date, open, high, low, close)`,
    ]);
  });

  it('fanfold features reads a Parquet file as it reads the CSV', async () => {
    writeParquetWasm(at('features.parquet'), barsTable(await loadCsvFile(TTRC, 'TTRC'), 'date32'));
    const fromCsv = cli(['features', TTRC, '--feature', 'sma(20)', '--feature', 'rsi(14)']);
    const fromParquet = cli(['features', at('features.parquet'), '--feature', 'sma(20)', '--feature', 'rsi(14)']);
    expect(fromParquet.status).toBe(0);
    expect(fromCsv.stdout.split('\n')).toHaveLength(5552); // header, 5,550 rows, the final newline
    expect(fromParquet.stdout).toBe(fromCsv.stdout);
  });

  it('--data passes good files and says what it read', () => {
    writeFileSync(at('good.yaml'), `name: good\ndata: {path: ${TTRC}}\nstrategy: {type: buy_and_hold}\n`);
    const r = cli(['validate', at('good.yaml'), '--data']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${at('good.yaml')}: ok — workflow good, 1 phase: good; data: 1 file, 5,550 bars, no bad rows\n`);
    expect(r.status).toBe(0);
  });
});
