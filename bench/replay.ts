/**
 * Signal replay against full backtests, and tracing off against on.
 *
 *   node dist/bench/replay.js [--reps K] [--skip-workflow]
 *
 * One process, every mode warmed first, then K rounds in which each mode runs once (interleaved, so
 * machine load hits every mode alike); figures are medians over the rounds.
 *  - sweep, per strategy (sma_crossover; a regime-gated bollinger_reversion), on 2 symbols × 5,000 bars
 *    × 200 risk/broker settings,
 *    (a) as one optimization batch (features once, the strategy once per set), (b) as 200 separate
 *    backtests, (c) replayed from the stored signal (plus the one-off generation, reported apart);
 *    replay and backtests are checked equal on every metric first.
 *  - tracing: one backtest with execution tracing off and on (every container, default max_events).
 *  - walk-forward workflow (runWorkflow, pool executor): a risk/broker sweep of the gated
 *    bollinger_reversion over 16 walk-forward windows as an optimization phase vs as
 *    signal_generation + signal_replay into a fresh store each round (generation included); the
 *    two phases' JSON is checked equal first. `--skip-workflow` leaves it out.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWorkflow } from '../src/config/workflow.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import type { BrokerSpec, ParameterSet, RiskSpec, Sizing, StrategySpec, Metrics } from '../src/types.js';
import { generateSignals } from '../src/batch/generate-signals.js';
import { runBacktest, runBatch } from '../src/topology/run-sets.js';

const BARS = 5000;
const SCENARIOS: Record<string, StrategySpec> = {
  'sma_crossover(10, 50)': { type: 'sma_crossover', params: { fast: 10, slow: 50 }, regimeFilter: null },
  'bollinger_reversion(20, 2) gated by trend_regime(20, 100)': {
    type: 'bollinger_reversion',
    params: { n: 20, k: 2, allow_short: true },
    regimeFilter: { type: 'trend_regime', params: { fast: 20, slow: 100, threshold: 0.02 }, allow: ['ranging'] },
  },
};

function sweep(STRATEGY: StrategySpec): ParameterSet[] {
  const sets: ParameterSet[] = [];
  const sizings: Sizing[] = [
    { kind: 'percent_equity', value: 0.5 },
    { kind: 'percent_equity', value: 0.75 },
    { kind: 'percent_equity', value: 1 },
    { kind: 'fixed', value: 100 },
    { kind: 'fractional', value: 0.8 },
  ];
  const commissions: BrokerSpec['commission'][] = [
    null,
    { kind: 'percent', value: 0.0005 },
    { kind: 'percent', value: 0.001 },
    { kind: 'per_share', value: 0.005 },
    { kind: 'fixed', value: 1 },
  ];
  for (const sizing of sizings)
    for (const stopLoss of [null, 0.02, 0.05, 0.1])
      for (const trailingStop of [null, 0.08])
        for (const commission of commissions) {
          const risk: RiskSpec = { sizing, stopLoss, takeProfit: null, trailingStop };
          sets.push({ capital: 100_000, strategy: STRATEGY, risk, broker: { fill: 'next_open', commission, slippage: { kind: 'percent', value: 0.0005 } } });
        }
  return sets;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const repsArg = process.argv.indexOf('--reps');
const REPS = repsArg >= 0 ? Number(process.argv[repsArg + 1]) : 9;
const data = generateSynthetic({ bars: BARS, symbols: ['AAA', 'BBB'], seed: 31 });
const cpu = cpus();
console.log(`fanfold replay benchmark: ${BARS} bars × 2 symbols, 200 risk/broker sets (5 sizings × 4 stops × 2 trailing × 5 commissions) per strategy`);
console.log(
  `node ${process.version}, CPU ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores; ${REPS} interleaved rounds after 3 warm-up rounds, medians [min–max]`,
);

for (const [label, strategy] of Object.entries(SCENARIOS)) {
  const sets = sweep(strategy);
  const store = mkdtempSync(join(tmpdir(), 'fanfold-bench-signals-'));
  const traces = mkdtempSync(join(tmpdir(), 'fanfold-bench-traces-'));

  // Equality first: a replay that is fast but different would be worthless.
  generateSignals(data, [sets[0]], { dir: store });
  const full = runBatch(data, sets);
  const replayed = runBatch(data, sets, { replay: { dir: store } });
  sets.forEach((_, i) => {
    for (const k of Object.keys(full[i].metrics) as (keyof Metrics)[]) {
      if (!Object.is(full[i].metrics[k], replayed[i].metrics[k])) {
        process.stderr.write(`bench/replay: ${label} set ${i} ${k} differs: replay ${replayed[i].metrics[k]} vs backtest ${full[i].metrics[k]}\n`);
        process.exit(2);
      }
    }
  });
  const trades = full.reduce((n, r) => n + r.metrics.trades, 0);

  let traceRun = 0;
  const modes: Record<string, () => void> = {
    'optimization batch, 200 sets': () => void runBatch(data, sets),
    '200 separate backtests': () => {
      for (const s of sets) runBacktest(data, s);
    },
    'replay batch, 200 sets': () => void runBatch(data, sets, { replay: { dir: store } }),
    'generate the signal (once)': () => void generateSignals(data, [sets[0]], { dir: store }),
    'backtest, tracing off': () => void runBacktest(data, sets[2]),
    'backtest, tracing on': () => void runBacktest(data, sets[2], { trace: { traceId: `r${traceRun++ % 4}`, traceDir: traces, maxEvents: 10_000 } }),
  };
  const names = Object.keys(modes);
  for (let w = 0; w < 3; w++) for (const n of names) modes[n]();
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < REPS; r++) for (const n of names) times[n].push(time(modes[n]));
  rmSync(store, { recursive: true, force: true });
  rmSync(traces, { recursive: true, force: true });

  const ms = (n: string): number => median(times[n]);
  console.log('');
  console.log(`${label}: replay === optimization batch on every metric of all 200 sets (Object.is); ${trades} closed trades`);
  for (const n of names)
    console.log(`  ${n.padEnd(32)} ${ms(n).toFixed(2).padStart(9)} ms   [${Math.min(...times[n]).toFixed(2)}–${Math.max(...times[n]).toFixed(2)}]`);
  const replay = ms('replay batch, 200 sets');
  const gen = ms('generate the signal (once)');
  console.log(
    `  sweep via replay vs one optimization batch:  ${(ms('optimization batch, 200 sets') / replay).toFixed(2)}× faster (with the one-off generation: ${(ms('optimization batch, 200 sets') / (replay + gen)).toFixed(2)}×)`,
  );
  console.log(
    `  sweep via replay vs 200 separate backtests:  ${(ms('200 separate backtests') / replay).toFixed(2)}× faster (with generation: ${(ms('200 separate backtests') / (replay + gen)).toFixed(2)}×)`,
  );
  console.log(`  single backtest, tracing on / off:           ${(ms('backtest, tracing on') / ms('backtest, tracing off')).toFixed(2)}× the time`);
}

// ---------------------------------------------------------------------------------------------------
// A walk-forward workflow: optimization phase against generation + replay, end to end.

const WF_BASE = `name: bench_wf_replay
data: {synthetic: {bars: ${BARS}, symbols: [AAA, BBB], seed: 9}}
strategy:
  type: bollinger_reversion
  n: [20, 40]
  k: 2
  allow_short: true
  regime_filter: {type: trend_regime, fast: 20, slow: 100, threshold: 0.02, allow: [ranging]}
sequence: {type: walk_forward, train: 1000, test: 250}
results: {storage: memory, store_trades: false}
`;
const WF_SWEEP = `    risk: {sizing: [{percent_equity: 0.25}, {percent_equity: 0.5}, {percent_equity: 1.0}, {fixed: 50}, {fixed: 100}], stop_loss: [null, 0.02, 0.05, 0.1], trailing_stop: [null, 0.1]}
    broker: {commission: [{percent: 0.0005}, {percent: 0.001}, {percent: 0.002}, {per_share: 0.005}, {per_share: 0.01}]}
`;

async function workflowBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fanfold-bench-wf-'));
  const full = join(dir, 'full.yaml');
  const replay = join(dir, 'replay.yaml');
  writeFileSync(full, `${WF_BASE}phases:\n  - name: sweep\n${WF_SWEEP}`);
  writeFileSync(
    replay,
    `${WF_BASE}phases:\n  - {name: generate, topology: signal_generation}\n  - name: sweep\n    topology: signal_replay\n    depends_on: generate\n    inputs: {signals: generate}\n${WF_SWEEP}`,
  );
  let round = 0;
  // A fresh --out each time: the replay run generates its signals (a reused store would flatter it).
  const run = async (file: string) => (await runWorkflow(loadWorkflow(file), { out: join(dir, `out${round++}`), executor: 'pool' })).result.phases.at(-1)!;
  const { topology: _a, ...a } = await run(full);
  const { topology: _b, ...b } = await run(replay);
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    process.stderr.write('bench/replay: the walk-forward replay phase differs from the optimization phase\n');
    process.exit(2);
  }
  const times: Record<'optimization' | 'generation + replay', number[]> = { optimization: [], 'generation + replay': [] };
  const rounds = Math.max(3, Math.ceil(REPS / 3));
  for (let r = 0; r < rounds; r++) {
    for (const [name, file] of [
      ['optimization', full],
      ['generation + replay', replay],
    ] as const) {
      const t0 = performance.now();
      await run(file);
      times[name].push(performance.now() - t0);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  console.log('');
  console.log(
    `walk-forward workflow (pool, ${a.windows?.length ?? 0} windows × 400 risk/broker sets of the gated bollinger_reversion, ${a.trials} trials): replay phase JSON === optimization phase JSON; ${rounds} interleaved rounds`,
  );
  for (const [name, xs] of Object.entries(times))
    console.log(
      `  ${name.padEnd(32)} ${(median(xs) / 1000).toFixed(2).padStart(9)} s    [${(Math.min(...xs) / 1000).toFixed(2)}–${(Math.max(...xs) / 1000).toFixed(2)}]`,
    );
  console.log(`  generation + replay vs optimization:          ${(median(times.optimization) / median(times['generation + replay'])).toFixed(2)}× faster`);
}

if (!process.argv.includes('--skip-workflow')) await workflowBench();
