/**
 * How far the engine scales with cores, measured in one run on this machine:
 *
 *   node dist/bench/scaling.js [--bars N] [--workers N]
 *
 * A grid sweep (sma_crossover fast × slow × stop-loss, synthetic bars, disk storage) runs as a
 * `fanfold run` child process inline and on the pool, alternated twice; a 1-set run of the same
 * config nets out start-up. While each pool run goes, every thread's CPU time is read from
 * /proc/<pid>/task, so the figures say what the coordinator's thread costs per set against what a
 * worker costs per set — how many workers one coordinator could keep busy (the limit on a
 * machine with many more cores than this one). Prints ratios only against baselines of this run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const BARS = flag('bars', 5000);
const WORKERS = flag('workers', availableParallelism());
const CLI = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'src', 'cli', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'fanfold-scaling-'));

function config(name: string, strategy: string): string {
  const file = join(tmp, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
data: {synthetic: {bars: ${BARS}, seed: 3}}
strategy: ${strategy}
risk: {sizing: {percent_equity: 1.0}, stop_loss: [null, 0.05]}
broker: {commission: {percent: 0.001}}
search: {objective: sharpe}
results: {storage: disk, store_trades: false, top_k: 10}
`,
  );
  return file;
}

interface Measured {
  readonly seconds: number;
  readonly trials: number;
  /** CPU ms of the process's first thread (the coordinator) and of the busiest others (the workers). */
  readonly main: number;
  readonly workers: number;
  readonly best: string;
}

function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      const fields = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8').split(') ')[1].split(' ');
      out.set(t, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

async function run(file: string, executor: 'inline' | 'pool', workers: number): Promise<Measured> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [CLI, 'run', file, '--quiet', '--json', '--executor', executor, '--workers', String(workers), '--out', join(tmp, 'out')],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const last = new Map<string, number>();
  const timer = setInterval(() => {
    for (const [t, ms] of threadCpu(child.pid!)) last.set(t, ms);
  }, 20);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  if (code !== 0) throw new Error(`fanfold run ${file} exited ${code}`);
  const seconds = (performance.now() - started) / 1000;
  const main = last.get(String(child.pid)) ?? 0;
  const others = [...last]
    .filter(([t]) => t !== String(child.pid))
    .map(([, ms]) => ms)
    .sort((a, b) => b - a);
  const doc = JSON.parse(stdout) as { phases: { trials: number; best?: unknown }[] };
  return {
    seconds,
    trials: doc.phases[0].trials,
    main,
    workers: others.slice(0, workers).reduce((a, b) => a + b, 0),
    best: JSON.stringify(doc.phases[0].best),
  };
}

const grid = config('grid', '{type: sma_crossover, fast: "range(2, 100, 1)", slow: "range(110, 400, 3)"}');
const one = config('one', '{type: sma_crossover, fast: 10, slow: 200}');
try {
  const base = await run(one, 'pool', WORKERS);
  const inline: Measured[] = [];
  const pool: Measured[] = [];
  for (let round = 0; round < 2; round++) {
    inline.push(await run(grid, 'inline', 1));
    pool.push(await run(grid, 'pool', WORKERS));
  }
  const best = (list: Measured[]): Measured => list.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const i = best(inline);
  const p = best(pool);
  if (i.best !== p.best || i.trials !== p.trials) throw new Error('inline and pool disagree');
  const sets = p.trials - base.trials;
  const mainPerSet = (p.main - base.main) / sets;
  const workerPerSet = (p.workers - base.workers) / sets;
  console.log(`${p.trials} sets × ${BARS} bars, ${WORKERS} workers, identical best set and trial count`);
  console.log(`inline ${i.seconds.toFixed(2)} s, pool ${p.seconds.toFixed(2)} s: pool speed-up ${(i.seconds / p.seconds).toFixed(2)}× (best of 2 each)`);
  console.log(
    `coordinator thread ${(mainPerSet * 1000).toFixed(1)} µs CPU/set, workers ${(workerPerSet * 1000).toFixed(0)} µs CPU/set: one coordinator keeps ${(workerPerSet / Math.max(mainPerSet, 1e-9)).toFixed(0)} workers busy`,
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
