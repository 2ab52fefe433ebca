import { openAsBlob } from 'node:fs';
import { open } from 'node:fs/promises';
import { tableFromIPC } from 'apache-arrow';
import { DataError } from '../errors.js';
import { arrowLayout, chunksOf } from './arrow-bars.js';
import { ColumnarBars } from './columnar-bars.js';
import type { BadRows } from './problems.js';
import type { RawSeries } from './raw.js';

/**
 * Reads the bars of a Parquet file with parquet-wasm (the Rust `parquet` crate in WebAssembly),
 * one row group at a time and only the bar columns: the WebAssembly memory holds one row group,
 * never the file, and the bars go straight into the shared columns sized from the file's metadata.
 */
export async function loadParquetFile(path: string, symbol: string, bad?: BadRows): Promise<RawSeries> {
  const { ParquetFile } = await import('parquet-wasm');
  let blob: Blob;
  try {
    // Opening first: openAsBlob's own error ("Unable to open file as blob") does not say why.
    await (await open(path)).close();
    blob = await openAsBlob(path);
  } catch (err) {
    throw new DataError(path, null, `cannot read file: ${err instanceof Error ? err.message : String(err)}`);
  }
  const file = await readerFor(path, () => ParquetFile.fromFile(blob));
  try {
    const meta = file.metadata();
    const layout = arrowLayout(tableFromIPC(file.schema().intoIPCStream()).schema, path);
    const groups = meta.numRowGroups();
    const rows = meta.fileMetadata().numRows();
    const bars = new ColumnarBars(path, rows, layout.timeName, bad);
    for (let g = 0; g < groups; g++) {
      const groupRows = meta.rowGroup(g).numRows();
      if (groupRows === 0) continue;
      // One batch per row group: the default of 1,024 rows makes ten thousand batches of 10 M rows.
      const group = await readerFor(path, () => file.read({ rowGroups: [g], columns: [...layout.names], batchSize: groupRows }));
      const table = tableFromIPC(group.intoIPCStream());
      for (const batch of table.batches) bars.add(chunksOf(batch, layout));
    }
    return bars.finish(symbol);
  } finally {
    file.free();
  }
}

/** A read by parquet-wasm, whose errors (a file that is no Parquet, a codec it lacks) become DataErrors. */
async function readerFor<T>(path: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof DataError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new DataError(path, null, `cannot read it as Parquet: ${reason}`);
  }
}
