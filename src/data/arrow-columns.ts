import { DataType, DateUnit, Precision, TimeUnit, type Data, type Field, type Vector } from 'apache-arrow';
import { DataError } from '../errors.js';
import type { ColumnChunk } from './columnar-bars.js';
import { epochToMs, parseTime } from './time.js';

/** Turns one column's Arrow data (one record batch of it) into a chunk the bar checks read. */
export type ChunkOf = (data: Data) => ColumnChunk;

const DAY_MS = 86_400_000;
const TIME_TYPES =
  'a timestamp (any unit, with or without a time zone), a date, an integer or float (epoch seconds or milliseconds) or a string (ISO date or date-time)';
const VALUE_TYPES = 'a float or an integer';

/**
 * How the time column's values become UTC milliseconds: timestamps by their unit (sub-millisecond
 * digits dropped, as the CSV loader drops them), dates at midnight UTC, plain numbers by the CSV
 * rule (epoch seconds when |v| < 1e11, else milliseconds), strings parsed as CSV fields are. A
 * type it cannot be is a DataError naming the column and its type.
 */
export function timeColumn(field: Field, source: string): ChunkOf {
  const type: DataType = field.type;
  if (DataType.isTimestamp(type)) {
    const unit = type.unit;
    return int64Chunk(unit === TimeUnit.SECOND ? 'seconds' : unit === TimeUnit.MILLISECOND ? 'ms' : unit === TimeUnit.MICROSECOND ? 'us' : 'ns', isoText);
  }
  if (DataType.isDate(type)) {
    return type.unit === DateUnit.DAY
      ? numberChunk(
          (v) => v * DAY_MS,
          (ms) => isoText(ms).slice(0, 10),
        )
      : int64Chunk('ms', isoText);
  }
  if (isNumeric(type)) return DataType.isInt(type) && type.bitWidth === 64 ? int64Chunk('epoch', null) : numberChunk(epochToMs, null);
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) return stringChunk;
  if (DataType.isDictionary(type) && (DataType.isUtf8(type.dictionary) || DataType.isLargeUtf8(type.dictionary))) return dictionaryChunk;
  throw unsupported(field, source, TIME_TYPES);
}

/** How a price or volume column's values become numbers (64-bit integers rounded to the nearest double, as CSV text is). */
export function valueColumn(field: Field, source: string): ChunkOf {
  const type: DataType = field.type;
  if (!isNumeric(type)) throw unsupported(field, source, VALUE_TYPES);
  return DataType.isInt(type) && type.bitWidth === 64 ? int64Chunk(type.isSigned ? 'plain' : 'unsigned', null) : numberChunk(null, null);
}

function isNumeric(type: DataType): boolean {
  return DataType.isInt(type) || (DataType.isFloat(type) && type.precision !== Precision.HALF);
}

function unsupported(field: Field, source: string, expected: string): DataError {
  return new DataError(source, null, `column '${field.name}' has type ${String(field.type)}; expected ${expected}`);
}

type NumberArray = Float64Array | Float32Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

/** Values held in a plain numeric array, mapped to times by `map` (null: taken as they are). */
function numberChunk(map: ((v: number) => number) | null, textOf: ((mapped: number) => string) | null): ChunkOf {
  return (data) => {
    const values = data.values as NumberArray;
    const len = data.length;
    return {
      length: len,
      write(out, at) {
        if (map === null && values instanceof Float64Array) out.set(values.subarray(0, len), at);
        else if (map === null) for (let i = 0; i < len; i++) out[at + i] = values[i];
        else for (let i = 0; i < len; i++) out[at + i] = map(values[i]);
        nullsToNaN(data, out, at);
      },
      isNull: (i) => !data.getValid(i),
      text: (i) => (textOf === null || map === null ? String(values[i]) : textOf(map(values[i]))),
    };
  };
}

type Int64Scale = 'plain' | 'unsigned' | 'epoch' | 'seconds' | 'ms' | 'us' | 'ns';

/**
 * 64-bit integers read as pairs of 32-bit words (little-endian, as Arrow stores them): a BigInt per
 * row would be several times slower. hi·2³² + lo is one correctly rounded addition, so it equals
 * Number(bigint); micro- and nanoseconds are floored to milliseconds exactly, by splitting 2³² into
 * a multiple of the divisor and a remainder small enough for every partial sum to be exact.
 */
function int64Chunk(scale: Int64Scale, textOf: ((ms: number) => string) | null): ChunkOf {
  return (data) => {
    const values = data.values as BigInt64Array | BigUint64Array;
    const words = new Int32Array(values.buffer, values.byteOffset, data.length * 2);
    const len = data.length;
    const valueAt = (i: number): number => {
      const lo = words[2 * i] >>> 0;
      const hi = scale === 'unsigned' ? words[2 * i + 1] >>> 0 : words[2 * i + 1];
      switch (scale) {
        case 'us':
          return hi * 4_294_967 + Math.floor((hi * 296 + lo) / 1000);
        case 'ns':
          return hi * 4294 + Math.floor((hi * 967_296 + lo) / 1e6);
        case 'seconds':
          return (hi * 4_294_967_296 + lo) * 1000;
        case 'epoch':
          return epochToMs(hi * 4_294_967_296 + lo);
        default:
          return hi * 4_294_967_296 + lo;
      }
    };
    return {
      length: len,
      write(out, at) {
        for (let i = 0; i < len; i++) out[at + i] = valueAt(i);
        nullsToNaN(data, out, at);
      },
      isNull: (i) => !data.getValid(i),
      text: (i) => (textOf === null ? String(values[i]) : textOf(valueAt(i))),
    };
  };
}

/** ISO strings parsed like CSV fields; the bytes are read as latin1, which keeps ASCII as it is. */
function stringChunk(data: Data): ColumnChunk {
  const len = data.length;
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  const bytes = data.values as Uint8Array;
  const offsetAt = (i: number): number => Number(offsets[i]);
  const text = (i: number): string => Buffer.from(bytes.buffer, bytes.byteOffset + offsetAt(i), offsetAt(i + 1) - offsetAt(i)).toString('utf8');
  return {
    length: len,
    write(out, at) {
      const start = offsetAt(0);
      const all = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1', start, offsetAt(len));
      for (let i = 0; i < len; i++) out[at + i] = parseTime(all.substring(offsetAt(i) - start, offsetAt(i + 1) - start));
      nullsToNaN(data, out, at);
    },
    isNull: (i) => !data.getValid(i),
    text,
  };
}

/** Dictionary-encoded strings: each distinct string is parsed once. */
function dictionaryChunk(data: Data): ColumnChunk {
  const dictionary = data.dictionary as Vector;
  const entries = (dictionary.data as Data[]).map(stringChunk);
  const size = entries.reduce((n, e) => n + e.length, 0);
  const parsed = new Float64Array(size);
  let k = 0;
  for (const e of entries) {
    e.write(parsed, k);
    k += e.length;
  }
  const indices = data.values as Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;
  const len = data.length;
  const entryText = (index: number): string => {
    let i = index;
    for (const e of entries) {
      if (i < e.length) return e.text(i);
      i -= e.length;
    }
    return '';
  };
  return {
    length: len,
    write(out, at) {
      for (let i = 0; i < len; i++) out[at + i] = parsed[indices[i]];
      nullsToNaN(data, out, at);
    },
    isNull: (i) => !data.getValid(i),
    text: (i) => entryText(indices[i]),
  };
}

/** Null slots hold whatever the writer left there: NaN marks them for the checks, which ask isNull. */
function nullsToNaN(data: Data, out: Float64Array, at: number): void {
  if (data.nullCount === 0) return;
  for (let i = 0; i < data.length; i++) if (!data.getValid(i)) out[at + i] = NaN;
}

function isoText(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}
