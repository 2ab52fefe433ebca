/**
 * Report generation for a large sweep: time, peak memory and file size of `writeReport` for a
 * 120,000-trial run, against a 1,200-trial run of the same shape measured in the same session.
 *
 *   node dist/bench/report.js [--trials-large N]   (N is rounded to the grid: fast × slow × stops)
 *
 * Each sweep runs through runWorkflow (pool, disk storage, 120 synthetic bars); each report is
 * written in a fresh child process, so its peak RSS (`process.resourceUsage().maxRSS`) is its own.
 * Folders live under os.tmpdir() and are deleted at the end.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { loadWorkflow } from '../src/config/workflow.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';
import { writeReport } from '../src/report/index.js';

const BARS = 120;
const MiB = 1024 * 1024;

interface ChildFigures {
  seconds: number;
  bytes: number;
  maxRssMiB: number;
  leaderboardRows: number;
  heatmapCells: number;
  histogramBins: number;
}

if (process.argv[2] === '--child') {
  const started = performance.now();
  const written = await writeReport(process.argv[3]);
  const seconds = (performance.now() - started) / 1000;
  const p = written.model.phases[0];
  const figures: ChildFigures = {
    seconds,
    bytes: written.bytes,
    maxRssMiB: (process.resourceUsage().maxRSS * 1024) / MiB,
    leaderboardRows: p.leaderboard.length,
    heatmapCells: p.heatmap.pairs.reduce((a, q) => a + q.cells.length, 0),
    histogramBins: p.histogram?.counts.length ?? 0,
  };
  process.stdout.write(JSON.stringify(figures));
  process.exit(0);
}

const folder = mkdtempSync(join(tmpdir(), 'fanfold-bench-report-'));

async function sweep(name: string, fast: number, slow: number, stops: number): Promise<{ dir: string; trials: number; seconds: number }> {
  const file = join(folder, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
data: {synthetic: {bars: ${BARS}, symbols: [AAA], seed: 7}}
strategy: {type: sma_crossover, fast: "range(1, ${fast}, 1)", slow: "range(2, ${slow + 1}, 1)"}
risk: {stop_loss: "range(0.01, ${(stops / 100).toFixed(2)}, 0.01)"}
search: {objective: sharpe}
results: {storage: disk, store_trades: false}
`,
  );
  const started = performance.now();
  const { result } = await runWorkflow(loadWorkflow(file), { out: folder, executor: 'pool' });
  return { dir: result.results_dir, trials: result.phases[0].trials, seconds: (performance.now() - started) / 1000 };
}

function reportInChild(dir: string): ChildFigures {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', dir], { encoding: 'utf8', maxBuffer: 16 * MiB });
  if (child.status !== 0) throw new Error(`report child failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as ChildFigures;
}

try {
  const largeIndex = process.argv.indexOf('--trials-large');
  const target = largeIndex > 0 ? Number(process.argv[largeIndex + 1]) : 120_000;
  const stops = Math.max(1, Math.round(target / 10_000));
  const small = await sweep('small', 10, 10, 12);
  const large = await sweep('large', 100, 100, stops);
  const a = reportInChild(small.dir);
  const b = reportInChild(large.dir);
  const row = (label: string, run: { trials: number; seconds: number }, f: ChildFigures): string =>
    `| ${label} | ${run.trials.toLocaleString('en-US')} | ${run.seconds.toFixed(1)} s | ${f.seconds.toFixed(2)} s | ${(f.bytes / MiB).toFixed(2)} MiB | ${f.maxRssMiB.toFixed(0)} MiB | ${f.leaderboardRows} | ${f.heatmapCells.toLocaleString('en-US')} | ${f.histogramBins} |`;
  process.stdout.write(`report generation, ${BARS} synthetic bars per trial (node ${process.version})\n\n`);
  process.stdout.write(
    '| run | trials | sweep | report | report size | report peak RSS | leaderboard rows | heatmap cells | histogram bins |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n',
  );
  process.stdout.write(`${row('baseline', small, a)}\n${row('large', large, b)}\n\n`);
  process.stdout.write(
    `ratios large/baseline: trials ${(large.trials / small.trials).toFixed(0)}×, report time ${(b.seconds / a.seconds).toFixed(1)}×, report size ${(b.bytes / a.bytes).toFixed(2)}×, peak RSS ${(b.maxRssMiB / a.maxRssMiB).toFixed(2)}×; report time / sweep time ${(b.seconds / large.seconds).toFixed(2)}\n`,
  );
} finally {
  rmSync(folder, { recursive: true, force: true });
}
