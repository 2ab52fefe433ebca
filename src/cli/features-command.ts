import { writeFileSync } from 'node:fs';
import { loadCsvFile } from '../data/csv.js';
import { alignSeries } from '../data/align.js';
import { symbolFromPath } from '../data/load.js';
import { computeFeatureColumns, expandOutputs } from '../features/compute.js';
import { UserError } from '../errors.js';

const DAY = 86_400_000;

/** `fanfold features`: the requested features of one CSV file as CSV (section 6). */
export async function featuresCsv(path: string, keys: readonly string[]): Promise<string> {
  if (keys.length === 0) throw new UserError("give at least one --feature, e.g. --feature 'sma(20)'");
  const raw = await loadCsvFile(path, symbolFromPath(path));
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
  return `${rows.join('\n')}\n`;
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export async function featuresCommand(path: string, keys: readonly string[], out: string | undefined): Promise<void> {
  const csv = await featuresCsv(path, keys);
  if (!out) {
    process.stdout.write(csv);
    return;
  }
  writeFileSync(out, csv);
  const rows = csv.split('\n').filter((l) => l !== '');
  const columns = rows.length === 0 ? 0 : [...rows[0].matchAll(/"(?:[^"]|"")*"|[^,]+/g)].length - 1;
  process.stdout.write(`features: ${rows.length - 1} bars × ${columns} column${columns === 1 ? '' : 's'} written to ${out}\n`);
}
