import { writeFileSync } from 'node:fs';
import { loadBarFile } from '../data/bar-file.js';
import { alignSeries } from '../data/align.js';
import { symbolFromPath } from '../data/load.js';
import { computeFeatureColumns, expandOutputs } from '../features/compute.js';
import { UserError } from '../errors.js';

const DAY = 86_400_000;

/** `fanfold features`: the requested features of one bar file (CSV, Parquet, Arrow IPC) as CSV (section 6). */
export async function featuresCsv(path: string, keys: readonly string[]): Promise<string> {
  return (await featuresTable(path, keys)).csv;
}

/** The CSV, and how many bars and feature columns it holds. */
async function featuresTable(path: string, keys: readonly string[]): Promise<{ csv: string; bars: number; columns: number }> {
  if (keys.length === 0) throw new UserError("give at least one --feature, e.g. --feature 'sma(20)'");
  const raw = await loadBarFile(path, symbolFromPath(path));
  const data = alignSeries([raw], path);
  const outputs = expandOutputs(keys);
  const columns = computeFeatureColumns(data.symbols[0], keys);
  const daily = data.time.every((t) => t % DAY === 0);
  // Keys such as bbands(20,2).lower hold commas, so header cells are quoted as RFC 4180 says.
  const rows: string[] = [['date', ...outputs].map(csvCell).join(',')];
  const cols = outputs.map((k) => columns.get(k) as Float64Array);
  for (let t = 0; t < data.time.length; t++) {
    const iso = new Date(data.time[t]).toISOString();
    const cells = [daily ? iso.slice(0, 10) : iso];
    for (const c of cols) cells.push(c[t] === c[t] ? String(c[t]) : '');
    rows.push(cells.join(','));
  }
  return { csv: `${rows.join('\n')}\n`, bars: data.time.length, columns: outputs.length };
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export async function featuresCommand(path: string, keys: readonly string[], out: string | undefined): Promise<void> {
  const { csv, bars, columns } = await featuresTable(path, keys);
  if (!out) {
    process.stdout.write(csv);
    return;
  }
  writeFileSync(out, csv);
  process.stdout.write(`features: ${bars} bars × ${columns} column${columns === 1 ? '' : 's'} written to ${out}\n`);
}
