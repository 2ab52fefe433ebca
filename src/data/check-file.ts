import { DataError } from '../errors.js';
import { loadBarFile } from './bar-file.js';
import { BadRows, type DataProblem } from './problems.js';

/** What checking one bar file found: the bars that pass, and the bad rows (the first `limit` listed). */
export interface FileCheck {
  readonly path: string;
  readonly bars: number;
  readonly listed: readonly DataProblem[];
  readonly bad: number;
}

/**
 * Reads a bar file as a run would, but lists its bad rows instead of stopping at the first: a
 * problem with the file as a whole (unreadable, a missing column) is its one problem.
 */
export async function checkBarFile(path: string, limit: number): Promise<FileCheck> {
  const bad = new BadRows(limit);
  try {
    const series = await loadBarFile(path, 'CHECK', bad);
    return { path, bars: series.time.length, listed: bad.listed, bad: bad.total };
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    return { path, bars: 0, listed: [...bad.listed, { source: err.source, row: err.row, reason: err.reason }], bad: bad.total + 1 };
  }
}
