/**
 * End-to-end sweep throughput and memory: `runWorkflow` (storage disk, store_trades false) with the
 * inline executor and with the pool at 1..N workers, then a 1,000,000-set grid on the pool.
 *
 *   node dist/bench/sweep.js [--runs K] [--skip-sweep] [--skip-million] [--profile]
 *
 * Every measured run is a fresh child process (as in bench/engine.ts), so each configuration starts
 * from a cold heap and its peak RSS (`process.resourceUsage().maxRSS`) is its own. A sampler thread in
 * the child records `process.memoryUsage().rss` every 250 ms during the timed run (a worker thread,
 * because the inline executor never yields the main thread's event loop), to show whether memory
 * stays flat. Workflow YAML files and results directories live in one folder under os.tmpdir(),
 * deleted at the end. `--profile` runs the 1M child under --cpu-prof and prints the main thread's
 * hottest functions.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { loadWorkflow } from '../src/config/workflow.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';
import type { BestJson } from '../src/contract.js';

const SEED = 7;
const SWEEP_BARS = 2_000;
const MILLION_BARS = 120;
const SAMPLE_MS = 250;
const RSS_LIMIT_BYTES = 1024 ** 3;
/** RSS counts as flat when the last quarter's average is at most this much above the first quarter's. */
const FLAT_TOLERANCE = 0.1;
const SPEEDUP_SHARE = 0.9;
const MAX_OVERHEAD = 0.1;
const MiB = 1024 * 1024;

/** 59 fast × 29 slow (1,606 with fast < slow) × 2 triggers × 2 short modes × 5 stops = 32,120 sets (≥ 5 s inline here). */
const SWEEP_DIMENSIONS = {
  fast: 'range(2, 60, 1)',
  slow: 'range(20, 300, 10)',
  trigger: '[cross, level]',
  allow_short: '[false, true]',
  stop_loss: '[null, 0.03, 0.05, 0.1, 0.2]',
  constraints: '["strategy.fast < strategy.slow"]',
};
/** Same shape, 4 × 2 × 2 × 2 × 2 = 64 sets: the warm-up run before the timed one. */
const WARM_DIMENSIONS = {
  fast: '[5, 10, 15, 20]',
  slow: '[50, 100]',
  trigger: '[cross, level]',
  allow_short: '[false, true]',
  stop_loss: '[null, 0.05]',
  constraints: '[]',
};
/** 100 × 100 × 2 × 2 × 25 = 1,000,000 sets exactly (no constraint; fast ≥ slow is a valid, if odd, set). */
const MILLION_DIMENSIONS = {
  fast: 'range(1, 100, 1)',
  slow: 'range(2, 101, 1)',
  trigger: '[cross, level]',
  allow_short: '[false, true]',
  stop_loss: 'range(0.01, 0.25, 0.01)',
  constraints: '[]',
};
const MILLION = 1_000_000;

type Dimensions = typeof SWEEP_DIMENSIONS;

function workflowYaml(name: string, bars: number, d: Dimensions): string {
  return `name: ${name}
data:
  synthetic: {bars: ${bars}, symbols: [SYN], seed: ${SEED}}
capital: 100000
strategy:
  type: sma_crossover
  fast: ${d.fast}
  slow: ${d.slow}
  trigger: ${d.trigger}
  allow_short: ${d.allow_short}
risk:
  sizing: {percent_equity: 1.0}
  stop_loss: ${d.stop_loss}
broker:
  fill: next_open
  commission: {percent: 0.001}
  slippage: {percent: 0.0005}
search:
  objective: sharpe
  constraints: ${d.constraints}
results:
  storage: disk
  store_trades: false
  top_k: 20
`;
}

const describe = (d: Dimensions): string =>
  `sma_crossover fast ${d.fast} × slow ${d.slow} × trigger ${d.trigger} × allow_short ${d.allow_short} × risk.stop_loss ${d.stop_loss}` +
  (d.constraints === '[]' ? '' : `, constraint ${JSON.parse(d.constraints).join(', ')}`);

class BenchFailure extends Error {}

function fail(message: string): never {
  throw new BenchFailure(message);
}

// ---------------------------------------------------------------------------------------------------
// Child: one configuration, one process.

interface ChildArgs {
  readonly executor: 'inline' | 'pool';
  readonly workers: number;
  readonly workflow: string;
  readonly warmup: string | null;
  readonly out: string;
}

interface ChildReport {
  readonly trials: number;
  readonly failed: number;
  readonly bars: number;
  readonly ms: number;
  readonly best: BestJson | null;
  readonly resultsDir: string;
  readonly maxRssKiB: number;
  /** process.memoryUsage().rss every SAMPLE_MS during the timed run, bytes. */
  readonly samples: number[];
  /** Main thread's event-loop utilisation during the timed run, and its active time. */
  readonly elu: number;
  readonly activeMs: number;
}

const SAMPLER_SOURCE = `
const { workerData } = require('node:worker_threads');
const ctl = new Int32Array(workerData.ctl);
const rss = new Float64Array(workerData.rss);
setInterval(() => {
  if (Atomics.load(ctl, 0) !== 1) return;
  const i = Atomics.load(ctl, 1);
  if (i < rss.length) { rss[i] = process.memoryUsage().rss; Atomics.store(ctl, 1, i + 1); }
}, ${SAMPLE_MS});
`;

/** A thread sampling the process's RSS: it keeps ticking while the main thread computes. */
function rssSampler(): { start(): void; stop(): Promise<number[]> } {
  const ctl = new Int32Array(new SharedArrayBuffer(8));
  const rss = new Float64Array(new SharedArrayBuffer(8 * 16_384));
  const worker = new Worker(SAMPLER_SOURCE, { eval: true, workerData: { ctl: ctl.buffer, rss: rss.buffer } });
  return {
    start: () => Atomics.store(ctl, 0, 1),
    async stop() {
      Atomics.store(ctl, 0, 0);
      const out = Array.from(rss.subarray(0, Atomics.load(ctl, 1)));
      await worker.terminate();
      return out;
    },
  };
}

async function child(args: ChildArgs): Promise<void> {
  const sampler = rssSampler();
  const options = { executor: args.executor, workers: args.workers, storage: 'disk', progress: false } as const;
  if (args.warmup !== null) {
    // Warms the coordinator's code (config, search loop, trial keys, SQLite) and, inline, the engine.
    // A pool's timed run starts new workers, as every real run does.
    await runWorkflow(loadWorkflow(args.warmup), { ...options, out: join(args.out, 'warmup') });
  }
  const workflow = loadWorkflow(args.workflow);
  const elu0 = performance.eventLoopUtilization();
  sampler.start();
  const t0 = performance.now();
  const outcome = await runWorkflow(workflow, { ...options, out: args.out });
  const ms = performance.now() - t0;
  const samples = await sampler.stop();
  const elu = performance.eventLoopUtilization(elu0);
  const phase = outcome.result.phases[0];
  const report: ChildReport = {
    trials: phase.trials,
    failed: phase.failed,
    bars: outcome.phases[0].data.time.length,
    ms,
    best: phase.best ?? null,
    resultsDir: outcome.result.results_dir,
    maxRssKiB: process.resourceUsage().maxRSS,
    samples,
    elu: elu.utilization,
    activeMs: elu.active,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

// ---------------------------------------------------------------------------------------------------
// Parent.

interface Config {
  readonly label: string;
  readonly executor: 'inline' | 'pool';
  readonly workers: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

interface Quarters {
  /** Average RSS of each quarter of the samples, in time order. */
  readonly avg: readonly number[];
  readonly first: number;
  readonly last: number;
  readonly n: number;
}

function quarters(samples: readonly number[]): Quarters {
  if (samples.length < 4) return { avg: [], first: NaN, last: NaN, n: samples.length };
  const avg = [0, 1, 2, 3].map((i) => mean(samples.slice(Math.floor((i * samples.length) / 4), Math.floor(((i + 1) * samples.length) / 4))));
  return { avg, first: avg[0], last: avg[3], n: samples.length };
}

function countRows(resultsDir: string): { rows: number; bytes: number } {
  const file = join(resultsDir, 'results.db');
  const db = new Database(file, { readonly: true });
  try {
    const { n } = db.prepare('SELECT count(*) AS n FROM trials').get() as { n: number };
    return { rows: n, bytes: statSync(file).size };
  } finally {
    db.close();
  }
}

/** Names what differs between a run's outcome and the inline reference ('' when nothing does). */
function mismatch(ref: ChildReport, got: ChildReport): string {
  const problems: string[] = [];
  if (got.trials !== ref.trials) problems.push(`trials ${got.trials} vs inline ${ref.trials}`);
  if (got.failed !== ref.failed) problems.push(`failed ${got.failed} vs inline ${ref.failed}`);
  if ((ref.best === null) !== (got.best === null))
    problems.push(`best ${got.best === null ? 'missing' : 'present'} vs inline ${ref.best === null ? 'missing' : 'present'}`);
  if (ref.best && got.best) {
    const a = JSON.stringify(ref.best.params);
    const b = JSON.stringify(got.best.params);
    if (a !== b) problems.push(`best params ${b} vs inline ${a}`);
    for (const k of Object.keys(ref.best.metrics) as (keyof BestJson['metrics'])[]) {
      if (!Object.is(ref.best.metrics[k], got.best.metrics[k])) problems.push(`best ${k} ${got.best.metrics[k]} vs inline ${ref.best.metrics[k]}`);
    }
  }
  return problems.join('; ');
}

function runChild(script: string, args: ChildArgs, nodeFlags: readonly string[] = []): ChildReport {
  const argv = [...nodeFlags, script, '--child', args.executor, String(args.workers), args.workflow, args.warmup ?? '-', args.out];
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    fail(`child (${args.executor}, ${args.workers} worker(s), ${args.workflow}) exited with ${r.status ?? r.signal}`);
  }
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as ChildReport;
  } catch {
    fail(`child printed no report: ${r.stdout.slice(-500)}`);
  }
}

const fmtInt = (n: number): string => n.toLocaleString('en-US');
const fmtMiB = (bytes: number): string => `${(bytes / MiB).toFixed(0)}`;
const fmtPct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');
const growth = (q: Quarters): number => q.last / q.first - 1;

function flatnessText(q: Quarters): string {
  if (q.n < 4) return `(${q.n} samples: too few)`;
  return `${fmtMiB(q.first)} → ${fmtMiB(q.last)} MiB (${growth(q) >= 0 ? '+' : ''}${fmtPct(growth(q))}; quarters ${q.avg.map(fmtMiB).join(' / ')}; ${q.n} samples)`;
}

/** Self time per function of the main thread's CPU profile (the file whose thread id is 0). */
function profileSummary(dir: string, top: number): string[] {
  const file = readdirSync(dir).find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  if (!file) return [`(no main-thread profile in ${dir})`];
  interface Node {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const where = f.url ? ` ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'}${where}`;
    self.set(key, (self.get(key) ?? 0) + profile.timeDeltas[i]);
    total += profile.timeDeltas[i];
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, us]) => `${(us / 1000).toFixed(0).padStart(8)} ms ${fmtPct(us / total).padStart(6)}  ${k}`);
}

function parseArgs(argv: readonly string[]): { runs: number; sweep: boolean; million: boolean; profile: boolean } {
  const i = argv.indexOf('--runs');
  const runs = i < 0 ? 3 : Number(argv[i + 1]);
  if (!Number.isInteger(runs) || runs < 1) fail(`--runs needs a positive integer, got ${argv[i + 1]}`);
  return { runs, sweep: !argv.includes('--skip-sweep'), million: !argv.includes('--skip-million'), profile: argv.includes('--profile') };
}

function parent(root: string, opts: { runs: number; sweep: boolean; million: boolean; profile: boolean }): void {
  const script = fileURLToPath(import.meta.url);
  const started = Date.now();
  const n = availableParallelism();
  const sweepFile = join(root, 'sweep.yaml');
  const warmFile = join(root, 'warmup.yaml');
  const millionFile = join(root, 'million.yaml');
  writeFileSync(sweepFile, workflowYaml('bench_sweep', SWEEP_BARS, SWEEP_DIMENSIONS));
  writeFileSync(warmFile, workflowYaml('bench_warmup', SWEEP_BARS, WARM_DIMENSIONS));
  writeFileSync(millionFile, workflowYaml('bench_million', MILLION_BARS, MILLION_DIMENSIONS));

  const cpu = cpus();
  console.log('fanfold sweep benchmark: runWorkflow end to end, storage disk, store_trades false, no log');
  console.log(`node ${process.version}, CPU ${cpu[0]?.model ?? 'unknown'}, os.availableParallelism() = ${n}`);
  console.log(
    `each run in its own child process; RSS sampled every ${SAMPLE_MS} ms by a thread of the child (process.memoryUsage().rss); peak = process.resourceUsage().maxRSS at the child's end`,
  );
  console.log('');
  if (opts.sweep) sweepSection(script, root, n, opts.runs, sweepFile, warmFile);
  if (opts.million) millionSection(script, root, n, millionFile, opts.profile);
  console.log(`total ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** 1. Grid sweep: inline and pool ×1..N, rounds interleaved so machine noise spreads over all of them. */
function sweepSection(script: string, root: string, n: number, runs: number, sweepFile: string, warmFile: string): void {
  const configs: Config[] = [{ label: 'inline', executor: 'inline', workers: 1 }];
  for (let w = 1; w <= n; w++) configs.push({ label: `pool ×${w}`, executor: 'pool', workers: w });
  const reports = new Map<string, ChildReport[]>(configs.map((c) => [c.label, []]));
  let reference: ChildReport | null = null;
  let run = 0;
  for (let k = 0; k < runs; k++) {
    for (const c of configs) {
      const out = join(root, `out-${run++}`);
      const r = runChild(script, { executor: c.executor, workers: c.workers, workflow: sweepFile, warmup: warmFile, out });
      const { rows } = countRows(r.resultsDir);
      rmSync(out, { recursive: true, force: true });
      if (rows !== r.trials) fail(`${c.label}: results.db holds ${rows} rows for ${r.trials} trials`);
      if (reference === null) {
        if (c.executor !== 'inline') fail('internal: the first run must be inline');
        if (r.best === null) fail('the inline sweep found no best set: nothing to compare the pool against');
        reference = r;
      }
      const diff = mismatch(reference, r);
      if (diff) fail(`${c.label} (round ${k + 1}) does not reproduce the inline sweep: ${diff}`);
      reports.get(c.label)!.push(r);
    }
  }
  const ref = reference!;
  const setBars = ref.trials * ref.bars;
  const rate = (r: ChildReport): number => (setBars / r.ms) * 1000;
  const medRate = (label: string): number => median(reports.get(label)!.map(rate));
  const inlineRate = medRate('inline');

  console.log(`1. grid sweep: ${describe(SWEEP_DIMENSIONS)}`);
  console.log(
    `   → ${fmtInt(ref.trials)} sets × ${fmtInt(ref.bars)} synthetic bars (1 symbol, seed ${SEED}) = ${(setBars / 1e6).toFixed(1)} M set-bars per run`,
  );
  console.log(`   ${runs} round(s) of ${configs.length} configurations; each child first runs a warm-up sweep (64 sets, same executor), then the timed run`);
  console.log('   rate = set-bars / wall time of runWorkflow (pool start and stop, data, SQLite included); medians across rounds [min–max]');
  console.log('');
  console.log(
    `   ${'config'.padEnd(9)} ${'wall s'.padStart(7)} ${'M set-bars/s'.padStart(13)} ${'[min–max]'.padEnd(13)} ${'vs inline'.padStart(9)}  ${'main thread busy'.padEnd(22)} ${'peak RSS'.padStart(9)}  RSS first-quarter → last-quarter avg (median-rate run)`,
  );
  for (const c of configs) {
    const rs = reports.get(c.label)!;
    const rates = rs.map(rate);
    const m = median(rates);
    const mid = rs.slice().sort((a, b) => rate(a) - rate(b))[rs.length >> 1];
    const busy = `${fmtPct(median(rs.map((r) => r.elu)))} (${median(rs.map((r) => (r.activeMs * 1000) / r.trials)).toFixed(0)} µs/set)`;
    console.log(
      `   ${c.label.padEnd(9)} ${(median(rs.map((r) => r.ms)) / 1000).toFixed(2).padStart(7)} ${(m / 1e6).toFixed(2).padStart(13)} ${`[${(Math.min(...rates) / 1e6).toFixed(2)}–${(Math.max(...rates) / 1e6).toFixed(2)}]`.padEnd(13)} ` +
        `${`${(m / inlineRate).toFixed(2)}×`.padStart(9)}  ${busy.padEnd(22)} ${`${fmtMiB(median(rs.map((r) => r.maxRssKiB * 1024)))} MiB`.padStart(9)}  ${flatnessText(quarters(mid.samples))}`,
    );
  }
  console.log('');
  const runsDone = configs.length * runs;
  const best = ref.best!;
  console.log(`   check: all ${runsDone} runs have the inline run's trial count (${fmtInt(ref.trials)}), best params ${JSON.stringify(best.params)}`);
  console.log(
    `          and best metrics (sharpe ${best.metrics.sharpe}, total_return ${best.metrics.total_return}, trades ${best.metrics.trades}) bit for bit; results.db rows = trials in every run`,
  );
  const overhead = 1 - medRate('pool ×1') / inlineRate;
  const speedup = medRate(`pool ×${n}`) / inlineRate;
  console.log(
    `   pool overhead with 1 worker = 1 − pool×1 / inline = ${fmtPct(overhead)}   target ≤ ${fmtPct(MAX_OVERHEAD)} ${verdict(overhead <= MAX_OVERHEAD)}`,
  );
  console.log(
    `   pool speed-up with ${n} workers = ${speedup.toFixed(2)}×   target ≥ ${(SPEEDUP_SHARE * n).toFixed(2)}× (0.9 × ${n}) ${verdict(speedup >= SPEEDUP_SHARE * n)}`,
  );
  console.log('   (main thread busy: event-loop utilisation of the coordinator thread during the run; inline it includes the engine itself)');
  console.log('');
}

/** 2. The 1,000,000-set grid on the pool with every core. */
function millionSection(script: string, root: string, n: number, millionFile: string, profile: boolean): void {
  const out = join(root, 'out-million');
  const profDir = join(root, 'cpu-prof');
  const flags = profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  const r = runChild(script, { executor: 'pool', workers: n, workflow: millionFile, warmup: null, out }, flags);
  const { rows, bytes } = countRows(r.resultsDir);
  rmSync(out, { recursive: true, force: true });
  const q = quarters(r.samples);
  const peak = r.maxRssKiB * 1024;
  const flat = growth(q) <= FLAT_TOLERANCE;
  console.log(`2. 1,000,000-set grid: ${describe(MILLION_DIMENSIONS)}`);
  console.log(
    `   = 100 × 100 × 2 × 2 × 25 = ${fmtInt(MILLION)} sets on ${fmtInt(r.bars)} synthetic bars (seed ${SEED}), pool ×${n}, storage disk${profile ? ', under --cpu-prof (slower)' : ''}`,
  );
  console.log(
    `   wall ${(r.ms / 1000).toFixed(1)} s, ${fmtInt(Math.round((r.trials / r.ms) * 1000))} sets/s (${((r.trials * r.bars) / r.ms / 1000).toFixed(2)} M set-bars/s)`,
  );
  console.log(`   main thread busy ${fmtPct(r.elu)} (${((r.activeMs * 1000) / r.trials).toFixed(1)} µs/set)`);
  console.log(
    `   trials ${fmtInt(r.trials)}, failed ${r.failed}; results.db rows ${fmtInt(rows)} (${(bytes / MiB).toFixed(0)} MiB)   ${verdict(rows === MILLION && r.trials === MILLION && r.failed === 0)}`,
  );
  console.log(`   peak RSS ${fmtMiB(peak)} MiB   target < ${fmtMiB(RSS_LIMIT_BYTES)} MiB ${verdict(peak < RSS_LIMIT_BYTES)}`);
  console.log(`   RSS first-quarter → last-quarter avg ${flatnessText(q)}   target flat (≤ +${fmtPct(FLAT_TOLERANCE)}) ${verdict(flat)}`);
  if (rows !== MILLION) fail(`results.db holds ${rows} rows, expected ${MILLION}`);
  if (r.trials !== MILLION) fail(`the 1M run reports ${r.trials} trials, expected ${MILLION}`);
  if (profile) {
    console.log('   main-thread CPU profile, top self time:');
    for (const line of profileSummary(profDir, 20)) console.log(`   ${line}`);
  }
  console.log('');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    const [, executor, workers, workflow, warmup, out] = argv;
    await child({ executor: executor as 'inline' | 'pool', workers: Number(workers), workflow, warmup: warmup === '-' ? null : warmup, out });
    return;
  }
  const root = mkdtempSync(join(tmpdir(), 'fanfold-bench-sweep-'));
  const cleanup = (): void => rmSync(root, { recursive: true, force: true });
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    parent(root, parseArgs(argv));
  } catch (error) {
    if (!(error instanceof BenchFailure)) throw error;
    process.stderr.write(`bench/sweep: ${error.message}\n`);
    process.exitCode = 2;
  } finally {
    cleanup();
  }
}

await main();
