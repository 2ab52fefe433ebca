import { readFile } from 'node:fs/promises';
import { tableFromIPC, type Table } from 'apache-arrow';
import { DataError } from '../errors.js';
import { arrowLayout, chunksOf } from './arrow-bars.js';
import { ColumnarBars } from './columnar-bars.js';
import type { BadRows } from './problems.js';
import type { RawSeries } from './raw.js';

/**
 * Reads the bars of an Arrow IPC file (`.arrow`, `.feather` — Feather v2 is the IPC file format —
 * or `.ipc`, file or stream layout) with apache-arrow. The record batches are views into the file's
 * bytes, so its bars are copied once, into the shared columns.
 */
export async function loadArrowFile(path: string, symbol: string, bad?: BadRows): Promise<RawSeries> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new DataError(path, null, `cannot read file: ${err instanceof Error ? err.message : String(err)}`);
  }
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    // apache-arrow reads uncompressed bodies only; pyarrow's write_feather compresses with LZ4 by default.
    const hint = /compress/i.test(reason)
      ? " (write it uncompressed, e.g. pyarrow.feather.write_feather(df, path, compression='uncompressed'), or as Parquet)"
      : '';
    throw new DataError(path, null, `cannot read it as Arrow IPC: ${reason}${hint}`);
  }
  const layout = arrowLayout(table.schema, path);
  const bars = new ColumnarBars(path, table.numRows, layout.timeName, bad);
  for (const batch of table.batches) bars.add(chunksOf(batch, layout));
  return bars.finish(symbol);
}
