import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { METRIC_NAMES } from '../types.js';
import { TRADE_FIELDS } from './compare.js';
import type { ShownTrial } from './index.js';

/**
 * One CSV field (RFC 4180): empty for null, numbers in JavaScript's shortest round-trip form,
 * text quoted when it holds a comma, a quote or a line break (quotes doubled).
 */
export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const text = String(v);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows with a header, CRLF after every record (RFC 4180). */
export function csvText(header: readonly string[], rows: Iterable<readonly (string | number | null)[]>): string {
  const lines = [header.map(csvField).join(',')];
  for (const row of rows) lines.push(row.map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** `--csv DIR`: trades.csv, equity.csv and metrics.csv of the shown trial; returns the files written. */
export function writeShowCsv(s: ShownTrial, dir: string): string[] {
  const out = resolve(dir);
  mkdirSync(out, { recursive: true });
  const files: [string, string][] = [
    [
      'trades.csv',
      csvText(
        TRADE_FIELDS,
        s.trades.map((t) => TRADE_FIELDS.map((f) => t[f])),
      ),
    ],
    [
      'equity.csv',
      csvText(
        ['time', 'equity'],
        Array.from(s.equity, (e, i) => [new Date(s.time[i]).toISOString(), e]),
      ),
    ],
    [
      'metrics.csv',
      csvText(
        ['metric', 'value'],
        METRIC_NAMES.map((m) => [m, s.metrics[m]]),
      ),
    ],
  ];
  return files.map(([name, text]) => {
    const file = join(out, name);
    writeFileSync(file, text);
    return file;
  });
}
