import { writeFileSync } from 'node:fs';
import {
  DateDay,
  Dictionary,
  Int32,
  Int64,
  makeData,
  makeVector,
  Table,
  tableToIPC,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Utf8,
  vectorFromArray,
  type Vector,
} from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { Compression, Table as WasmTable, writeParquet, WriterPropertiesBuilder } from 'parquet-wasm';
import type { RawSeries } from '../../src/data/raw.js';

const DAY = 86_400_000;

/** The ways a test writes a time column: Arrow types, and plain numbers and strings. */
export type TimeAs =
  'timestamp[ms, UTC]' | 'timestamp[s]' | 'timestamp[us]' | 'timestamp[ns, America/New_York]' | 'date32' | 'int64 epoch s' | 'iso string' | 'dictionary string';

const bigints = (values: ArrayLike<number>, scale: bigint, divide = 1): BigInt64Array =>
  BigInt64Array.from(Array.from(values, (v) => BigInt(v / divide) * scale));
const int64 = (data: BigInt64Array): Vector => makeVector(makeData({ type: new Int64(), length: data.length, data }));

/** The time column of `time` (UTC ms of whole days, as a daily CSV holds) written as `as`. */
export function timeVector(time: Float64Array, as: TimeAs): Vector {
  const n = time.length;
  const iso = (): string[] => Array.from(time, (t) => new Date(t).toISOString().slice(0, 10));
  switch (as) {
    case 'timestamp[ms, UTC]':
      return makeVector(makeData({ type: new TimestampMillisecond('UTC'), length: n, data: bigints(time, 1n) }));
    case 'timestamp[s]':
      return makeVector(makeData({ type: new TimestampSecond(), length: n, data: bigints(time, 1n, 1000) }));
    case 'timestamp[us]':
      return makeVector(makeData({ type: new TimestampMicrosecond(), length: n, data: bigints(time, 1000n) }));
    case 'timestamp[ns, America/New_York]':
      return makeVector(makeData({ type: new TimestampNanosecond('America/New_York'), length: n, data: bigints(time, 1_000_000n) }));
    case 'date32':
      return makeVector(makeData({ type: new DateDay(), length: n, data: Int32Array.from(time, (t) => t / DAY) }));
    case 'int64 epoch s':
      return int64(bigints(time, 1n, 1000));
    case 'iso string':
      return vectorFromArray(iso(), new Utf8());
    case 'dictionary string':
      return vectorFromArray(iso(), new Dictionary(new Utf8(), new Int32()));
  }
}

/**
 * The bars as an Arrow table with the columns in another order and case than the CSV header, an
 * extra column the loader ignores, and the volume as int64 when it is whole.
 */
export function barsTable(raw: RawSeries, timeAs: TimeAs, timeName = 'Date'): Table {
  const whole = raw.volume.every((v) => Number.isInteger(v));
  const f64 = (a: Float64Array): Vector => makeVector(Float64Array.from(a));
  return new Table({
    Volume: whole ? int64(BigInt64Array.from(raw.volume, (v) => BigInt(v))) : f64(raw.volume),
    Close: f64(raw.close),
    'Adj Close': f64(raw.close.map((c) => c / 2)),
    Low: f64(raw.low),
    High: f64(raw.high),
    [timeName]: timeVector(raw.time, timeAs),
    Open: f64(raw.open),
  });
}

export function writeArrowFile(path: string, table: Table, layout: 'file' | 'stream' = 'file'): void {
  writeFileSync(path, tableToIPC(table, layout));
}

/** Parquet by parquet-wasm (the reader's own library), snappy unless told, in row groups of `rowGroup` rows. */
export function writeParquetWasm(path: string, table: Table, rowGroup = 1024, codec: keyof typeof Compression = 'SNAPPY'): void {
  const props = new WriterPropertiesBuilder().setCompression(Compression[codec]).setMaxRowGroupSize(rowGroup).build();
  writeFileSync(path, writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')), props));
}

/** Parquet by hyparquet-writer, an independent implementation: TIMESTAMP_MILLIS times, row groups of 1,000 then 100,000 rows. */
export function writeParquetHyparquet(
  path: string,
  columns: { name: string; data: unknown[] | Float64Array; type: 'DOUBLE' | 'TIMESTAMP' | 'STRING' | 'INT64' }[],
): void {
  const buffer = parquetWriteBuffer({ columnData: columns });
  writeFileSync(path, new Uint8Array(buffer));
}
