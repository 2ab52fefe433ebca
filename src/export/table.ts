/**
 * The tables `fanfold export` writes, independent of the file format: typed columns and rows of
 * cells. The CSV and Parquet writers both read this, so the two formats hold the same values.
 */

/** Export tables, in the order they are written. */
export const TABLE_NAMES = ['trials', 'trades', 'equity', 'windows'] as const;
export type TableName = (typeof TABLE_NAMES)[number];

/**
 * A column's type. `timestamp` cells are UTC milliseconds; `int64` cells are safe integers (numbers);
 * `json` cells are JSON text (a parameter whose values are maps, or of mixed kinds).
 */
export type ColumnType = 'string' | 'json' | 'double' | 'int32' | 'int64' | 'timestamp' | 'boolean';

export type Cell = string | number | boolean | null;

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
}

export interface Table {
  readonly name: TableName;
  readonly columns: readonly Column[];
  /**
   * Rows in order, one cell per column (null = missing). Iterated once, as it is written; a row's
   * array may be reused for the next row, so a writer reads it before it asks for the next.
   */
  readonly rows: Iterable<readonly Cell[]>;
  /** What to say when it has no rows (nothing is written then). Read after the rows. */
  readonly emptyReason: string;
  /** What a user should know about the rows written (a part that could not be made). */
  readonly notes?: readonly string[];
}

/** What one value of a parameter is, in the words of SQLite's json_each `type`. */
export type ValueKind = 'null' | 'true' | 'false' | 'integer' | 'real' | 'text' | 'array' | 'object';

export function kindOf(v: unknown): ValueKind {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'real';
  if (typeof v === 'string') return 'text';
  return Array.isArray(v) ? 'array' : 'object';
}

/**
 * The column type of a parameter from the kinds of value it takes: integers only → int64; numbers →
 * double; booleans → boolean; strings → string; anything else (maps, or kinds mixed) → json, so no
 * value is lost or coerced. Nulls fit any type.
 */
export function paramColumnType(kinds: Iterable<ValueKind>): ColumnType {
  const seen = new Set(kinds);
  seen.delete('null');
  if (seen.size === 0) return 'string';
  const only = (...allowed: ValueKind[]): boolean => [...seen].every((k) => allowed.includes(k));
  if (only('integer')) return 'int64';
  if (only('integer', 'real')) return 'double';
  if (only('true', 'false')) return 'boolean';
  if (only('text')) return 'string';
  return 'json';
}

/** A parameter value as a cell of its column (paramColumnType). */
export function paramCell(v: unknown, type: ColumnType): Cell {
  if (v === null || v === undefined) return null;
  if (type === 'json') return JSON.stringify(v);
  return v as Cell;
}

/** A number as a cell: NaN (undefined) is missing. */
export function numberCell(v: number | null | undefined): number | null {
  return v === null || v === undefined || v !== v ? null : v;
}

/** An ISO 8601 time (as trades store them) as UTC milliseconds. */
export function timeCell(iso: string | null | undefined): number | null {
  if (iso === null || iso === undefined) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}
