/**
 * Loading market data at scale: one-minute bars from CSV, Parquet and Arrow IPC through the loader
 * a run uses (`loadMarketData`: parse, checks, alignment into shared columns, the data hash).
 *
 *   node dist/bench/data.js [--bars N] [--reps K] [--dir DIR]
 *
 * Generates N seeded one-minute bars (default 10,000,000), writes them as CSV
 * (`2020-01-02 14:30:00,85.03,…`), Parquet (snappy, row groups of 1,048,576 rows) and an
 * uncompressed Arrow IPC file into a temporary folder (or DIR, kept),
 * then loads each file in a fresh child process, K times (default 1), so the peak RSS is the
 * format's own: VmHWM of /proc/self/status. Prints seconds (the median), rows/s, peak RSS, RSS over
 * the columns' own bytes (rows × 6 columns × 8 bytes) and each format's speed over CSV's in the same
 * run; the three loads must give the same data hash.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Float64, makeData, makeVector, Table, tableToIPC, TimestampMillisecond } from 'apache-arrow';
import { Compression, Table as WasmTable, writeParquet, WriterPropertiesBuilder } from 'parquet-wasm';
import { loadMarketData } from '../src/data/load.js';
import { BAR_FIELDS, type MarketData } from '../src/data/series.js';
import { generateSynthetic } from '../src/data/synthetic.js';

const SEED = 17;
const START = Date.UTC(2020, 0, 2, 14, 30);
const MINUTE = 60_000;
const COLUMNS = 1 + BAR_FIELDS.length;
const FORMATS = [
  { name: 'CSV', file: 'bars.csv' },
  { name: 'Parquet', file: 'bars.parquet' },
  { name: 'Arrow IPC', file: 'bars.arrow' },
] as const;

interface ChildReport {
  readonly seconds: number;
  readonly bars: number;
  readonly peakRssBytes: number;
  readonly hash: string;
}

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Peak resident set size: the kernel's high-water mark, else Node's figure. */
function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** Loads one file and reports; `-` loads none, for the process's own footprint. */
async function child(path: string): Promise<void> {
  if (path === '-') {
    process.stdout.write(`${JSON.stringify({ seconds: 0, bars: 0, peakRssBytes: peakRss(), hash: '' })}\n`);
    return;
  }
  const started = performance.now();
  const data = await loadMarketData({ path, symbol: 'BENCH' }, '/');
  const seconds = (performance.now() - started) / 1000;
  const report: ChildReport = { seconds, bars: data.time.length, peakRssBytes: peakRss(), hash: data.hash };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

async function writeCsv(data: MarketData, path: string): Promise<void> {
  const s = data.symbols[0];
  const out = createWriteStream(path);
  out.write('timestamp,open,high,low,close,volume\n');
  const CHUNK = 100_000;
  for (let i = 0; i < data.time.length; i += CHUNK) {
    let text = '';
    for (let j = i; j < Math.min(data.time.length, i + CHUNK); j++) {
      const iso = new Date(data.time[j]).toISOString();
      text += `${iso.slice(0, 10)} ${iso.slice(11, 19)},${s.open[j]},${s.high[j]},${s.low[j]},${s.close[j]},${s.volume[j]}\n`;
    }
    if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

function arrowTable(data: MarketData): Table {
  const s = data.symbols[0];
  const n = data.time.length;
  const time = new BigInt64Array(n);
  for (let i = 0; i < n; i++) time[i] = BigInt(data.time[i]);
  const column = (values: Float64Array) => makeVector(makeData({ type: new Float64(), length: n, data: Float64Array.from(values) }));
  return new Table({
    timestamp: makeVector(makeData({ type: new TimestampMillisecond(), length: n, data: time })),
    open: column(s.open),
    high: column(s.high),
    low: column(s.low),
    close: column(s.close),
    volume: column(s.volume),
  });
}

function writeFiles(data: MarketData, dir: string): Promise<void> {
  const table = arrowTable(data);
  writeFileSync(join(dir, 'bars.arrow'), tableToIPC(table, 'file'));
  const props = new WriterPropertiesBuilder().setCompression(Compression.SNAPPY).setMaxRowGroupSize(1_048_576).build();
  writeFileSync(join(dir, 'bars.parquet'), writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')), props));
  return writeCsv(data, join(dir, 'bars.csv'));
}

function load(script: string, path: string): ChildReport {
  const r = spawnSync(process.execPath, [script, '--child', path], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`child failed on ${path}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim()) as ChildReport;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

async function parent(): Promise<void> {
  const bars = option('bars', 10_000_000);
  const reps = option('reps', 1);
  const dirIndex = process.argv.indexOf('--dir');
  const dir = dirIndex >= 0 ? process.argv[dirIndex + 1] : mkdtempSync(join(tmpdir(), 'fanfold-bench-data-'));
  mkdirSync(dir, { recursive: true });
  const script = fileURLToPath(import.meta.url);
  try {
    let t = performance.now();
    const data = generateSynthetic({ bars, seed: SEED, start: START, intervalMs: MINUTE });
    console.log(`${bars.toLocaleString('en-US')} one-minute bars generated in ${((performance.now() - t) / 1000).toFixed(1)} s (seed ${SEED})`);
    t = performance.now();
    await writeFiles(data, dir);
    console.log(`files written in ${((performance.now() - t) / 1000).toFixed(1)} s to ${dir}`);
    const columnBytes = bars * COLUMNS * 8;
    const rows: { name: string; size: number; seconds: number; rss: number; hash: string }[] = [];
    for (const f of FORMATS) {
      const path = join(dir, f.file);
      const runs = Array.from({ length: reps }, () => load(script, path));
      if (runs.some((r) => r.bars !== bars)) throw new Error(`${f.name}: loaded ${runs[0].bars} bars, expected ${bars}`);
      rows.push({
        name: f.name,
        size: statSync(path).size,
        seconds: median(runs.map((r) => r.seconds)),
        rss: Math.max(...runs.map((r) => r.peakRssBytes)),
        hash: runs[0].hash,
      });
    }
    const idle = load(script, '-');
    if (new Set(rows.map((r) => r.hash)).size !== 1) throw new Error(`the formats loaded different data: ${rows.map((r) => `${r.name} ${r.hash}`).join(', ')}`);
    console.log(
      `columns: ${bars.toLocaleString('en-US')} rows × ${COLUMNS} × 8 bytes = ${mb(columnBytes)}; data hash ${rows[0].hash.slice(0, 16)}… for every format`,
    );
    console.log(`the same child process loading no file peaks at ${mb(idle.peakRssBytes)}`);
    console.log('format     | file size | seconds | rows/s     | peak RSS  | RSS / columns | speed vs CSV');
    const csv = rows[0];
    for (const r of rows) {
      console.log(
        `${r.name.padEnd(10)} | ${mb(r.size).padStart(9)} | ${r.seconds.toFixed(2).padStart(7)} | ${Math.round(bars / r.seconds)
          .toLocaleString('en-US')
          .padStart(10)} | ${mb(r.rss).padStart(9)} | ${(r.rss / columnBytes).toFixed(2).padStart(13)} | ${(csv.seconds / r.seconds).toFixed(1)}×`,
      );
    }
  } finally {
    if (dirIndex < 0) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--child')) await child(process.argv[process.argv.indexOf('--child') + 1]);
else await parent();
