import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pack } from 'msgpackr';
import { METRIC_NAMES } from '../types.js';
import type { MetricsJson } from '../contract.js';
import type { PointStats, StoredRows } from '../batch/rows.js';

import { writeAtomic } from '../common/atomic.js';

export interface SignalIndexRow {
  readonly key: string;
  /** The swept parameters of the first point that named this strategy. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The resolved strategy (type, params with defaults, regime filter). */
  readonly strategy: Readonly<Record<string, unknown>>;
  readonly window: readonly [number, number];
  readonly symbols: readonly string[];
  readonly changes: number;
  readonly bytes: number;
  readonly status: 'created' | 'reused';
  readonly file: string;
}

export interface TrialRow {
  readonly trialKey: string;
  readonly phase: string;
  readonly window: readonly [number, number];
  /** Grid index of the point in its phase's parameter space. */
  readonly trial: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly metrics: MetricsJson | null;
  readonly error: string | null;
  readonly tradesFile: string | null;
}

const metricColumns = METRIC_NAMES.map((m) => `${m} REAL`).join(', ');
/** Rows per multi-row INSERT of a batch. */
const GROUP = 32;

/**
 * The results store of a run directory (DESIGN.md section 8): `results.db` (SQLite, one row per
 * trial keyed by its trial key, written in transactions) and msgpack blobs beside it. A crash leaves
 * every committed transaction intact (WAL journal).
 */
export class ResultsStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly insertGroup: Database.Statement;
  private readonly width: number;
  private pending: TrialRow[] = [];

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.db = new Database(join(dir, 'results.db'));
    this.db.pragma('journal_mode = WAL');
    // WAL with NORMAL sync survives any process crash; checkpointing every 20,000 pages instead of
    // 1,000 cut the cost of a row with a random trial key by a quarter (409,600 rows: 31.6 → 22.9 µs).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('wal_autocheckpoint = 20000');
    // Rows are appended in rowid order while a run writes; the index on the (random) trial key is
    // built once when it is needed (resume, hybrid's top-k update, a count), which is far cheaper than
    // maintaining it under a million random inserts.
    this.db.exec(`CREATE TABLE IF NOT EXISTS trials (
      trial_key TEXT NOT NULL, phase TEXT NOT NULL, window_start INTEGER NOT NULL, window_end INTEGER NOT NULL,
      trial INTEGER NOT NULL, params TEXT NOT NULL, status TEXT NOT NULL, error TEXT,
      trades_file TEXT, ${metricColumns})`);
    // The robustness statistics' input: one row per point of a search (its windows' block sums added,
    // its objective over them), keyed by the search's block signature, since a window shared by two
    // searches (k_fold folds, cpcv splits) has one trials row but different blocks in each.
    this.db.exec(`CREATE TABLE IF NOT EXISTS trial_blocks (
      phase TEXT NOT NULL, signature TEXT NOT NULL, trial INTEGER NOT NULL,
      objective REAL, eligible INTEGER NOT NULL, sums BLOB NOT NULL)`);
    this.db.exec(`CREATE TABLE IF NOT EXISTS signals (
      signal_key TEXT NOT NULL, phase TEXT NOT NULL, strategy TEXT NOT NULL, resolved TEXT NOT NULL, params TEXT NOT NULL,
      window_start INTEGER NOT NULL, window_end INTEGER NOT NULL, symbols TEXT NOT NULL,
      changes INTEGER NOT NULL, bytes INTEGER NOT NULL, status TEXT NOT NULL, file TEXT NOT NULL, created TEXT NOT NULL)`);
    const cols = ['trial_key', 'phase', 'window_start', 'window_end', 'trial', 'params', 'status', 'error', 'trades_file', ...METRIC_NAMES];
    // Positional: binding an array costs less per row than a named object (a row per trial).
    this.insert = this.db.prepare(`INSERT INTO trials (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
    // A batch's rows go in groups: one statement per group binds its values in one call.
    const row = `(${cols.map(() => '?').join(', ')})`;
    this.insertGroup = this.db.prepare(`INSERT INTO trials (${cols.join(', ')}) VALUES ${new Array(GROUP).fill(row).join(', ')}`);
    this.width = cols.length;
    this.replace = this.db.prepare('DELETE FROM trials WHERE phase = ? AND trial_key = ?');
    this.insertBlocks = this.db.prepare('INSERT INTO trial_blocks (phase, signature, trial, objective, eligible, sums) VALUES (?, ?, ?, ?, ?, ?)');
    this.insertBlocksGroup = this.db.prepare(
      `INSERT INTO trial_blocks (phase, signature, trial, objective, eligible, sums) VALUES ${new Array(GROUP).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`,
    );
    // A store reopened after a completed run already has its index (and keeps it up to date).
    this.indexed = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'trials_key'").get() !== undefined;
  }

  private indexed = false;
  private readonly replace: Database.Statement;
  private readonly insertBlocks: Database.Statement;
  private readonly insertBlocksGroup: Database.Statement;

  /**
   * The unique index on (phase, trial key) and one for reading a phase in order; built once, kept
   * up to date afterwards. Rows appended twice for one key before it existed (a run repeated into
   * the same directory) keep their latest copy. Two phases may store the same key: the same set on
   * the same data and window, each phase's own row.
   */
  ensureIndex(): void {
    if (this.indexed) return;
    this.flush();
    this.db.transaction(() => {
      try {
        this.db.exec('CREATE UNIQUE INDEX IF NOT EXISTS trials_key ON trials (phase, trial_key)');
      } catch {
        // Only when duplicates exist (the slow query is not run on the usual path).
        this.db.exec('DELETE FROM trials WHERE rowid NOT IN (SELECT max(rowid) FROM trials GROUP BY phase, trial_key)');
        this.db.exec('CREATE UNIQUE INDEX IF NOT EXISTS trials_key ON trials (phase, trial_key)');
      }
      this.db.exec('CREATE INDEX IF NOT EXISTS trials_phase ON trials (phase, window_start, trial)');
    })();
    this.indexed = true;
  }

  add(row: TrialRow): void {
    this.pending.push(row);
  }

  /** Writes the rows added since the last flush in one transaction. */
  flush(): void {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    // One array reused for every row (better-sqlite3 copies the values when it binds them).
    const args: (string | number | null)[] = new Array(9 + METRIC_NAMES.length);
    this.db.transaction(() => {
      for (const r of rows) {
        // Once indexed, a row for a key already stored (hybrid's top-k trades, a re-run failure) replaces it.
        if (this.indexed) this.replace.run(r.phase, r.trialKey);
        args[0] = r.trialKey;
        args[1] = r.phase;
        args[2] = r.window[0];
        args[3] = r.window[1];
        args[4] = r.trial;
        args[5] = JSON.stringify(r.params);
        args[6] = r.error === null ? 'ok' : 'failed';
        args[7] = r.error;
        args[8] = r.tradesFile;
        for (let m = 0; m < METRIC_NAMES.length; m++) args[9 + m] = r.metrics === null ? null : r.metrics[METRIC_NAMES[m]];
        this.insert.run(args);
      }
    })();
  }

  /** Writes a msgpack blob atomically under `<kind>/<key>.msgpack`; returns its path relative to the run directory. */
  writeBlob(kind: 'trades' | 'equity', key: string, value: unknown): string {
    return this.writeBlobBytes(kind, key, pack(value));
  }

  /** A blob already packed (a worker packs a batch's trade lists): written atomically, path relative to the run directory. */
  writeBlobBytes(kind: 'trades' | 'equity', key: string, bytes: Uint8Array): string {
    if (!this.blobDirs.has(kind)) {
      mkdirSync(join(this.dir, kind), { recursive: true });
      this.blobDirs.add(kind);
    }
    const rel = `${kind}/${key}.msgpack`;
    writeAtomic(join(this.dir, rel), bytes);
    return rel;
  }

  private readonly blobDirs = new Set<string>();

  /**
   * A batch's rows as workers pack them (batch/work.ts): one transaction, params already JSON, each
   * row's trades blob (if any) written first so a committed row never names a missing file.
   */
  insertRows(rows: StoredRows): void {
    this.flush();
    const n = rows.trial.length;
    const width = METRIC_NAMES.length;
    const files: (string | null)[] = new Array(n).fill(null);
    if (rows.trades !== null)
      for (let r = 0; r < n; r++) {
        const blob = rows.trades[r];
        if (blob) files[r] = this.writeBlobBytes('trades', rows.keys.substr(r * 64, 64), blob);
      }
    const cols = this.width;
    const group: (string | number | null)[] = new Array(GROUP * cols);
    const one: (string | number | null)[] = new Array(cols);
    const fill = (args: (string | number | null)[], at: number, r: number): void => {
      const [start, end] = rows.windows[rows.window[r]];
      args[at] = rows.keys.substr(r * 64, 64);
      args[at + 1] = rows.label;
      args[at + 2] = start;
      args[at + 3] = end;
      args[at + 4] = rows.trial[r];
      args[at + 5] = rows.params[r];
      args[at + 6] = 'ok';
      args[at + 7] = null;
      args[at + 8] = files[r];
      for (let m = 0; m < width; m++) {
        const v = rows.metrics[r * width + m];
        args[at + 9 + m] = v !== v ? null : v;
      }
    };
    const points = rows.points;
    this.db.transaction(() => {
      if (points !== null) this.insertPoints(rows, points);
      let r = 0;
      // Once indexed, a row for a key already stored (a re-run) replaces it: one row at a time.
      if (!this.indexed) {
        for (; r + GROUP <= n; r += GROUP) {
          for (let g = 0; g < GROUP; g++) fill(group, g * cols, r + g);
          this.insertGroup.run(group);
        }
      }
      for (; r < n; r++) {
        if (this.indexed) this.replace.run(rows.label, rows.keys.substr(r * 64, 64));
        fill(one, 0, r);
        this.insert.run(one);
      }
    })();
  }

  /**
   * The successful rows of a phase on the given windows, streamed in grid order (and window order
   * within a trial), for resuming and for a memory-storage phase's runs.
   */
  *storedRows(
    phase: string,
    windows: readonly { start: number; end: number }[],
    withPruned = false,
  ): Generator<{ trial: number; trialKey: string; window: [number, number]; params: string; tradesFile: string | null; metrics: MetricsJson }> {
    if (windows.length === 0) return;
    this.ensureIndex();
    const where = windows.map(() => '(window_start = ? AND window_end = ?)').join(' OR ');
    const query = this.db.prepare(
      `SELECT trial, trial_key, window_start, window_end, params, trades_file, ${METRIC_NAMES.join(', ')} FROM trials WHERE phase = ? AND ${withPruned ? "status IN ('ok', 'pruned')" : "status = 'ok'"} AND (${where}) ORDER BY trial, window_start`,
    );
    for (const row of query.iterate(phase, ...windows.flatMap((w) => [w.start, w.end])) as IterableIterator<Record<string, unknown>>) {
      const metrics = {} as MetricsJson;
      for (const m of METRIC_NAMES) metrics[m] = row[m] as number | null;
      yield {
        trial: row.trial as number,
        trialKey: row.trial_key as string,
        window: [row.window_start as number, row.window_end as number],
        params: row.params as string,
        tradesFile: row.trades_file as string | null,
        metrics,
      };
    }
  }

  /** Marks the rows of these trials on these windows (a pruner's rung): status `pruned`. */
  markPruned(phase: string, windows: readonly { start: number; end: number }[], trials: ArrayLike<number>): void {
    this.ensureIndex();
    const update = this.db.prepare(
      "UPDATE trials SET status = 'pruned' WHERE phase = ? AND window_start = ? AND window_end = ? AND trial = ? AND status = 'ok'",
    );
    this.db.transaction(() => {
      for (const w of windows) for (let i = 0; i < trials.length; i++) update.run(phase, w.start, w.end, trials[i]);
    })();
  }

  /** A batch's points for the robustness statistics, in groups of GROUP rows per statement (as the trials). */
  private insertPoints(rows: StoredRows, points: PointStats): void {
    const n = points.objective.length;
    const width = points.sums.length / Math.max(1, n);
    const group: (string | number | Buffer | null)[] = new Array(GROUP * 6);
    const one: (string | number | Buffer | null)[] = new Array(6);
    const fill = (args: (string | number | Buffer | null)[], at: number, i: number): void => {
      const v = points.objective[i];
      args[at] = rows.label;
      args[at + 1] = points.signature;
      args[at + 2] = rows.trial[i];
      args[at + 3] = v !== v ? null : v;
      args[at + 4] = points.eligible[i];
      args[at + 5] = Buffer.from(points.sums.buffer, points.sums.byteOffset + 8 * i * width, 8 * width);
    };
    let i = 0;
    for (; i + GROUP <= n; i += GROUP) {
      for (let g = 0; g < GROUP; g++) fill(group, 6 * g, i + g);
      this.insertBlocksGroup.run(group);
    }
    for (; i < n; i++) {
      fill(one, 0, i);
      this.insertBlocks.run(one);
    }
  }

  /**
   * A search's points for the robustness statistics (`trial_blocks` of its label and block
   * signature): in grid order, a point stored twice (a task run again) once, its latest row; or,
   * `ordered` false, as stored (the caller knows every point is there once: no sort).
   */
  *pointRows(phase: string, signature: string, ordered = true): Generator<{ trial: number; objective: number | null; eligible: boolean; sums: Float64Array }> {
    this.flush();
    const query = this.db
      .prepare(`SELECT trial, objective, eligible, sums FROM trial_blocks WHERE phase = ? AND signature = ?${ordered ? ' ORDER BY trial, rowid DESC' : ''}`)
      .raw(true);
    let last = -1;
    for (const row of query.iterate(phase, signature) as IterableIterator<[number, number | null, number, Buffer]>) {
      if (row[0] === last) continue;
      last = row[0];
      // A copy: the blob's bytes need not be 8-byte aligned.
      yield { trial: row[0], objective: row[1], eligible: row[2] === 1, sums: new Float64Array(new Uint8Array(row[3]).buffer) };
    }
  }

  /** Points of a search stored for its robustness statistics (distinct trials). */
  pointCount(phase: string, signature: string): number {
    this.flush();
    return (this.db.prepare('SELECT count(DISTINCT trial) AS n FROM trial_blocks WHERE phase = ? AND signature = ?').get(phase, signature) as { n: number }).n;
  }

  /**
   * Index rows of the signal sets a signal_generation phase stored or reused (`status`: created |
   * reused); `file` is the set's path in the shared signal store.
   */
  addSignals(phase: string, rows: readonly SignalIndexRow[]): void {
    const insert = this.db.prepare(
      'INSERT INTO signals (signal_key, phase, strategy, resolved, params, window_start, window_end, symbols, changes, bytes, status, file, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    // A resumed run lists its signal sets again: one row per (phase, key), the latest.
    const drop = this.db.prepare('DELETE FROM signals WHERE phase = ? AND signal_key = ?');
    const now = new Date().toISOString();
    this.db.transaction(() => {
      for (const r of rows) {
        drop.run(phase, r.key);
        insert.run(
          r.key,
          phase,
          String(r.strategy.type),
          JSON.stringify(r.strategy),
          JSON.stringify(r.params),
          r.window[0],
          r.window[1],
          JSON.stringify(r.symbols),
          r.changes,
          r.bytes,
          r.status,
          r.file,
          now,
        );
      }
    })();
  }

  signals(phase?: string): (Omit<SignalIndexRow, 'strategy' | 'params' | 'symbols' | 'window'> & {
    phase: string;
    strategy: string;
    resolved: Record<string, unknown>;
    params: Record<string, unknown>;
    window: [number, number];
    symbols: string[];
  })[] {
    const rows = (
      phase === undefined
        ? this.db.prepare('SELECT * FROM signals ORDER BY rowid').all()
        : this.db.prepare('SELECT * FROM signals WHERE phase = ? ORDER BY rowid').all(phase)
    ) as Record<string, unknown>[];
    return rows.map((r) => ({
      key: r.signal_key as string,
      phase: r.phase as string,
      strategy: r.strategy as string,
      resolved: JSON.parse(r.resolved as string) as Record<string, unknown>,
      params: JSON.parse(r.params as string) as Record<string, unknown>,
      window: [r.window_start as number, r.window_end as number],
      symbols: JSON.parse(r.symbols as string) as string[],
      changes: r.changes as number,
      bytes: r.bytes as number,
      status: r.status as 'created' | 'reused',
      file: r.file as string,
    }));
  }

  /**
   * Deletes a phase's rows of these trial keys (rows a resume found stored for another config), and
   * the robustness points of those trials under the resumed search's block signature.
   */
  dropRows(phase: string, keys: readonly string[], points: { readonly signature: string; readonly trials: readonly number[] } | null = null): void {
    if (keys.length === 0 && (points === null || points.trials.length === 0)) return;
    const drop = this.db.prepare('DELETE FROM trials WHERE phase = ? AND trial_key = ?');
    const dropPoints = this.db.prepare('DELETE FROM trial_blocks WHERE phase = ? AND signature = ? AND trial = ?');
    this.db.transaction(() => {
      for (const k of keys) drop.run(phase, k);
      if (points !== null) for (const t of new Set(points.trials)) dropPoints.run(phase, points.signature, t);
    })();
  }

  /** Trials stored (for a phase): one per (phase, trial key). */
  count(phase?: string): number {
    this.ensureIndex();
    const row = (
      phase === undefined
        ? this.db.prepare('SELECT count(*) AS n FROM trials').get()
        : this.db.prepare('SELECT count(*) AS n FROM trials WHERE phase = ?').get(phase)
    ) as { n: number };
    return row.n;
  }

  /**
   * Closes the store. Its indexes are not built here: a million-row run would spend seconds on
   * them at its very end; a resume builds them when it first looks up a trial, a report when it
   * opens the file.
   */
  close(): void {
    this.flush();
    this.db.close();
  }
}
