import { readFile } from 'node:fs/promises';
import { DataError } from '../errors.js';
import type { RawSeries } from './raw.js';
import { parseTime } from './time.js';

export type { RawSeries } from './raw.js';

const TIME_NAMES = ['date', 'timestamp', 'time', 'datetime'] as const;
const VALUE_NAMES = ['open', 'high', 'low', 'close', 'volume'] as const;
type ValueName = (typeof VALUE_NAMES)[number];

/** Field index of each column we read; other columns (e.g. Yahoo's `Adj Close`) are ignored. */
type Layout = { readonly width: number; readonly time: number; readonly timeName: string } & Record<ValueName, number>;

/**
 * Parses OHLCV CSV text. `source` names the file in errors, which carry the 1-based physical line
 * number of the offending row. Open/close outside [low, high] is accepted on purpose: vendor files
 * contain such rows and rejecting them would make real data unusable.
 */
export function parseBarsCsv(text: string, source: string, symbol: string): RawSeries {
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split('\n');
  let i = 0;
  while (i < lines.length && isBlank(lines[i])) i++;
  if (i === lines.length) throw new DataError(source, null, 'empty file: no bars');
  const layout = readHeader(stripCr(lines[i]), source, i + 1);

  const cap = lines.length - i - 1;
  const time = new Float64Array(cap);
  const open = new Float64Array(cap);
  const high = new Float64Array(cap);
  const low = new Float64Array(cap);
  const close = new Float64Array(cap);
  const volume = new Float64Array(cap);
  let n = 0;
  let prevRaw = '';
  for (i++; i < lines.length; i++) {
    const line = stripCr(lines[i]);
    if (isBlank(line)) continue;
    const row = i + 1;
    const f = line.split(',');
    if (f.length !== layout.width) {
      throw new DataError(source, row, `expected ${layout.width} fields like the header, found ${f.length}`);
    }
    const rawTime = unquote(f[layout.time].trim());
    const t = parseTime(rawTime);
    if (Number.isNaN(t)) {
      throw new DataError(
        source,
        row,
        `column '${layout.timeName}': cannot parse '${rawTime}' as a time (expected YYYY-MM-DD, an ISO date-time, or epoch seconds/milliseconds)`,
      );
    }
    if (n > 0 && !(t > time[n - 1])) {
      throw new DataError(source, row, `timestamp ${rawTime} is not after the previous row's ${prevRaw}`);
    }
    const o = price(f[layout.open], 'open', source, row);
    const h = price(f[layout.high], 'high', source, row);
    const l = price(f[layout.low], 'low', source, row);
    const c = price(f[layout.close], 'close', source, row);
    const v = toNumber(f[layout.volume], 'volume', source, row);
    if (v < 0) throw new DataError(source, row, `column 'volume': must not be negative, got ${v}`);
    if (h < l) throw new DataError(source, row, `column 'high' (${h}) is below column 'low' (${l})`);
    time[n] = t;
    open[n] = o;
    high[n] = h;
    low[n] = l;
    close[n] = c;
    volume[n] = v;
    prevRaw = rawTime;
    n++;
  }
  if (n === 0) throw new DataError(source, null, 'empty file: no bars');
  return {
    symbol,
    time: time.slice(0, n),
    open: open.slice(0, n),
    high: high.slice(0, n),
    low: low.slice(0, n),
    close: close.slice(0, n),
    volume: volume.slice(0, n),
  };
}

/** Reads and parses a bar file; the path is the source named in errors. */
export async function loadCsvFile(path: string, symbol: string): Promise<RawSeries> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new DataError(path, null, `cannot read file: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseBarsCsv(text, path, symbol);
}

function readHeader(line: string, source: string, row: number): Layout {
  const names = line.split(',').map((s) => unquote(s.trim()).trim());
  const lower = names.map((s) => s.toLowerCase());
  const indexOf = (name: string): number => {
    const at = lower.indexOf(name);
    if (at >= 0 && lower.indexOf(name, at + 1) >= 0) throw new DataError(source, row, `duplicate column '${name}'`);
    return at;
  };
  const timeName = TIME_NAMES.find((name) => indexOf(name) >= 0);
  const missing: string[] = timeName === undefined ? ["'date' (or 'timestamp', 'time', 'datetime')"] : [];
  const cols = {} as Record<ValueName, number>;
  for (const name of VALUE_NAMES) {
    cols[name] = indexOf(name);
    if (cols[name] < 0) missing.push(`'${name}'`);
  }
  if (timeName === undefined || missing.length > 0) {
    const what = missing.length === 1 ? 'column' : 'columns';
    throw new DataError(source, row, `missing ${what} ${missing.join(', ')} (header has: ${names.join(', ')})`);
  }
  return { width: names.length, time: lower.indexOf(timeName), timeName, ...cols };
}

function price(field: string, col: ValueName, source: string, row: number): number {
  const v = toNumber(field, col, source, row);
  if (!(v > 0)) throw new DataError(source, row, `column '${col}': price must be positive, got ${v}`);
  return v;
}

/** Strict number: Number() alone would read an empty field as 0. */
function toNumber(field: string, col: ValueName, source: string, row: number): number {
  const v = Number(field);
  // Fast path: only a zero result can hide an empty field, so only then is trimming needed.
  if (Number.isFinite(v) && (v !== 0 || field.trim() !== '')) return v;
  const t = field.trim();
  if (t === '') throw new DataError(source, row, `column '${col}': empty value`);
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return toNumber(t.slice(1, -1), col, source, row);
  if (Number.isNaN(v) && t !== 'NaN') {
    throw new DataError(source, row, `column '${col}': cannot parse '${t}' as a number`);
  }
  throw new DataError(source, row, `column '${col}': '${t}' is not a finite number`);
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

function stripCr(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}

function isBlank(line: string): boolean {
  return line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === '');
}
