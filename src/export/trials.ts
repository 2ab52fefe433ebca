import type Database from 'better-sqlite3';
import { METRIC_NAMES } from '../types.js';
import { paramColumnType, type Cell, type Column, type ColumnType, type Table, type ValueKind } from './table.js';
import type { PhaseSource, RunSource } from './run-source.js';

/** The columns every row of `trials`, `trades` and `equity` starts with: where it is stored. */
export const STAGE_COLUMNS: readonly Column[] = [
  { name: 'phase', type: 'string' },
  { name: 'stage', type: 'string' },
];

/** Metric columns: `trades` counts round trips, every other metric is a double. */
export function metricColumns(prefix = ''): Column[] {
  return METRIC_NAMES.map((m) => ({ name: `${prefix}${m}`, type: m === 'trades' ? 'int32' : 'double' }));
}

const jsonPath = (name: string): string => `'$."${name.replace(/"/g, '\\"').replace(/'/g, "''")}"'`;

const stageList = (stages: readonly string[]): string => stages.map(() => '?').join(', ');

/**
 * The swept parameters of a phase's stored trials and the type of each, from SQLite's own reading
 * of their JSON, in the order they first appear. The trials of one stage share their parameter
 * names, so the names come from each stage's first row and one pass reads the kinds of value each
 * takes; a row with other names (not written by this version) sends it to the slower json_each path.
 */
export function storedParams(db: Database.Database, stages: readonly string[]): Column[] {
  if (stages.length === 0) return [];
  const first = db.prepare('SELECT params FROM trials WHERE phase = ? ORDER BY rowid LIMIT 1').pluck();
  const names: string[] = [];
  for (const stage of stages)
    for (const name of Object.keys(JSON.parse(first.get(stage) as string) as Record<string, unknown>)) if (!names.includes(name)) names.push(name);
  const kinds = names.map((n) => `group_concat(DISTINCT json_type(params, ${jsonPath(n)}))`);
  const others = `count(*) FILTER (WHERE json_remove(params${names.map((n) => `, ${jsonPath(n)}`).join('')}) <> '{}')`;
  const row = db
    .prepare(`SELECT ${[...kinds, others].join(', ')} FROM trials WHERE phase IN (${stageList(stages)})`)
    .raw(true)
    .get(...stages) as (string | number | null)[];
  if (row[names.length] !== 0) return paramsByJsonEach(db, stages);
  return names.map((name, i) => ({ name, type: paramColumnType(((row[i] as string | null) ?? '').split(',').filter((k) => k !== '') as ValueKind[]) }));
}

/** Every name any row holds (json_each over all of them), in the order they first appear. */
function paramsByJsonEach(db: Database.Database, stages: readonly string[]): Column[] {
  const rows = db
    .prepare(
      `SELECT j.key AS key, j.type AS kind, min(t.rowid * 1048576 + j.id) AS first FROM trials t, json_each(t.params) j
       WHERE t.phase IN (${stageList(stages)}) GROUP BY j.key, j.type`,
    )
    .all(...stages) as { key: string; kind: ValueKind; first: number }[];
  const byKey = new Map<string, { kinds: ValueKind[]; first: number }>();
  for (const r of rows) {
    const e = byKey.get(r.key) ?? { kinds: [], first: r.first };
    e.kinds.push(r.kind);
    e.first = Math.min(e.first, r.first);
    byKey.set(r.key, e);
  }
  return [...byKey.entries()].sort((a, b) => a[1].first - b[1].first).map(([name, e]) => ({ name, type: paramColumnType(e.kinds) }));
}

/** SQL reading a parameter as its column holds it: JSON text for json columns, the value otherwise. */
function paramSql(p: Column): string {
  return p.type === 'json' ? `params -> ${jsonPath(p.name)}` : `json_extract(params, ${jsonPath(p.name)})`;
}

function paramValue(v: unknown, type: ColumnType): Cell {
  if (v === null || v === undefined) return null;
  // json_extract reads JSON booleans as 1/0; `->` reads JSON null as the text 'null'.
  if (type === 'boolean') return v === 1;
  if (type === 'json' && v === 'null') return null;
  return v as Cell;
}

/**
 * `trials`: one row per stored trial of the phase (results.db `trials`), stage by stage, in window
 * then grid order. The window is given as bars [window_start, window_end) and as the times of its
 * first and last bar.
 */
export function trialsTable(source: RunSource, phase: PhaseSource): Table {
  const stages = source.stages(phase.name);
  const params = storedParams(source.db, stages);
  const metrics = metricColumns();
  const columns: Column[] = [
    ...STAGE_COLUMNS,
    { name: 'trial', type: 'int64' },
    { name: 'trial_key', type: 'string' },
    { name: 'window_start', type: 'int32' },
    { name: 'window_end', type: 'int32' },
    { name: 'window_start_time', type: 'timestamp' },
    { name: 'window_end_time', type: 'timestamp' },
    { name: 'status', type: 'string' },
    { name: 'error', type: 'string' },
    ...params,
    ...metrics,
  ];
  const select = source.db
    .prepare(
      `SELECT trial, trial_key, window_start, window_end, status, error${params.map((p) => `, ${paramSql(p)}`).join('')}, ${METRIC_NAMES.join(', ')}
       FROM trials WHERE phase = ? ORDER BY window_start, window_end, trial`,
    )
    .raw(true);
  const times = phase.times;
  const timeAt = (bar: number): number | null => (times !== null && bar >= 0 && bar < times.length ? times[bar] : null);
  const at = 6;
  function* rows(): Generator<Cell[]> {
    // One array for every row: the writers read a row before they ask for the next.
    const cells: Cell[] = new Array<Cell>(columns.length).fill(null);
    cells[0] = phase.name;
    for (const stage of stages) {
      cells[1] = stage;
      for (const r of select.iterate(stage) as IterableIterator<unknown[]>) {
        const [trial, key, start, end, status, error] = r as [number, string, number, number, string, string | null];
        cells[2] = trial;
        cells[3] = key;
        cells[4] = start;
        cells[5] = end;
        cells[6] = timeAt(start);
        cells[7] = timeAt(end - 1);
        cells[8] = status;
        cells[9] = error;
        for (let i = 0; i < params.length; i++) cells[10 + i] = paramValue(r[at + i], params[i].type);
        for (let m = 0; m < METRIC_NAMES.length; m++) cells[10 + params.length + m] = r[at + params.length + m] as number | null;
        yield cells;
      }
    }
  }
  const skipped = phase.result?.skipped;
  return { name: 'trials', columns, rows: rows(), emptyReason: skipped ? `no trials (the phase was skipped: ${skipped})` : 'no trials stored for this phase' };
}
