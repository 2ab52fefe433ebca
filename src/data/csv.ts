import { readFile } from 'node:fs/promises';
import { DataError } from '../errors.js';
import { rowProblem } from './bar-rules.js';
import { findBarColumns, type BarColumns, type ValueName } from './columns.js';
import { reporterOf, type BadRows } from './problems.js';
import type { RawSeries } from './raw.js';
import { sharedColumn } from './series.js';
import { parseTime } from './time.js';

export type { RawSeries } from './raw.js';

/** Field index of each column we read, and how many fields a row has. */
type Layout = BarColumns & { readonly width: number };

/**
 * Parses OHLCV CSV text. `source` names the file in errors, which carry the 1-based physical line
 * number of the offending row. Stops at the first bad row with a DataError, unless `bad` is given:
 * then each bad row goes there and is skipped (a file-level problem, such as a missing column,
 * still throws). The columns are shared (SharedArrayBuffer) and exactly as long as the bars.
 */
export function parseBarsCsv(text: string, source: string, symbol: string, bad?: BadRows): RawSeries {
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split('\n');
  let i = 0;
  while (i < lines.length && isBlank(lines[i])) i++;
  if (i === lines.length) throw new DataError(source, null, 'empty file: no bars');
  const layout = readHeader(stripCr(lines[i]), source, i + 1);
  const fail = reporterOf(source, bad);

  // Counting the rows first lets the columns be allocated shared and at their final length, so
  // neither trimming them nor alignment has to copy them (for a file without bad rows).
  let cap = 0;
  for (let k = i + 1; k < lines.length; k++) if (!isBlank(lines[k])) cap++;
  const time = sharedColumn(cap);
  const open = sharedColumn(cap);
  const high = sharedColumn(cap);
  const low = sharedColumn(cap);
  const close = sharedColumn(cap);
  const volume = sharedColumn(cap);
  let n = 0;
  let prevRaw = '';
  for (i++; i < lines.length; i++) {
    const line = stripCr(lines[i]);
    if (isBlank(line)) continue;
    const row = i + 1;
    const f = line.split(',');
    if (f.length !== layout.width) {
      fail(row, `expected ${layout.width} fields like the header, found ${f.length}`);
      continue;
    }
    const rawTime = unquote(f[layout.time].trim());
    const t = parseTime(rawTime);
    if (Number.isNaN(t)) {
      fail(row, rowProblem.notATime(layout.timeName, rawTime));
      continue;
    }
    if (n > 0 && !(t > time[n - 1])) {
      fail(row, rowProblem.notAfter(rawTime, prevRaw));
      continue;
    }
    // toNumber gives NaN for anything but a finite number, which every check below rejects.
    const o = toNumber(f[layout.open]);
    if (!(o > 0)) {
      fail(row, priceProblem(f[layout.open], 'open'));
      continue;
    }
    const h = toNumber(f[layout.high]);
    if (!(h > 0)) {
      fail(row, priceProblem(f[layout.high], 'high'));
      continue;
    }
    const l = toNumber(f[layout.low]);
    if (!(l > 0)) {
      fail(row, priceProblem(f[layout.low], 'low'));
      continue;
    }
    const c = toNumber(f[layout.close]);
    if (!(c > 0)) {
      fail(row, priceProblem(f[layout.close], 'close'));
      continue;
    }
    const v = toNumber(f[layout.volume]);
    if (!(v >= 0)) {
      fail(row, numberProblem(f[layout.volume], 'volume') ?? rowProblem.negativeVolume(v));
      continue;
    }
    if (h < l) {
      fail(row, rowProblem.highBelowLow(h, l));
      continue;
    }
    time[n] = t;
    open[n] = o;
    high[n] = h;
    low[n] = l;
    close[n] = c;
    volume[n] = v;
    prevRaw = rawTime;
    n++;
  }
  if (n === 0 && (bad === undefined || bad.total === 0)) throw new DataError(source, null, 'empty file: no bars');
  const fit = (col: Float64Array): Float64Array => (n === cap ? col : col.slice(0, n));
  return { symbol, time: fit(time), open: fit(open), high: fit(high), low: fit(low), close: fit(close), volume: fit(volume) };
}

/** Reads and parses a bar file; the path is the source named in errors. */
export async function loadCsvFile(path: string, symbol: string, bad?: BadRows): Promise<RawSeries> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    // V8 strings stop at 2^29 − 24 characters (a RangeError, "Invalid string length"): such a
    // file is read as Parquet or Arrow instead.
    if (err instanceof RangeError) {
      throw new DataError(path, null, 'cannot read file: a CSV file is read whole and this one is over 512 MiB; convert it to Parquet (or Arrow IPC)');
    }
    throw new DataError(path, null, `cannot read file: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseBarsCsv(text, path, symbol, bad);
}

function readHeader(line: string, source: string, row: number): Layout {
  const names = line.split(',').map((s) => unquote(s.trim()).trim());
  return { ...findBarColumns(names, source, row, 'header has'), width: names.length };
}

/** Strict number, NaN unless the field is a finite number: Number() alone would read an empty field as 0. */
function toNumber(field: string): number {
  const v = Number(field);
  // Fast path: only a zero result can hide an empty field, so only then is trimming needed.
  if (Number.isFinite(v) && (v !== 0 || field.trim() !== '')) return v;
  const t = field.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return toNumber(t.slice(1, -1));
  return NaN;
}

/** Why the field is not a finite number, or null if it is one. */
function numberProblem(field: string, col: ValueName): string | null {
  const t = field.trim();
  if (t === '') return rowProblem.emptyValue(col);
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return numberProblem(t.slice(1, -1), col);
  const v = Number(t);
  if (Number.isNaN(v) && t !== 'NaN') return rowProblem.notANumber(col, t);
  return Number.isFinite(v) ? null : rowProblem.notFinite(col, t);
}

function priceProblem(field: string, col: ValueName): string {
  return numberProblem(field, col) ?? rowProblem.notPositive(col, toNumber(field));
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
