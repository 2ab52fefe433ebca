/**
 * Signal replay against full backtests, and tracing off against on.
 *
 *   node dist/bench/replay.js [--reps K]
 *
 * One process, every mode warmed first, then K rounds in which each mode runs once (interleaved, so
 * machine load hits every mode alike); figures are medians over the rounds.
 *  - sweep, per strategy (sma_crossover; a regime-gated bollinger_reversion), on 2 symbols × 5,000 bars
 *    × 200 risk/broker settings,
 *    (a) as one optimization batch (features once, the strategy once per set), (b) as 200 separate
 *    backtests, (c) replayed from the stored signal (plus the one-off generation, reported apart);
 *    replay and backtests are checked equal on every metric first.
 *  - tracing: one backtest with execution tracing off and on (every container, default max_events).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '../src/data/synthetic.js';
import type { BrokerSpec, ParameterSet, RiskSpec, Sizing, StrategySpec } from '../src/engine/spec.js';
import type { Metrics } from '../src/metrics/metrics.js';
import { generateSignals } from '../src/signals/generate.js';
import { runBacktest, runBatch } from '../src/topology/run.js';

const BARS = 5000;
const SCENARIOS: Record<string, StrategySpec> = {
  'sma_crossover(10, 50)': { type: 'sma_crossover', params: { fast: 10, slow: 50 }, regimeFilter: null },
  'bollinger_reversion(20, 2) gated by trend_regime(20, 100)': { type: 'bollinger_reversion', params: { n: 20, k: 2, allow_short: true }, regimeFilter: { type: 'trend_regime', params: { fast: 20, slow: 100, threshold: 0.02 }, allow: ['ranging'] } },
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
  const commissions: BrokerSpec['commission'][] = [null, { kind: 'percent', value: 0.0005 }, { kind: 'percent', value: 0.001 }, { kind: 'per_share', value: 0.005 }, { kind: 'fixed', value: 1 }];
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
console.log(`node ${process.version}, CPU ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores; ${REPS} interleaved rounds after 3 warm-up rounds, medians [min–max]`);

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
  for (const n of names) console.log(`  ${n.padEnd(32)} ${ms(n).toFixed(2).padStart(9)} ms   [${Math.min(...times[n]).toFixed(2)}–${Math.max(...times[n]).toFixed(2)}]`);
  const replay = ms('replay batch, 200 sets');
  const gen = ms('generate the signal (once)');
  console.log(`  sweep via replay vs one optimization batch:  ${(ms('optimization batch, 200 sets') / replay).toFixed(2)}× faster (with the one-off generation: ${(ms('optimization batch, 200 sets') / (replay + gen)).toFixed(2)}×)`);
  console.log(`  sweep via replay vs 200 separate backtests:  ${(ms('200 separate backtests') / replay).toFixed(2)}× faster (with generation: ${(ms('200 separate backtests') / (replay + gen)).toFixed(2)}×)`);
  console.log(`  single backtest, tracing on / off:           ${(ms('backtest, tracing on') / ms('backtest, tracing off')).toFixed(2)}× the time`);
}
