import { DataError } from '../errors.js';

/** Names the time column may have, in the order one is chosen when a file has several. */
export const TIME_NAMES = ['date', 'timestamp', 'time', 'datetime'] as const;
export const VALUE_NAMES = ['open', 'high', 'low', 'close', 'volume'] as const;
export type ValueName = (typeof VALUE_NAMES)[number];

/** Where each column a bar needs is among a file's columns; every other column is ignored. */
export type BarColumns = { readonly time: number; readonly timeName: string } & Record<ValueName, number>;

/**
 * Finds the bar columns among a file's column names (the CSV header, a Parquet or Arrow schema):
 * trimmed and compared case-insensitively, so every format follows one rule. A missing or
 * repeated column is a DataError at `row` (the CSV header's line; null for a columnar file), which
 * names what the file has.
 */
export function findBarColumns(names: readonly string[], source: string, row: number | null, has: string): BarColumns {
  const lower = names.map((s) => s.trim().toLowerCase());
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
    throw new DataError(source, row, `missing ${what} ${missing.join(', ')} (${has}: ${names.join(', ')})`);
  }
  return { time: lower.indexOf(timeName), timeName, ...cols };
}
