import type { Cell, Column } from './table.js';
import { TempFile } from './temp-file.js';

/** Characters gathered before a write to the file. */
const FLUSH_CHARS = 1 << 22;

function numberText(v: number): string {
  if (v !== v) return '';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return Object.is(v, -0) ? '-0' : String(v);
}

const quoted = (text: string): string => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

/**
 * A cell as CSV text: numbers in JavaScript's shortest round-trip form (parsing the text gives the
 * same double; −0 keeps its sign), infinities as `inf`/`-inf` (what pandas, polars and DuckDB read),
 * times as ISO 8601 UTC, booleans as `true`/`false`, missing as an empty field. A field holding a
 * comma, quote or line break is quoted, its quotes doubled (RFC 4180).
 */
export function csvCell(cell: Cell, column: Column): string {
  if (cell === null) return '';
  if (column.type === 'timestamp') return new Date(cell as number).toISOString();
  if (typeof cell === 'number') return numberText(cell);
  if (typeof cell === 'boolean') return cell ? 'true' : 'false';
  return quoted(cell);
}

/** csvCell for one column; a time column remembers its last text (a window's times repeat row after row). */
function formatterOf(column: Column): (cell: Cell) => string {
  if (column.type !== 'timestamp') return (cell) => csvCell(cell, column);
  let last = NaN;
  let text = '';
  return (cell) => {
    if (cell === null) return '';
    if (cell !== last) {
      last = cell as number;
      text = new Date(last).toISOString();
    }
    return text;
  };
}

/** Writes a header row and the rows as CSV (UTF-8, LF line ends), atomically; returns the rows written. */
export function writeCsv(file: string, columns: readonly Column[], rows: Iterable<readonly Cell[]>): number {
  const out = new TempFile(file);
  try {
    const format = columns.map(formatterOf);
    let lines: string[] = [columns.map((c) => quoted(c.name)).join(',')];
    let chars = 0;
    let count = 0;
    for (const row of rows) {
      let line = format[0](row[0]);
      for (let c = 1; c < columns.length; c++) line += `,${format[c](row[c])}`;
      lines.push(line);
      chars += line.length;
      count++;
      if (chars >= FLUSH_CHARS) {
        out.write(`${lines.join('\n')}\n`);
        lines = [];
        chars = 0;
      }
    }
    if (lines.length > 0) out.write(`${lines.join('\n')}\n`);
    out.commit();
    return count;
  } finally {
    out.discard();
  }
}
