import { readFileSync } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { expect } from 'vitest';

// Readers for the files `fanfold export` writes that share no code with its writers: an RFC 4180
// parser written here, and parquet-wasm (the Rust parquet crate, compiled to wasm) with apache-arrow
// for the Parquet files, a different implementation from the writer's (hyparquet-writer).

export type CsvRecord = Record<string, string>;

/** RFC 4180: fields separated by commas, rows by line ends; a quoted field may hold commas, doubled quotes and line breaks. */
export function parseCsv(text: string): { header: string[]; records: CsvRecord[] } {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch !== '"') cell += ch;
      else if (text[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = false;
    } else if (ch === '"' && cell === '' && !wasQuoted) {
      quoted = true;
      wasQuoted = true;
    } else if (ch === ',') {
      row.push(cell);
      cell = '';
      wasQuoted = false;
    } else if (ch === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      wasQuoted = false;
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) throw new Error('the CSV does not end with a line end');
  const [header, ...body] = rows;
  for (const r of body) if (r.length !== header.length) throw new Error(`a row has ${r.length} fields, the header ${header.length}`);
  return { header, records: body.map((r) => Object.fromEntries(header.map((h, c) => [h, r[c]]))) };
}

export function readCsv(file: string): { header: string[]; records: CsvRecord[] } {
  return parseCsv(readFileSync(file, 'utf8'));
}

export type ParquetValue = string | number | bigint | boolean | null;

export interface ParquetRead {
  /** Column name → Arrow type as apache-arrow prints it (`Utf8`, `Int64`, `Timestamp<MILLISECOND, UTC>`, …). */
  readonly types: Record<string, string>;
  readonly names: string[];
  readonly rows: Record<string, ParquetValue>[];
}

export function readParquetFile(file: string, rowGroups?: number[]): ParquetRead {
  const wasmTable = readParquet(readFileSync(file), rowGroups ? { rowGroups } : undefined);
  const table = tableFromIPC(wasmTable.intoIPCStream());
  const names = table.schema.fields.map((f) => f.name);
  const types = Object.fromEntries(table.schema.fields.map((f) => [f.name, String(f.type)]));
  const rows: Record<string, ParquetValue>[] = [];
  for (let r = 0; r < table.numRows; r++) {
    const row: Record<string, ParquetValue> = {};
    for (const name of names) row[name] = (table.getChild(name)!.get(r) ?? null) as ParquetValue;
    rows.push(row);
  }
  return { types, names, rows };
}

/** A CSV field as the typed value a Parquet reader returns for it, by the Arrow type of its column. */
export function csvAs(text: string, arrowType: string): ParquetValue {
  if (text === '') return null;
  if (arrowType === 'Int64') return BigInt(text);
  if (arrowType === 'Int32' || arrowType === 'Float64') return text === 'inf' ? Infinity : text === '-inf' ? -Infinity : Number(text);
  if (arrowType === 'Bool') return text === 'true' ? true : text === 'false' ? false : `not a boolean: ${text}`;
  if (arrowType.startsWith('Timestamp')) return Date.parse(text);
  return text;
}

/** The CSV and the Parquet file of one table hold the same columns, rows and values (a string '' and null are alike in CSV). */
export function expectSameTable(csv: { header: string[]; records: CsvRecord[] }, pq: ParquetRead): void {
  expect(pq.names).toEqual(csv.header);
  expect(pq.rows.length).toBe(csv.records.length);
  for (let r = 0; r < pq.rows.length; r++) {
    for (const name of pq.names) {
      const type = pq.types[name];
      const fromCsv = csvAs(csv.records[r][name], type);
      const value = pq.rows[r][name];
      const expected = type === 'Utf8' && value === '' ? null : value;
      if (!Object.is(fromCsv, expected)) expect({ row: r, column: name, csv: fromCsv }).toEqual({ row: r, column: name, csv: expected });
    }
  }
}

/** A number cell of CSV read back as the number it stands for (null for an empty field). */
export const num = (text: string): number | null => (text === '' ? null : Number(text));
