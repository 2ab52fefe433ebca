import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { closest } from '../common/suggest.js';
import { UserError } from '../errors.js';
import { writeCsv } from './csv.js';
import { equityTable } from './equity.js';
import { writeParquet } from './parquet.js';
import { RunSource, type PhaseSource } from './run-source.js';
import { TABLE_NAMES, type Cell, type Table, type TableName } from './table.js';
import { tradesTable } from './trades.js';
import { trialsTable } from './trials.js';
import { windowsTable } from './windows.js';

export { TABLE_NAMES, type TableName } from './table.js';

export const EXPORT_FORMATS = ['csv', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  /** Only this phase (default: every phase of the run). */
  readonly phase?: string;
  readonly format?: ExportFormat;
  /** Output folder (default `<run dir>/export`). */
  readonly out?: string;
  /** Table names; an entry may list several, comma-separated (default: all). */
  readonly tables?: readonly string[];
  /** Told each line as it happens (a large table takes a while). */
  readonly onLine?: (line: ExportLine, phases: number) => void;
}

/** What the export did, one entry per line it prints. */
export type ExportLine =
  | { readonly kind: 'written'; readonly phase: string; readonly table: TableName; readonly file: string; readonly rows: number }
  | { readonly kind: 'empty'; readonly phase: string; readonly table: TableName; readonly reason: string }
  | { readonly kind: 'note'; readonly phase: string; readonly table: TableName | null; readonly text: string };

export interface ExportResult {
  readonly runDir: string;
  readonly out: string;
  readonly format: ExportFormat;
  readonly lines: readonly ExportLine[];
}

/** The tables asked for, in TABLE_NAMES order; an unknown name is a user error that lists them. */
export function tablesOf(list: readonly string[] | undefined): TableName[] {
  if (list === undefined || list.length === 0) return [...TABLE_NAMES];
  const asked = new Set<string>();
  for (const entry of list)
    for (const name of entry.split(',')) {
      const n = name.trim();
      if (n === '') continue;
      if (!(TABLE_NAMES as readonly string[]).includes(n)) {
        const hint = closest(n, TABLE_NAMES);
        throw new UserError(`export: unknown table '${n}'${hint ? ` (did you mean '${hint}'?)` : ''}; tables: ${TABLE_NAMES.join(', ')}`);
      }
      asked.add(n);
    }
  if (asked.size === 0) throw new UserError(`export: --tables names no table; tables: ${TABLE_NAMES.join(', ')}`);
  return TABLE_NAMES.filter((t) => asked.has(t));
}

function outDirOf(out: string | undefined, runDir: string): string {
  const dir = resolve(out ?? join(runDir, 'export'));
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UserError(`export: --out ${dir} is a file, not a folder`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function tableOf(name: TableName, source: RunSource, phase: PhaseSource): Promise<Table> {
  switch (name) {
    case 'trials':
      return trialsTable(source, phase);
    case 'trades':
      return tradesTable(source, phase);
    case 'equity':
      return equityTable(source, phase);
    case 'windows':
      return windowsTable(phase);
  }
}

/** The table's rows, or null when it has none (then nothing is written). */
function nonEmpty(rows: Iterable<readonly Cell[]>): Iterable<readonly Cell[]> | null {
  const it = rows[Symbol.iterator]();
  const first = it.next();
  if (first.done === true) return null;
  return {
    *[Symbol.iterator]() {
      yield first.value;
      for (let r = it.next(); r.done !== true; r = it.next()) yield r.value;
    },
  };
}

/**
 * `fanfold export RUN_DIR`: the run's trials, trades, equity curves and windows as CSV or Parquet
 * files, one per table and phase (README "Exporting a run"). Files are named `<table>.<ext>` when one
 * phase is exported, `<phase>.<table>.<ext>` otherwise; a table without rows is reported, not written.
 */
export async function exportRun(runDir: string, options: ExportOptions = {}): Promise<ExportResult> {
  const tables = tablesOf(options.tables);
  const format = options.format ?? 'csv';
  const source = new RunSource(runDir);
  try {
    const phases = source.selected(options.phase);
    const out = outDirOf(options.out, source.dir);
    // Bar times (trials, windows, equity) and the best set's re-run need the data; trades do not.
    const withData = tables.some((t) => t !== 'trades');
    const lines: ExportLine[] = [];
    const say = (line: ExportLine): void => {
      lines.push(line);
      options.onLine?.(line, phases.length);
    };
    for (const name of phases) {
      const phase = await source.phase(name, withData);
      if (withData && phase.times === null && phase.result !== undefined && phase.result.skipped === undefined)
        say({ kind: 'note', phase: name, table: null, text: `bar times left empty: ${'reason' in phase.data ? phase.data.reason : ''}` });
      for (const t of tables) {
        const table = await tableOf(t, source, phase);
        const rows = nonEmpty(table.rows);
        if (rows === null) {
          say({ kind: 'empty', phase: name, table: t, reason: table.emptyReason });
          continue;
        }
        // Phase names are letters, digits and _ (config/schema.ts): safe in a file name as they are.
        const file = join(out, `${phases.length === 1 ? '' : `${name}.`}${t}.${format}`);
        const count = format === 'csv' ? writeCsv(file, table.columns, rows) : await writeParquet(file, table.columns, rows);
        say({ kind: 'written', phase: name, table: t, file, rows: count });
        for (const text of table.notes ?? []) say({ kind: 'note', phase: name, table: t, text });
      }
    }
    return { runDir: source.dir, out, format, lines };
  } finally {
    source.close();
  }
}

/** An export line as the command prints it. */
export function exportLineText(line: ExportLine, phases: number): string {
  const where = phases > 1 ? `${line.phase} ` : '';
  if (line.kind === 'written') return `${line.file}: ${line.rows.toLocaleString('en-US')} row${line.rows === 1 ? '' : 's'}`;
  if (line.kind === 'empty') return `${where}${line.table}: ${line.reason}; nothing written`;
  return `${where}${line.table ?? 'note'}: ${line.text}`;
}
