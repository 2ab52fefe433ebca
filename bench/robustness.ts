/**
 * What the robustness statistics cost a sweep, measured in one run on this machine:
 *
 *   node dist/bench/robustness.js [--workers N] [--rounds N] [--data FILE]
 *
 * The ORCL grid of ../shared/bench/headroom.mjs (sma_crossover fast 2..199 × slow 20..496 step 4,
 * every point, 23,880 sets) as `fanfold run`
 * child processes on the pool, with `search.robustness` on (the defaults) and off, alternated
 * `rounds` times; prints each run's wall time, the on/off ratio of the medians (the bound
 * is 1.25) and what the robustness JSON says it evaluated.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const WORKERS = Number(flag('workers', String(availableParallelism())));
const ROUNDS = Number(flag('rounds', '3'));
const DATA = flag('data', join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', 'shared', 'data', 'orcl-1995-2014.txt'));
const CLI = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'src', 'cli', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'fanfold-robustness-'));

function config(name: string, robustness: string): string {
  const file = join(tmp, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
data: {path: ${DATA}, symbol: ORCL}
capital: 100000
strategy: {type: sma_crossover, fast: "range(2, 200, 1)", slow: "range(20, 500, 4)"}
risk: {sizing: {percent_equity: 1.0}}
broker: {fill: next_open, commission: {percent: 0.001}}
search: {method: grid, objective: sharpe, robustness: ${robustness}}
results: {storage: disk, store_trades: false, top_k: 10}
`,
  );
  return file;
}

function run(file: string): { seconds: number; json: Record<string, unknown> } {
  const started = performance.now();
  const r = spawnSync('node', [CLI, 'run', file, '--quiet', '--json', '--executor', 'pool', '--workers', String(WORKERS), '--out', join(tmp, 'out')], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`fanfold run exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  return { seconds, json: JSON.parse(r.stdout) as Record<string, unknown> };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const on = config('robust_on', '{}');
  const off = config('robust_off', 'false');
  const times = { on: [] as number[], off: [] as number[] };
  let last: Record<string, unknown> | null = null;
  for (let round = 0; round < ROUNDS; round++) {
    const a = run(off);
    const b = run(on);
    times.off.push(a.seconds);
    times.on.push(b.seconds);
    last = b.json;
    console.log(`round ${round + 1}: off ${a.seconds.toFixed(2)} s, on ${b.seconds.toFixed(2)} s`);
  }
  const phase = (last!.phases as { trials: number; robustness: { pbo: { combinations: number; of: number }; spa: { sets: number } | null } }[])[0];
  console.log(
    `${phase.trials} trials on ${WORKERS} workers; PBO over ${phase.robustness.pbo.combinations} of ${phase.robustness.pbo.of} combinations; SPA over ${phase.robustness.spa?.sets ?? 0} sets`,
  );
  console.log(`robustness on / off (median wall time): ${(median(times.on) / median(times.off)).toFixed(3)}× (bound: 1.25×)`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
