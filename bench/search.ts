/**
 * How much of a grid's best a model-based search finds with a fraction of its trials, measured in
 * one run on this machine:
 *
 *   node dist/bench/search.js [--seeds N] [--data FILE] [--workers N]
 *
 * The ORCL space of issue 15: sma_crossover fast 2..200 step 2 × slow 20..500 step 5 × stop-loss
 * {none, 2%, 5%, 10%} = 38,800 points, next-open fills, 0.1% commission, objective sharpe (max). The
 * grid runs once (every point: the objective's distribution and, with max_drawdown, the exact
 * Pareto front); then TPE and random search with 1,000 trials each over `seeds` seeds (median best,
 * against the grid's 99.5th percentile), and NSGA-II with 2,000 trials (sharpe max, max_drawdown
 * min) per seed: the hypervolume of its front over the grid front's, both up to the grid's worst
 * point in each objective. Each search is a `fanfold run` child process (pool, robustness off).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hypervolume2d, paretoFront } from '../src/search/samplers/pareto.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const SEEDS = Number(flag('seeds', '10'));
const WORKERS = Number(flag('workers', String(availableParallelism())));
const DATA = flag('data', join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', 'shared', 'data', 'orcl-1995-2014.txt'));
const CLI = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'src', 'cli', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'fanfold-search-'));

interface Metrics {
  readonly sharpe: number | null;
  readonly max_drawdown: number | null;
}
interface Phase {
  readonly trials: number;
  readonly best?: { metrics: Metrics };
  readonly runs?: { metrics: Metrics }[];
  readonly search?: { pareto?: { values: number[] }[]; history?: { best: (number | null)[] }; trials: number };
}

function run(name: string, search: string, storage: string): { seconds: number; phase: Phase } {
  const file = join(tmp, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
data: {path: ${DATA}, symbol: ORCL}
capital: 100000
strategy: {type: sma_crossover, fast: "range(2, 200, 2)", slow: "range(20, 500, 5)"}
risk: {sizing: {percent_equity: 1.0}, stop_loss: [null, 0.02, 0.05, 0.1]}
broker: {fill: next_open, commission: {percent: 0.001}}
search: {objective: sharpe, robustness: false, ${search}}
results: {storage: ${storage}, store_trades: false, top_k: 10}
`,
  );
  const started = performance.now();
  const r = spawnSync('node', [CLI, 'run', file, '--quiet', '--json', '--executor', 'pool', '--workers', String(WORKERS), '--out', join(tmp, 'out')], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`fanfold run exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  return { seconds, phase: (JSON.parse(r.stdout) as { phases: Phase[] }).phases[0] };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
};

try {
  const grid = run('grid', 'method: grid', 'memory');
  const runs = grid.phase.runs!;
  const sharpe = runs
    .map((r) => r.metrics.sharpe)
    .filter((v): v is number => v !== null)
    .sort((a, b) => a - b);
  // The 99.5th percentile by the nearest-rank rule: the smallest value with ≥ 99.5% of the points at or below it.
  const p995 = sharpe[Math.ceil(0.995 * sharpe.length) - 1];
  const max = sharpe[sharpe.length - 1];
  console.log(`grid: ${runs.length} points in ${grid.seconds.toFixed(1)} s; sharpe 99.5th percentile ${p995.toFixed(4)}, max ${max.toFixed(4)}`);
  const rankOf = (v: number): number => sharpe.filter((x) => x <= v).length / sharpe.length;
  const best = { tpe: [] as number[], random: [] as number[] };
  const seconds = { tpe: [] as number[], random: [] as number[] };
  for (let seed = 0; seed < SEEDS; seed++) {
    for (const method of ['tpe', 'random'] as const) {
      const r = run(`${method}_${seed}`, `method: ${method}, trials: 1000, seed: ${seed}`, 'disk');
      best[method].push(r.phase.best!.metrics.sharpe!);
      seconds[method].push(r.seconds);
    }
    console.log(
      `seed ${seed}: tpe ${best.tpe[seed].toFixed(4)} (percentile ${(100 * rankOf(best.tpe[seed])).toFixed(2)}), random ${best.random[seed].toFixed(4)} (percentile ${(100 * rankOf(best.random[seed])).toFixed(2)})`,
    );
  }
  const mt = median(best.tpe);
  const mr = median(best.random);
  console.log(
    `median best over ${SEEDS} seeds, 1,000 trials: tpe ${mt.toFixed(4)} (${mt >= p995 ? 'at or above' : 'BELOW'} the 99.5th percentile ${p995.toFixed(4)}; percentile ${(100 * rankOf(mt)).toFixed(2)}), random ${mr.toFixed(4)} (percentile ${(100 * rankOf(mr)).toFixed(2)}); tpe − random ${(mt - mr).toFixed(4)}`,
  );
  console.log(
    `wall time per 1,000-trial search (median): tpe ${median(seconds.tpe).toFixed(2)} s, random ${median(seconds.random).toFixed(2)} s, ratio ${(median(seconds.tpe) / median(seconds.random)).toFixed(2)}×; the grid's ${runs.length} points ${grid.seconds.toFixed(2)} s`,
  );

  // Losses: sharpe maximised → negated; max_drawdown minimised.
  const losses = runs.filter((r) => r.metrics.sharpe !== null && r.metrics.max_drawdown !== null).map((r) => [-r.metrics.sharpe!, r.metrics.max_drawdown!]);
  const ref: [number, number] = [Math.max(...losses.map((l) => l[0])), Math.max(...losses.map((l) => l[1]))];
  const front = paretoFront(losses).map((i) => losses[i]);
  const exact = hypervolume2d(front, ref);
  const shares: number[] = [];
  for (let seed = 0; seed < SEEDS; seed++) {
    const r = run(
      `nsga2_${seed}`,
      `method: nsga2, trials: 2000, seed: ${seed}, objectives: [{metric: sharpe, direction: max}, {metric: max_drawdown, direction: min}]`,
      'disk',
    );
    const found = r.phase.search!.pareto!.map((p) => [-p.values[0], p.values[1]]);
    shares.push(hypervolume2d(found, ref) / exact);
    console.log(
      `nsga2 seed ${seed}: ${found.length} points on its front, hypervolume ${(100 * shares[seed]).toFixed(2)}% of the grid front's (${front.length} points), ${r.seconds.toFixed(1)} s`,
    );
  }
  console.log(
    `nsga2, 2,000 trials: hypervolume share median ${(100 * median(shares)).toFixed(2)}%, min ${(100 * Math.min(...shares)).toFixed(2)}% (target ≥ 95%)`,
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
