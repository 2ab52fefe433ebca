import Database from 'better-sqlite3';
import { METRIC_NAMES, type MetricName } from '../types.js';
import type { MetricsJson } from '../contract.js';
import type { Objective } from '../metrics/leaderboard.js';

/**
 * Every figure a report shows about a phase's trials comes from results.db through SQL: rows are
 * ranked, grouped and binned by SQLite and only the few hundred rows or cells shown reach
 * JavaScript, so a report for a million-trial run needs constant memory.
 */

/** Beyond these sizes the report shows the top of the ranking / the first failures and says how many there are. */
export const LEADERBOARD_ROWS = 500;
export const FAILURE_ROWS = 200;
/**
 * A heatmap axis shows at most this many columns: a numeric parameter with more distinct values is
 * binned into this many ranges of consecutive values (near-equal numbers of values each), so a
 * heatmap has at most 40 × 40 cells however fine the grid.
 */
export const HEATMAP_MAX_VALUES = 40;
/** A parameter with more distinct values than this (or a non-numeric one with more than HEATMAP_MAX_VALUES) is not offered. */
export const HEATMAP_SCAN_VALUES = 100_000;
export const HISTOGRAM_MAX_BINS = 40;

/** The trials of one phase on one window (the window its best set was chosen on). */
export interface Scope {
  readonly phase: string;
  readonly window: readonly [number, number];
}

export interface TrialCounts {
  readonly ok: number;
  readonly failed: number;
  /** ok trials with a defined objective. */
  readonly valued: number;
}

export interface LeaderRow {
  readonly trial: number;
  readonly params: Record<string, unknown>;
  readonly metrics: MetricsJson;
  /** Inside the result constraints (only these can be best). */
  readonly eligible: boolean;
}

export interface Histogram {
  readonly lo: number;
  readonly width: number;
  /** Trials per bin, inside and outside the result constraints. */
  readonly counts: number[];
  /** Of them, the trials outside the result constraints (min_trades, max_drawdown); null when the phase has none. */
  readonly outside: number[] | null;
}

/**
 * One parameter's columns in the scope, in display order. Unbinned: `values` as SQLite returns them
 * (json_extract), `labels` as shown. Binned: `edges[i]` is the lowest value of column i (values of
 * column i are ≥ edges[i] and < edges[i + 1]), `values` the column numbers.
 */
export interface Axis {
  readonly name: string;
  readonly values: (number | string | null)[];
  readonly labels: string[];
  readonly edges?: number[];
  /** Distinct values of the parameter (more than the columns when binned). */
  readonly distinct: number;
}

/**
 * Cells of one pair of parameters (a before b in `axes` order): [x index, y index, best, mean, at
 * best set, trials, trials with a defined objective, of them outside the result constraints, 1 when
 * every trial the "at best set" value comes from is outside them (else 0; null without such trials)].
 * Values aggregate every trial of the cell, inside the constraints or not.
 */
export type HeatmapCell = [number, number, number | null, number | null, number | null, number, number, number, 0 | 1 | null];

export interface HeatmapPair {
  readonly x: string;
  readonly y: string;
  readonly cells: HeatmapCell[];
}

export interface Failure {
  /** Where it is stored: the phase, or a composed phase's iteration or branch. */
  readonly stage: string;
  readonly trial: number;
  readonly window: readonly [number, number];
  readonly params: Record<string, unknown>;
  readonly error: string;
}

/**
 * Whether a trial can compete (metrics/leaderboard.ts `eligible`), in SQL over a trials row: the
 * objective defined and inside the result constraints. Named parameters @minTrades, @maxDrawdown.
 */
const eligibleSql = (metric: MetricName): string =>
  `(${metric} IS NOT NULL AND (@minTrades IS NULL OR trades IS NULL OR trades >= @minTrades) AND (@maxDrawdown IS NULL OR max_drawdown IS NULL OR max_drawdown <= @maxDrawdown))`;

const jsonPath = (name: string): string => `$."${name.replace(/"/g, '\\"')}"`;

function metricsOf(row: Record<string, unknown>): MetricsJson {
  const m = {} as MetricsJson;
  for (const name of METRIC_NAMES) m[name] = row[name] as number | null;
  return m;
}

/** SQLite's reading of a parameter value (json_extract): numbers stay numbers, booleans become 1/0, maps their JSON text. */
function sqlValue(v: unknown): number | string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' || typeof v === 'string') return v;
  return JSON.stringify(v);
}

export class TrialsQuery {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file, { fileMustExist: true });
    // A run leaves results.db without indexes (building them is the report's or a resume's job).
    this.db.exec('CREATE INDEX IF NOT EXISTS trials_phase ON trials (phase, window_start, trial)');
  }

  close(): void {
    this.db.close();
  }

  /** The window of the phase's most recently stored trial (for runs whose result names none). */
  lastWindow(phase: string): [number, number] | null {
    const row = this.db.prepare('SELECT window_start AS s, window_end AS e FROM trials WHERE phase = ? ORDER BY rowid DESC LIMIT 1').get(phase) as
      { s: number; e: number } | undefined;
    return row ? [row.s, row.e] : null;
  }

  counts(scope: Scope, metric: MetricName): TrialCounts {
    const row = this.db
      .prepare(
        `SELECT count(*) FILTER (WHERE status = 'ok') AS ok, count(*) FILTER (WHERE status = 'failed') AS failed, count(${metric}) FILTER (WHERE status = 'ok') AS valued FROM trials WHERE phase = ? AND window_start = ? AND window_end = ?`,
      )
      .get(scope.phase, scope.window[0], scope.window[1]) as TrialCounts;
    return row;
  }

  /** Swept parameter names, from the phase's first stored trial. */
  paramNames(scope: Scope): string[] {
    const row = this.db
      .prepare('SELECT params FROM trials WHERE phase = ? AND window_start = ? AND window_end = ? LIMIT 1')
      .get(scope.phase, scope.window[0], scope.window[1]) as { params: string } | undefined;
    return row ? Object.keys(JSON.parse(row.params) as Record<string, unknown>) : [];
  }

  /** The ranking the run's leaderboard uses: eligible first, then by the objective, ties to the lower trial number. */
  leaderboard(scope: Scope, objective: Objective, limit = LEADERBOARD_ROWS): LeaderRow[] {
    const m = objective.metric;
    const eligible = eligibleSql(m);
    const rows = this.db
      .prepare(
        `SELECT trial, params, ${METRIC_NAMES.join(', ')}, ${eligible} AS eligible FROM trials
         WHERE phase = @phase AND window_start = @start AND window_end = @end AND status = 'ok'
         ORDER BY eligible DESC, (${m} IS NULL), ${m} ${objective.direction === 'max' ? 'DESC' : 'ASC'}, trial ASC LIMIT @limit`,
      )
      .all({
        phase: scope.phase,
        start: scope.window[0],
        end: scope.window[1],
        minTrades: objective.minTrades ?? null,
        maxDrawdown: objective.maxDrawdown ?? null,
        limit,
      }) as Record<string, unknown>[];
    return rows.map((r) => ({
      trial: r.trial as number,
      params: JSON.parse(r.params as string) as Record<string, unknown>,
      metrics: metricsOf(r),
      eligible: r.eligible === 1,
    }));
  }

  /**
   * Copies the scope's completed trials into a temporary table with one plain column per swept
   * parameter, the objective and whether the trial is inside the result constraints (`e`, 1 or 0):
   * json_extract runs once per trial, not once per query, and the histogram and heatmap queries
   * scan narrow rows.
   */
  openScope(scope: Scope, objective: Objective, names: readonly string[]): void {
    this.columns = new Map(names.map((n, i) => [n, `p${i}`]));
    this.constrained = objective.minTrades !== undefined || objective.maxDrawdown !== undefined;
    this.db.exec('DROP TABLE IF EXISTS temp.scope');
    const args: Record<string, unknown> = {
      phase: scope.phase,
      start: scope.window[0],
      end: scope.window[1],
      minTrades: objective.minTrades ?? null,
      maxDrawdown: objective.maxDrawdown ?? null,
    };
    names.forEach((n, i) => (args[`path${i}`] = jsonPath(n)));
    this.db
      .prepare(
        `CREATE TEMP TABLE scope AS SELECT trial, ${objective.metric} AS m, ${eligibleSql(objective.metric)} AS e${names.map((_, i) => `, json_extract(params, @path${i}) AS p${i}`).join('')}
         FROM trials WHERE phase = @phase AND window_start = @start AND window_end = @end AND status = 'ok'`,
      )
      .run(args);
  }

  private columns = new Map<string, string>();
  /** The opened scope's phase has result constraints: trials outside them are counted apart. */
  private constrained = false;

  private column(name: string): string {
    const c = this.columns.get(name);
    if (c === undefined) throw new Error(`parameter ${name} is not in the opened scope`);
    return c;
  }

  /** The objective over the scope's ok trials, binned by SQLite into equal-width bins (about √n of them). */
  histogram(): Histogram | null {
    const range = this.db.prepare('SELECT min(m) AS lo, max(m) AS hi, count(m) AS n FROM scope').get() as { lo: number | null; hi: number | null; n: number };
    if (range.n === 0 || range.lo === null || range.hi === null) return null;
    const bins = range.hi === range.lo ? 1 : Math.max(5, Math.min(HISTOGRAM_MAX_BINS, Math.ceil(Math.sqrt(range.n))));
    const width = range.hi === range.lo ? 1 : (range.hi - range.lo) / bins;
    const counts = new Array<number>(bins).fill(0);
    const outside = this.constrained ? new Array<number>(bins).fill(0) : null;
    const rows = this.db
      .prepare('SELECT min(CAST((m - ?) / ? AS INTEGER), ?) AS b, count(*) AS n, count(*) FILTER (WHERE e = 0) AS o FROM scope WHERE m IS NOT NULL GROUP BY b')
      .all(range.lo, width, bins - 1) as { b: number; n: number; o: number }[];
    for (const r of rows) {
      counts[r.b] += r.n;
      if (outside !== null) outside[r.b] += r.o;
    }
    return { lo: range.lo, width, counts, outside };
  }

  /**
   * A parameter's distinct values among the scope's trials: numbers ascending (none first),
   * otherwise in grid order; null when there are more than `HEATMAP_MAX_VALUES`.
   */
  axis(name: string): Axis | null {
    const rows = this.db.prepare(`SELECT ${this.column(name)} AS v, min(trial) AS first FROM scope GROUP BY v LIMIT ?`).all(HEATMAP_SCAN_VALUES + 1) as {
      v: number | string | null;
      first: number;
    }[];
    const numeric = rows.every((r) => typeof r.v === 'number');
    if (rows.length > HEATMAP_SCAN_VALUES || (rows.length > HEATMAP_MAX_VALUES && !numeric)) return null;
    const nullable = rows.every((r) => r.v === null || typeof r.v === 'number');
    rows.sort(nullable ? (a, b) => (a.v === null ? -1 : b.v === null ? 1 : (a.v as number) - (b.v as number)) : (a, b) => a.first - b.first);
    if (rows.length <= HEATMAP_MAX_VALUES)
      return { name, values: rows.map((r) => r.v), labels: rows.map((r) => (r.v === null ? 'none' : String(r.v))), distinct: rows.length };
    // Bin i holds the sorted values from floor(i·n/k) up to the next bin's first value.
    const values = rows.map((r) => r.v as number);
    const k = HEATMAP_MAX_VALUES;
    const firsts = Array.from({ length: k }, (_, i) => Math.floor((i * values.length) / k));
    const edges = firsts.map((f) => values[f]);
    const labels = firsts.map((f, i) => {
      const last = values[(i + 1 < k ? firsts[i + 1] : values.length) - 1];
      return last === values[f] ? String(values[f]) : `${values[f]}–${last}`;
    });
    return { name, values: edges.map((_, i) => i), labels, edges, distinct: values.length };
  }

  /** The SQL expression of an axis's column key, and its arguments: the value itself, or its bin number. */
  private axisKey(axis: Axis): { sql: string; args: unknown[] } {
    const c = this.column(axis.name);
    if (!axis.edges) return { sql: c, args: [] };
    const whens = axis.edges
      .slice(1)
      .map((_, i) => `WHEN ${c} < ? THEN ${i}`)
      .join(' ');
    return { sql: `CASE ${whens} ELSE ${axis.edges.length - 1} END`, args: axis.edges.slice(1) };
  }

  /**
   * Heatmap cells of two parameters, aggregated by SQLite over every other parameter: the best
   * objective (max or min by the direction), the mean, and the value with every other parameter at
   * the best set's value.
   */
  heatmap(objective: Objective, x: Axis, y: Axis, best: Record<string, unknown> | null, others: readonly string[]): HeatmapPair {
    const agg = objective.direction === 'max' ? 'max' : 'min';
    const atBest = best === null ? '0' : others.length === 0 ? '1' : others.map((o) => `${this.column(o)} IS ?`).join(' AND ');
    const bestArgs = best === null ? [] : others.map((o) => sqlValue(best[o]));
    const kx = this.axisKey(x);
    const ky = this.axisKey(y);
    // On a binned axis several trials share a cell even with the others at the best set: the best of them.
    const rows = this.db
      .prepare(
        `SELECT x, y, ${agg}(m) AS best, avg(m) AS mean, ${agg}(CASE WHEN at THEN m END) AS fixed, count(*) AS n, count(m) AS valued,
           count(m) FILTER (WHERE e = 0) AS outside, min(CASE WHEN at AND m IS NOT NULL THEN 1 - e END) AS fixedOutside
         FROM (SELECT ${kx.sql} AS x, ${ky.sql} AS y, m, e, ${atBest} AS at FROM scope) GROUP BY x, y`,
      )
      .all(...kx.args, ...ky.args, ...bestArgs) as {
      x: number | string | null;
      y: number | string | null;
      best: number | null;
      mean: number | null;
      fixed: number | null;
      n: number;
      valued: number;
      outside: number;
      fixedOutside: 0 | 1 | null;
    }[];
    const xi = new Map(x.values.map((v, i) => [v, i]));
    const yi = new Map(y.values.map((v, i) => [v, i]));
    return {
      x: x.name,
      y: y.name,
      cells: rows.map((r) => [xi.get(r.x)!, yi.get(r.y)!, r.best, r.mean, r.fixed, r.n, r.valued, r.outside, r.fixedOutside]),
    };
  }

  /** Failed trials of a phase; of a composed phase, those of all its iterations and branches (`phase#…`). */
  failures(phase: string, composed = false, limit = FAILURE_ROWS): { total: number; rows: Failure[] } {
    const where = composed ? "substr(phase, 1, length(?)) = ? AND status = 'failed'" : "phase = ? AND status = 'failed'";
    const args = composed ? [`${phase}#`, `${phase}#`] : [phase];
    const total = (this.db.prepare(`SELECT count(*) AS n FROM trials WHERE ${where}`).get(...args) as { n: number }).n;
    const rows = this.db
      .prepare(
        `SELECT phase, trial, window_start, window_end, params, error FROM trials WHERE ${where} ORDER BY ${composed ? 'rowid' : 'window_start, trial'} LIMIT ?`,
      )
      .all(...args, limit) as Record<string, unknown>[];
    return {
      total,
      rows: rows.map((r) => ({
        stage: r.phase as string,
        trial: r.trial as number,
        window: [r.window_start as number, r.window_end as number],
        params: JSON.parse(r.params as string) as Record<string, unknown>,
        error: String(r.error ?? ''),
      })),
    };
  }
}
