import type { RecordBatch, Schema } from 'apache-arrow';
import type { ChunkOf } from './arrow-columns.js';
import { timeColumn, valueColumn } from './arrow-columns.js';
import type { BarChunks } from './columnar-bars.js';
import { findBarColumns, VALUE_NAMES, type ValueName } from './columns.js';

/** The bar columns of an Arrow schema (a Parquet file's, an IPC file's) and how each is read. */
export interface ArrowLayout {
  /** The file's names of the columns to read, in no particular order. */
  readonly names: readonly string[];
  readonly timeName: string;
  readonly readers: Readonly<Record<'time' | ValueName, { readonly name: string; readonly chunkOf: ChunkOf }>>;
}

/** Finds the bar columns by the CSV header's rules and checks that their types can be read. */
export function arrowLayout(schema: Schema, source: string): ArrowLayout {
  const fields = schema.fields;
  const cols = findBarColumns(
    fields.map((f) => f.name),
    source,
    null,
    'columns are',
  );
  const time = fields[cols.time];
  const readers = { time: { name: time.name, chunkOf: timeColumn(time, source) } } as Record<'time' | ValueName, { name: string; chunkOf: ChunkOf }>;
  for (const col of VALUE_NAMES) readers[col] = { name: fields[cols[col]].name, chunkOf: valueColumn(fields[cols[col]], source) };
  return { names: Object.values(readers).map((r) => r.name), timeName: cols.timeName, readers };
}

/** One record batch's bar columns, found by name (a batch may order its columns as it likes). */
export function chunksOf(batch: RecordBatch, layout: ArrowLayout): BarChunks {
  const chunk = (key: 'time' | ValueName) => {
    const { name, chunkOf } = layout.readers[key];
    const column = batch.getChild(name);
    if (column === null) throw new Error(`record batch without column '${name}'`);
    return chunkOf(column.data[0]);
  };
  return { time: chunk('time'), open: chunk('open'), high: chunk('high'), low: chunk('low'), close: chunk('close'), volume: chunk('volume') };
}
