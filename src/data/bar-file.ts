import { extname } from 'node:path';
import { loadCsvFile } from './csv.js';
import type { BadRows } from './problems.js';
import type { RawSeries } from './raw.js';

export type BarFileFormat = 'csv' | 'parquet' | 'arrow';

/** The format a bar file is read as, by its extension (case-insensitive); anything else is CSV. */
export function barFileFormat(path: string): BarFileFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.parquet') return 'parquet';
  if (ext === '.arrow' || ext === '.feather' || ext === '.ipc') return 'arrow';
  return 'csv';
}

/**
 * Reads one symbol's bars from a CSV, Parquet or Arrow IPC file, all held to the same column rules
 * and checks. The columnar readers load when first used: a CSV run never pays for WebAssembly.
 */
export async function loadBarFile(path: string, symbol: string, bad?: BadRows): Promise<RawSeries> {
  switch (barFileFormat(path)) {
    case 'parquet':
      return (await import('./parquet.js')).loadParquetFile(path, symbol, bad);
    case 'arrow':
      return (await import('./arrow-file.js')).loadArrowFile(path, symbol, bad);
    default:
      return loadCsvFile(path, symbol, bad);
  }
}
