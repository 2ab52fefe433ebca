import { fileWriter, ParquetWriter, type SchemaElement } from 'hyparquet-writer';
import { VERSION } from '../version.js';
import type { Cell, Column, ColumnType } from './table.js';
import { TempFile } from './temp-file.js';

/**
 * Rows per row group. The writer holds a group's columns in memory: a million-row trials table
 * peaked at 364 MiB RSS with 50,000, at 510 MiB with 100,000.
 */
export const ROW_GROUP = 50_000;

/**
 * The Parquet schema element of a column, every one OPTIONAL (null = missing). Logical types are
 * given beside the legacy converted types so that old and new readers agree: strings UTF8, JSON text
 * JSON, times TIMESTAMP(MILLIS, adjusted to UTC).
 */
export function schemaElement(column: Column): SchemaElement {
  const base = { name: column.name, repetition_type: 'OPTIONAL' as const };
  switch (column.type) {
    // JSON text is a string: a JSON annotation would have DuckDB load its json extension to read it.
    case 'string':
    case 'json':
      return { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
    case 'double':
      return { ...base, type: 'DOUBLE' };
    case 'int32':
      return { ...base, type: 'INT32' };
    case 'int64':
      return { ...base, type: 'INT64' };
    case 'timestamp':
      return { ...base, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' } };
    case 'boolean':
      return { ...base, type: 'BOOLEAN' };
  }
}

/** One column's cells as the writer takes them (64-bit integers as bigints). */
function columnData(cells: Cell[], type: ColumnType): Cell[] | (bigint | null)[] {
  return type === 'int64' ? cells.map((v) => (v === null ? null : BigInt(v as number))) : cells;
}

/** Writes the rows as Parquet (SNAPPY, one row group per ROW_GROUP rows), atomically; returns the rows written. */
export async function writeParquet(file: string, columns: readonly Column[], rows: Iterable<readonly Cell[]>): Promise<number> {
  const out = new TempFile(file);
  try {
    const schema: SchemaElement[] = [{ name: 'root', num_children: columns.length }, ...columns.map(schemaElement)];
    const writer = new ParquetWriter({ writer: fileWriter(out.path), schema, createdBy: `fanfold version ${VERSION}` });
    let group: Cell[][] = columns.map(() => []);
    let inGroup = 0;
    let count = 0;
    const flush = async (): Promise<void> => {
      if (inGroup === 0) return;
      const data = columns.map((c, i) => ({ name: c.name, data: columnData(group[i], c.type) }));
      const size = inGroup;
      group = columns.map(() => []);
      inGroup = 0;
      await writer.write({ columnData: data, rowGroupSize: size });
    };
    for (const row of rows) {
      for (let c = 0; c < columns.length; c++) group[c].push(row[c]);
      count++;
      if (++inGroup === ROW_GROUP) await flush();
    }
    await flush();
    await writer.finish();
    out.commit();
    return count;
  } finally {
    out.discard();
  }
}
