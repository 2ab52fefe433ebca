import { DataError } from '../errors.js';

/** One bad row of a bar file (row null: the file as a whole, e.g. a missing column). */
export interface DataProblem {
  readonly source: string;
  readonly row: number | null;
  readonly reason: string;
}

/**
 * Where a loader sends the bad rows it finds. Without one, loading stops at the first with a
 * DataError; `fanfold validate --data` passes one to see every bad row of a file in one run. It
 * keeps the first `limit` and counts the rest; the loader skips each bad row and goes on.
 */
export class BadRows {
  readonly listed: DataProblem[] = [];
  total = 0;
  constructor(readonly limit: number) {}

  add(problem: DataProblem): void {
    if (this.listed.length < this.limit) this.listed.push(problem);
    this.total++;
  }
}

/** The loaders' way to report a bad row: throw it, or hand it to `bad` and go on with the next row. */
export function reporterOf(source: string, bad: BadRows | undefined): (row: number, reason: string) => void {
  if (bad === undefined)
    return (row, reason) => {
      throw new DataError(source, row, reason);
    };
  return (row, reason) => bad.add({ source, row, reason });
}
