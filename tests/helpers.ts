import Database from 'better-sqlite3';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alignSeries } from '../src/data/align.js';
import type { MarketData } from '../src/data/series.js';
import type { BrokerSpec, ParameterSet, RiskSpec, StrategySpec } from '../src/types.js';

const DAY = 86_400_000;

/** Hand-made bars for one symbol: each row [open, high, low, close] (volume 1000), daily from 2020-01-01. */
export function bars(rows: readonly (readonly [number, number, number, number])[], symbol = 'T', start = Date.UTC(2020, 0, 1)): MarketData {
  return marketOf([{ symbol, rows, start }]);
}

/** Several symbols; each may start on a different day (its rows are consecutive days from `start`). */
export function marketOf(list: readonly { symbol: string; rows: readonly (readonly [number, number, number, number])[]; start?: number }[]): MarketData {
  return alignSeries(
    list.map(({ symbol, rows, start = Date.UTC(2020, 0, 1) }) => ({
      symbol,
      time: Float64Array.from(rows, (_, i) => start + i * DAY),
      open: Float64Array.from(rows, (r) => r[0]),
      high: Float64Array.from(rows, (r) => r[1]),
      low: Float64Array.from(rows, (r) => r[2]),
      close: Float64Array.from(rows, (r) => r[3]),
      volume: Float64Array.from(rows, () => 1000),
    })),
    'test',
  );
}

/** Bars whose open = high = low = close = each given price. */
export function closes(prices: readonly number[], symbol = 'T'): MarketData {
  return bars(
    prices.map((p) => [p, p, p, p] as const),
    symbol,
  );
}

export interface SetOverrides {
  capital?: number;
  strategy?: Partial<StrategySpec>;
  risk?: Partial<RiskSpec>;
  broker?: Partial<BrokerSpec>;
}

/** A parameter set with no costs, all-in percent_equity sizing and next-open fills unless overridden. */
export function makeSet(type: string, params: StrategySpec['params'] = {}, o: SetOverrides = {}): ParameterSet {
  return {
    capital: o.capital ?? 100_000,
    strategy: { type, params, regimeFilter: null, ...o.strategy },
    risk: { sizing: { kind: 'percent_equity', value: 1 }, stopLoss: null, takeProfit: null, trailingStop: null, ...o.risk },
    broker: { fill: 'next_open', commission: null, slippage: null, ...o.broker },
  };
}

/** Writes `text` as `dir/name` and returns the path. */
export function writeIn(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/**
 * A two-phase workflow (a 32-set sweep, then a train_test holdout of 16 sets) with trades kept:
 * the workflow every executor is checked against inline with.
 */
export function writeTwoPhaseSweep(dir: string, name: string): string {
  return writeIn(
    dir,
    `${name}.yaml`,
    `name: ${name}
data: {synthetic: {bars: 1500, symbols: [A, B], seed: 21}}
strategy:
  type: ema_crossover
  fast: range(4, 16, 4)
  slow: [30, 60]
  trigger: [cross, level]
risk: {sizing: {percent_equity: 0.5}, stop_loss: [null, 0.08]}
broker: {commission: {percent: 0.001}}
results: {store_trades: true}
phases:
  - {name: sweep}
  - name: holdout
    sequence: {type: train_test, split: 0.6}
    depends_on: sweep
    strategy: {fast: [4, 12]}
`,
  );
}

/**
 * YAML `phases:` with a signal_generation phase `generate` and a signal_replay phase `replay` of its
 * signals; `replay` holds the replay phase's own keys (indented four spaces, newline-terminated).
 */
export function generateAndReplay(replay: string): string {
  return `phases:
  - name: generate
    topology: signal_generation
  - name: replay
    topology: signal_replay
    depends_on: generate
    inputs: {signals: generate}
${replay}`;
}

/** Rows in a run directory's results.db so far (0 while it or its table does not exist yet). */
export function countRows(dir: string): number {
  if (!existsSync(join(dir, 'results.db'))) return 0;
  try {
    const db = new Database(join(dir, 'results.db'), { readonly: true, fileMustExist: true });
    const n = (db.prepare('SELECT count(*) AS n FROM trials').get() as { n: number }).n;
    db.close();
    return n;
  } catch {
    return 0; // the table may not exist yet
  }
}
