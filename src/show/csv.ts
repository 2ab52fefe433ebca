import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeCsv } from '../export/csv.js';
import type { Column } from '../export/table.js';
import { METRIC_NAMES } from '../types.js';
import { TRADE_FIELDS } from './compare.js';
import type { ShownTrial } from './index.js';

const TRADE_COLUMNS: readonly Column[] = TRADE_FIELDS.map((name) => ({
  name,
  // A trade's times are ISO text already; its quantity and prices are doubles.
  type: name === 'symbol' || name === 'side' || name === 'entry_time' || name === 'exit_time' ? 'string' : 'double',
}));

/**
 * `--csv DIR`: trades.csv, equity.csv and metrics.csv of the shown trial, written as `fanfold export`
 * writes its CSV (same number, time and quoting rules; README "Exporting a run"); returns the files.
 */
export function writeShowCsv(s: ShownTrial, dir: string): string[] {
  const out = resolve(dir);
  mkdirSync(out, { recursive: true });
  const trades = join(out, 'trades.csv');
  writeCsv(
    trades,
    TRADE_COLUMNS,
    s.trades.map((t) => TRADE_FIELDS.map((f) => t[f])),
  );
  const equity = join(out, 'equity.csv');
  writeCsv(
    equity,
    [
      { name: 'time', type: 'timestamp' },
      { name: 'equity', type: 'double' },
    ],
    Array.from(s.equity, (e, i) => [s.time[i], e]),
  );
  const metrics = join(out, 'metrics.csv');
  writeCsv(
    metrics,
    [
      { name: 'metric', type: 'string' },
      { name: 'value', type: 'double' },
    ],
    METRIC_NAMES.map((m) => [m, s.metrics[m]]),
  );
  return [trades, equity, metrics];
}
