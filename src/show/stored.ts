import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { UserError } from '../errors.js';
import { METRIC_NAMES, type BarWindow, type MetricsJson, type Trade } from '../types.js';

/** One row of `trials` as the run stored it. */
export interface StoredTrial {
  readonly trial: number;
  readonly trialKey: string;
  readonly params: Record<string, unknown>;
  readonly status: string;
  readonly error: string | null;
  readonly tradesFile: string | null;
  readonly metrics: MetricsJson;
}

// As batch/rows.ts packs a trade list into its blob.
const packr = new Packr({ moreTypes: true, useRecords: false });

const metricsOf = (row: Record<string, unknown>): MetricsJson => {
  const out = {} as MetricsJson;
  for (const m of METRIC_NAMES) out[m] = row[m] as number | null;
  return out;
};

/**
 * The trials of a run directory's results.db, read only. The store's indexes may not exist yet
 * (they are built on first need, and opening read only builds none), so each lookup scans the
 * table: a fraction of a second for a million rows.
 */
export class StoredTrials {
  private readonly db: Database.Database;

  constructor(
    private readonly dir: string,
    file: string,
  ) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
  }

  /** The row of `trial` on `window` (its latest copy, should a repeated run have appended two), or null. */
  row(label: string, window: BarWindow, trial: number): StoredTrial | null {
    const row = this.db
      .prepare(
        `SELECT trial, trial_key, params, status, error, trades_file, ${METRIC_NAMES.join(', ')} FROM trials WHERE phase = ? AND window_start = ? AND window_end = ? AND trial = ? ORDER BY rowid DESC LIMIT 1`,
      )
      .get(label, window.start, window.end, trial) as Record<string, unknown> | undefined;
    if (row === undefined) return null;
    return {
      trial: row.trial as number,
      trialKey: row.trial_key as string,
      params: JSON.parse(row.params as string) as Record<string, unknown>,
      status: row.status as string,
      error: row.error as string | null,
      tradesFile: row.trades_file as string | null,
      metrics: metricsOf(row),
    };
  }

  /** The completed rows on `window`, in trial order (what a search ranked). */
  *completed(label: string, window: BarWindow): Generator<{ trial: number; metrics: MetricsJson }> {
    const query = this.db.prepare(
      `SELECT trial, ${METRIC_NAMES.join(', ')} FROM trials WHERE phase = ? AND window_start = ? AND window_end = ? AND status = 'ok' ORDER BY trial, rowid DESC`,
    );
    let last = -1;
    for (const row of query.iterate(label, window.start, window.end) as IterableIterator<Record<string, unknown>>) {
      if (row.trial === last) continue;
      last = row.trial as number;
      yield { trial: last, metrics: metricsOf(row) };
    }
  }

  /** What is stored on `window`: how many trials, their lowest and highest number (for messages). */
  extent(label: string, window: BarWindow): { n: number; first: number | null; last: number | null } {
    return this.db
      .prepare('SELECT count(DISTINCT trial) AS n, min(trial) AS first, max(trial) AS last FROM trials WHERE phase = ? AND window_start = ? AND window_end = ?')
      .get(label, window.start, window.end) as { n: number; first: number | null; last: number | null };
  }

  /** A trial's stored trade list (`trades/<trial key>.msgpack`). */
  trades(file: string): Trade[] {
    const path = join(this.dir, file);
    try {
      return packr.unpack(readFileSync(path)) as Trade[];
    } catch (error) {
      throw new UserError(`show: cannot read the stored trades ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  close(): void {
    this.db.close();
  }
}
