import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { EVENT_NAMES } from '../engine/events.js';
import { UserError } from '../errors.js';
import { globMatcher } from '../tracing/settings.js';
import { TRACE_SYMBOLS_FILE } from '../tracing/tracer.js';

export interface TraceQuery {
  readonly types?: readonly string[];
  /** Glob over container names (picomatch). */
  readonly container?: string;
  readonly limit?: number;
}

export type TraceRecord = Record<string, unknown> & { type: string; container?: string; run: string };

function traceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.jsonl')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/**
 * The events of a trace folder (`<trace_dir>/<trace_id>` or any folder below it): every
 * `<container>.jsonl` file found under it, each topology run (sub-folder) in order, its events in
 * publication order (by id; a container's TRUNCATED line after its events), filtered.
 */
export function readTrace(dir: string, query: TraceQuery = {}): TraceRecord[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`trace: ${dir} is not a folder`);
  const known = [...EVENT_NAMES, 'TRUNCATED'];
  const types = query.types?.map((t) => t.toUpperCase());
  for (const t of types ?? []) if (!known.includes(t)) throw new UserError(`trace --type: unknown event type '${t}'; types are ${known.join(', ')}`);
  if (query.limit !== undefined && !(Number.isInteger(query.limit) && query.limit >= 0))
    throw new UserError(`trace --limit: expected a whole number ≥ 0, got ${query.limit}`);
  const files = traceFiles(dir);
  if (files.length === 0) throw new UserError(`trace: no <container>.jsonl trace files under ${dir}`);
  const match = query.container === undefined ? null : globMatcher(query.container);
  const byRun = new Map<string, TraceRecord[]>();
  const names = new Map<string, readonly string[] | null>();
  for (const file of files) {
    const folder = dirname(file);
    if (!names.has(folder)) names.set(folder, symbolsIn(folder));
    const symbols = names.get(folder)!;
    const run = relative(dir, file).split(sep).slice(0, -1).join('/') || '.';
    const records = byRun.get(run) ?? [];
    byRun.set(run, records);
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.trim() === '') return;
        let r: TraceRecord;
        try {
          r = { ...(JSON.parse(line) as Record<string, unknown>), run } as TraceRecord;
        } catch {
          throw new UserError(`${file}:${i + 1}: not a JSON trace line`);
        }
        if (symbols !== null && typeof r.symbol === 'number' && symbols[r.symbol] !== undefined) r.symbol_name = symbols[r.symbol];
        if (types && !types.includes(String(r.type))) return;
        if (match && !match(String(r.container ?? ''))) return;
        records.push(r);
      });
  }
  const order = (r: TraceRecord): number => (typeof r.id === 'number' ? r.id : Number.MAX_SAFE_INTEGER);
  const all = [...byRun.keys()].sort().flatMap((run) => byRun.get(run)!.sort((a, b) => order(a) - order(b)));
  return query.limit === undefined ? all : all.slice(0, query.limit);
}

const FIXED = ['run', 'id', 'causation', 'correlation', 'container', 'type', 'index', 'trial', 'portfolio', 'symbol'] as const;
/** Fields the table shows in a fixed column (symbol_name in the symbol's). */
const SHOWN: readonly string[] = [...FIXED, 'symbol_name'];

/** The symbol names a trace folder's events refer to by index (symbols.json; traces written before it have none). */
function symbolsIn(folder: string): readonly string[] | null {
  const file = join(folder, TRACE_SYMBOLS_FILE);
  if (!existsSync(file)) return null;
  try {
    const names: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return Array.isArray(names) && names.every((n) => typeof n === 'string') ? names : null;
  } catch {
    return null;
  }
}

/** A fixed-column table: ids, container, type, bar, trial, set (index in its topology run), symbol, then the event's own fields (times as ISO). */
export function traceTable(records: readonly TraceRecord[]): string {
  const runs = new Set(records.map((r) => r.run));
  const cols = FIXED.filter((c) => c !== 'run' || runs.size > 1);
  const head: Record<string, string> = {
    run: 'run',
    id: 'id',
    causation: 'cause',
    correlation: 'corr',
    container: 'container',
    type: 'type',
    index: 'bar',
    trial: 'trial',
    portfolio: 'set',
    symbol: 'sym',
  };
  const cell = (v: unknown): string =>
    v === undefined ? '' : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(10)))) : String(v);
  const rows = records.map((r) => [
    ...cols.map((c) => cell(c === 'symbol' ? (r.symbol_name ?? r.symbol) : r[c])),
    Object.entries(r)
      .filter(([k]) => !SHOWN.includes(k))
      .map(([k, v]) => `${k}=${k === 'time' && typeof v === 'number' && Number.isFinite(v) ? new Date(v).toISOString() : cell(v)}`)
      .join(' '),
  ]);
  const header = [...cols.map((c) => head[c]), 'details'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]): string =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)].join('\n');
}

export function traceCommand(dir: string, query: TraceQuery, json: boolean): string {
  const records = readTrace(dir, query);
  if (json) return records.map((r) => JSON.stringify(r)).join('\n');
  return traceTable(records);
}
