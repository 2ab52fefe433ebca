/**
 * Engine throughput against a hand-written loop (DESIGN.md section 5 semantics, same bits).
 *
 *   node dist/bench/engine.js [--runs K]
 *
 * The parent spawns K fresh child processes one after another so each measurement starts from a cold,
 * unshared heap and JIT state (one process timing everything would let an earlier mode's garbage and
 * deoptimisations leak into the next), then reports medians across children.
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { generateSynthetic } from '../src/data/synthetic.js';
import { inferPeriodsPerYear } from '../src/data/load.js';
import type { MarketData } from '../src/data/series.js';
import type { ParameterSet, Metrics } from '../src/types.js';
import { runBacktest, runBatch } from '../src/topology/run-sets.js';
import { baselineSmaCrossover, type BaselineSpec } from './baseline.js';

const BARS = 20_000;
const SEED = 11;
const CAPITAL = 100_000;
const COMMISSION = 0.001;
const SINGLE = { fast: 10, slow: 50 } as const;
const MIN_TIMED_MS = 300;
const MIN_TIMED_REPS = 5;
const MIN_WARM_MS = 150;
const MIN_WARM_REPS = 5;

const MODES = ['baseline', 'backtest', 'optimization', 'baseline100'] as const;
type Mode = (typeof MODES)[number];

interface ModeTiming {
  readonly medianMs: number;
  readonly bestMs: number;
  readonly reps: number;
}

interface ChildReport {
  readonly bars: number;
  readonly sets: number;
  readonly finalEquity: number;
  readonly trades: number;
  readonly modes: Record<Mode, ModeTiming>;
  readonly sink: number;
}

function smaSet(fast: number, slow: number): ParameterSet {
  return {
    capital: CAPITAL,
    strategy: { type: 'sma_crossover', params: { fast, slow }, regimeFilter: null },
    risk: { sizing: { kind: 'percent_equity', value: 1 }, stopLoss: null, takeProfit: null, trailingStop: null },
    broker: { fill: 'next_open', commission: { kind: 'percent', value: COMMISSION }, slippage: null },
  };
}

function gridPairs(): { fast: number; slow: number }[] {
  const pairs: { fast: number; slow: number }[] = [];
  for (let fast = 5; fast <= 50; fast += 5) for (let slow = 60; slow <= 240; slow += 20) pairs.push({ fast, slow });
  return pairs;
}

function loadData(): MarketData {
  return generateSynthetic({ bars: BARS, symbols: ['SYN'], seed: SEED });
}

/** Names the metrics that differ (Object.is: NaN equals NaN, and 0 and −0 differ, as bits would). */
function differences(a: Metrics, b: Metrics): string[] {
  return (Object.keys(a) as (keyof Metrics)[]).filter((k) => !Object.is(a[k], b[k])).map((k) => `${k}: engine ${a[k]} vs baseline ${b[k]}`);
}

function fail(message: string): never {
  process.stderr.write(`bench/engine: ${message}\n`);
  process.exit(2);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Runs `fn` until both the time and the repetition floor are met; each repetition is timed on its own. */
function repeat(fn: () => number, minMs: number, minReps: number): { times: number[]; sink: number } {
  const times: number[] = [];
  let sink = 0;
  let total = 0;
  while (total < minMs || times.length < minReps) {
    const t0 = process.hrtime.bigint();
    sink += fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    times.push(ms);
    total += ms;
  }
  return { times, sink };
}

function child(): void {
  const data = loadData();
  const bars = data.time.length;
  const { open, close } = data.symbols[0];
  const periodsPerYear = inferPeriodsPerYear(data.time);
  const baselineSpec = (fast: number, slow: number): BaselineSpec => ({ fast, slow, capital: CAPITAL, commission: COMMISSION, periodsPerYear });
  const single = smaSet(SINGLE.fast, SINGLE.slow);
  const singleSpec = baselineSpec(SINGLE.fast, SINGLE.slow);
  const pairs = gridPairs();
  const sets = pairs.map((p) => smaSet(p.fast, p.slow));
  const specs = pairs.map((p) => baselineSpec(p.fast, p.slow));

  // The baseline is only a fair yardstick if it computes what the engine computes: check every metric,
  // not just the two the targets depend on, for the single set and all 100 sets of the batch.
  const engine = runBacktest(data, single).metrics;
  const hand = baselineSmaCrossover(open, close, singleSpec);
  if (engine.final_equity !== hand.final_equity || engine.trades !== hand.trades) {
    fail(
      `baseline does not reproduce runBacktest for sma_crossover(${SINGLE.fast}, ${SINGLE.slow}): final_equity engine ${engine.final_equity} vs baseline ${hand.final_equity}, trades engine ${engine.trades} vs baseline ${hand.trades}`,
    );
  }
  const singleDiff = differences(engine, hand);
  if (singleDiff.length > 0) fail(`baseline metrics differ from runBacktest: ${singleDiff.join('; ')}`);
  if (engine.trades === 0) fail('the single set makes no trades: the fill and sizing paths would go untimed');
  const batch = runBatch(data, sets);
  for (let i = 0; i < sets.length; i++) {
    const diff = differences(batch[i].metrics, baselineSmaCrossover(open, close, specs[i]));
    if (diff.length > 0) fail(`baseline differs from runBatch for sma_crossover(${pairs[i].fast}, ${pairs[i].slow}): ${diff.join('; ')}`);
  }

  const run: Record<Mode, () => number> = {
    baseline: () => baselineSmaCrossover(open, close, singleSpec).final_equity,
    backtest: () => runBacktest(data, single).metrics.final_equity,
    optimization: () => {
      let s = 0;
      for (const r of runBatch(data, sets)) s += r.metrics.final_equity;
      return s;
    },
    baseline100: () => {
      let s = 0;
      for (const spec of specs) s += baselineSmaCrossover(open, close, spec).final_equity;
      return s;
    },
  };

  // Warm every mode before timing any: the engine's shared code (bus, portfolio, hub) sees both the
  // one-set and the 100-set shapes, so timing a mode before the others ran would miss the
  // deoptimisations the later shapes cause.
  let sink = 0;
  for (const mode of MODES) sink += repeat(run[mode], MIN_WARM_MS, MIN_WARM_REPS).sink;
  const modes = {} as Record<Mode, ModeTiming>;
  for (const mode of MODES) {
    const r = repeat(run[mode], MIN_TIMED_MS, MIN_TIMED_REPS);
    sink += r.sink;
    modes[mode] = { medianMs: median(r.times), bestMs: Math.min(...r.times), reps: r.times.length };
  }
  const report: ChildReport = { bars, sets: sets.length, finalEquity: engine.final_equity, trades: engine.trades, modes, sink };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function parseRuns(argv: readonly string[]): number {
  const i = argv.indexOf('--runs');
  if (i < 0) return 5;
  const k = Number(argv[i + 1]);
  if (!Number.isInteger(k) || k < 1) fail(`--runs needs a positive integer, got ${argv[i + 1]}`);
  return k;
}

const fmtRate = (perSecond: number): string => `${(perSecond / 1e6).toFixed(2)} M`;
const fmtRatio = (r: number): string => `${r.toFixed(3)}×`;

function parent(runs: number): void {
  const script = fileURLToPath(import.meta.url);
  const reports: ChildReport[] = [];
  const started = Date.now();
  for (let k = 0; k < runs; k++) {
    const r = spawnSync(process.execPath, [script, '--child'], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) {
      process.stderr.write(r.stderr);
      fail(`child ${k + 1}/${runs} exited with ${r.status ?? r.signal}`);
    }
    const line = r.stdout.trim().split('\n').at(-1) ?? '';
    reports.push(JSON.parse(line) as ChildReport);
  }
  const seconds = (Date.now() - started) / 1000;
  const first = reports[0];
  const bars = first.bars;

  // Rates from each child's median repetition; set-bars count one bar of one parameter set.
  const work: Record<Mode, number> = { baseline: bars, backtest: bars, optimization: bars * first.sets, baseline100: bars * first.sets };
  const rates = (mode: Mode): number[] => reports.map((r) => (work[mode] / r.modes[mode].medianMs) * 1000);
  const base = median(rates('baseline'));
  const perChildRatio = (mode: Mode): number[] => reports.map((r) => (r.modes.baseline.medianMs / r.modes[mode].medianMs) * (work[mode] / bars));

  const cpu = cpus();
  console.log('fanfold engine benchmark: sma_crossover, percent_equity 1.0, percent commission 0.001, next_open fills');
  console.log(`data: generateSynthetic({ bars: ${BARS}, symbols: ['SYN'], seed: ${SEED} }) → ${bars} bars`);
  console.log(`node ${process.version}, CPU ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores`);
  console.log(
    `${runs} child processes, each: all modes warmed (≥${MIN_WARM_MS} ms and ≥${MIN_WARM_REPS} reps each), then each mode timed ≥${MIN_TIMED_MS} ms and ≥${MIN_TIMED_REPS} reps, median rep; below: median across children [min–max]`,
  );
  console.log(
    `check: baseline === runBacktest on every metric (final_equity ${first.finalEquity}, trades ${first.trades}) and on all ${first.sets} sets of runBatch`,
  );
  console.log('');
  const rows: [string, Mode, string, number | null][] = [
    [`baseline loop, 1 set (fast ${SINGLE.fast}, slow ${SINGLE.slow})`, 'baseline', 'bars/s', null],
    [`backtest topology, 1 set (runBacktest)`, 'backtest', 'bars/s', 0.25],
    [`optimization topology, ${first.sets} sets (runBatch)`, 'optimization', 'set-bars/s', 1],
    [`baseline loop ×${first.sets} separate runs`, 'baseline100', 'set-bars/s', null],
  ];
  for (const [label, mode, unit, target] of rows) {
    const rs = rates(mode);
    const m = median(rs);
    const ratios = perChildRatio(mode);
    const ratio = m / base;
    const verdict = target === null ? '' : `  target ≥ ${fmtRatio(target)} ${ratio >= target ? 'PASS' : 'MISS'}`;
    const reps = reports.map((r) => r.modes[mode].reps);
    console.log(
      `${label.padEnd(46)} ${fmtRate(m).padStart(9)} ${unit.padEnd(10)} ${`[${fmtRate(Math.min(...rs))}–${fmtRate(Math.max(...rs))}]`.padEnd(20)}` +
        `  ${fmtRatio(ratio).padStart(7)} of baseline [${fmtRatio(Math.min(...ratios))}–${fmtRatio(Math.max(...ratios))}]` +
        `  (${Math.min(...reps)}–${Math.max(...reps)} reps)${verdict}`,
    );
  }
  console.log('');
  console.log(`total ${seconds.toFixed(1)} s`);
}

if (process.argv.includes('--child')) child();
else parent(parseRuns(process.argv));
