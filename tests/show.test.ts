import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli as cliIn } from './support/cli.js';
import { loadWorkflow } from '../src/config/workflow.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';
import { loadMarketData } from '../src/data/load.js';
import { showTrial } from '../src/show/index.js';
import { runBacktest } from '../src/topology/run-sets.js';
import type { ParameterSet, Trade } from '../src/types.js';

const TTRC = join(import.meta.dirname, '..', '..', 'shared', 'data', 'ttrc.csv');
const root = mkdtempSync(join(tmpdir(), 'fanfold-show-'));
// `fanfold show` through the compiled CLI (built by `npm test`'s pretest), on runs it makes of real data.
const cli = (args: string[]): ReturnType<typeof cliIn> => cliIn(args, root);

interface RunJsonOut {
  results_dir: string;
  phases: {
    best: { params: Record<string, unknown>; metrics: Record<string, number | null> };
    runs?: { params: Record<string, unknown>; metrics: Record<string, number | null>; trades?: Trade[] }[];
    windows?: { train: [number, number]; test: [number, number]; best: { params: Record<string, unknown> }; test_metrics: Record<string, number | null> }[];
  }[];
}

interface ShowJson {
  label: string;
  window: { index: number; of: number; part: string | null; segment: number; segments: number; bars: [number, number] };
  trial: number;
  trial_key: string;
  params: Record<string, unknown>;
  set: ParameterSet;
  metrics: Record<string, number | null>;
  match: boolean;
  differences: { what: string; stored: unknown; recomputed: unknown }[];
  trades_stored: boolean;
  trades: Trade[];
  equity_summary: { start: { equity: number }; end: { equity: number }; max_drawdown: { value: number; peak: string | null; trough: string | null } };
  equity: { time: string; equity: number }[];
}

/** A copy of ttrc.csv of its own (the data-changed test edits it) and a config reading it. */
function setUp(name: string, body: string): { data: string; config: string } {
  const data = join(root, `${name}.csv`);
  copyFileSync(TTRC, data);
  const config = join(root, `${name}.yaml`);
  writeFileSync(config, `name: ${name}\ndata: {path: ${data}, symbol: TTRC}\ncapital: 50000\n${body}`);
  return { data, config };
}

function runOf(config: string, extra: string[] = []): RunJsonOut {
  const r = cli(['run', config, '--json', '--quiet', '--out', join(root, 'runs'), ...extra]);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as RunJsonOut;
}

function show(args: string[]): ShowJson {
  const r = cli(['show', ...args, '--json']);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as ShowJson;
}

const SWEEP = `strategy: {type: sma_crossover, fast: [5, 10, 20], slow: [50, 100]}
broker: {fill: next_open, commission: {percent: 0.001}}
search: {objective: sharpe, min_trades: 5}
results: {storage: memory, store_trades: true}
`;

describe('fanfold show on a sweep', () => {
  const { data, config } = setUp('show_sweep', SWEEP);
  let dir = '';
  let phase: RunJsonOut['phases'][number];
  beforeAll(() => {
    const run = runOf(config);
    dir = run.results_dir;
    phase = run.phases[0];
  });

  it('reproduces every trial: metrics and trades equal what the run stored and what the event-driven backtest computes', async () => {
    const market = await loadMarketData({ path: data, symbol: 'TTRC' }, '/');
    expect(phase.runs).toHaveLength(6);
    for (let trial = 0; trial < 6; trial++) {
      const s = show([dir, '--trial', String(trial)]);
      expect(s.match).toBe(true);
      expect(s.differences).toEqual([]);
      expect(s.trades_stored).toBe(true);
      // Grid order: fast varies slowest (5, 5, 10, 10, 20, 20), slow fastest (50, 100, …).
      expect(s.params).toEqual({ 'strategy.fast': [5, 10, 20][trial >> 1], 'strategy.slow': [50, 100][trial & 1] });
      // What the run printed (read back from the store) and a second engine (the event-driven topology, not the batch kernel).
      expect(s.metrics).toEqual(phase.runs![trial].metrics);
      expect(s.trades).toEqual(phase.runs![trial].trades);
      const reference = runBacktest(market, s.set, { storeTrades: true });
      expect(s.trades).toEqual(reference.trades);
      expect(s.metrics.sharpe).toBe(reference.metrics.sharpe);
      expect(s.window).toEqual({
        index: 1,
        of: 1,
        part: null,
        segment: 1,
        segments: 1,
        bars: [0, 5550],
        dates: ['1985-01-02T00:00:00.000Z', '2006-12-29T00:00:00.000Z'],
      });
      expect(s.equity).toHaveLength(5550);
      // Two paths to one number: the drawdown of the printed curve and the streaming metric.
      expect(Object.is(s.equity_summary.max_drawdown.value, s.metrics.max_drawdown)).toBe(true);
      expect(s.equity_summary.end.equity).toBe(s.metrics.final_equity);
    }
  });

  it('--best is the trial the run chose (eligible, best sharpe)', () => {
    const s = show([dir, '--best']);
    expect(s.params).toEqual(phase.best.params);
    expect(s.metrics).toEqual(phase.best.metrics);
    const sharpes = phase.runs!.filter((r) => (r.metrics.trades ?? 0) >= 5).map((r) => r.metrics.sharpe as number);
    expect(s.metrics.sharpe).toBe(Math.max(...sharpes));
  });

  it('prints text: the window, parameters, the trades table and the verdict', () => {
    const r = cli(['show', dir, '--trial', '3']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('  params   strategy.fast=10 · strategy.slow=100\n');
    expect(r.stdout).toContain('  window   1/1 · bars 0–5550 (1985-01-02 → 2006-12-29)\n');
    expect(r.stdout).toMatch(/ {2}match {4}the trial key, 12 stored metrics and \d+ stored trades equal the recomputed ones bit for bit\n$/);
    expect(r.stdout).toMatch(/\n {4} ?# +symbol +side +qty +entry +price +exit +price +commission +pnl\n {4} ?1 +TTRC +long /);
  });

  it('--csv writes trades, equity and metrics whose numbers read back to the JSON values', () => {
    const s = show([dir, '--trial', '2']);
    const out = join(root, 'csv-2');
    const r = cli(['show', dir, '--trial', '2', '--csv', out]);
    expect(r.status, r.stderr).toBe(0);
    const lines = (name: string): string[][] =>
      readFileSync(join(out, name), 'utf8')
        .split('\n')
        .slice(0, -1)
        .map((l) => l.split(','));
    const trades = lines('trades.csv');
    expect(trades[0]).toEqual(['symbol', 'side', 'qty', 'entry_time', 'entry_price', 'exit_time', 'exit_price', 'commission', 'pnl']);
    expect(trades).toHaveLength(s.trades.length + 1);
    trades.slice(1).forEach((row, i) => {
      expect(row[3]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(row[3]).toBe(s.trades[i].entry_time);
      expect(Number(row[8])).toBe(s.trades[i].pnl);
      expect(Number(row[4])).toBe(s.trades[i].entry_price);
    });
    const equity = lines('equity.csv');
    expect(equity[0]).toEqual(['time', 'equity']);
    expect(equity[1]).toEqual(['1985-01-02T00:00:00.000Z', '50000']);
    expect(equity.slice(1).map((e) => Number(e[1]))).toEqual(s.equity.map((e) => e.equity));
    const metrics = lines('metrics.csv');
    expect(metrics[0]).toEqual(['metric', 'value']);
    for (const [name, value] of metrics.slice(1)) expect(value === '' ? null : Number(value)).toBe(s.metrics[name]);
  });

  it('a stored metric changed by one unit in the last place is a mismatch naming it: exit 1', () => {
    const db = new Database(join(dir, 'results.db'));
    const { sharpe } = db.prepare('SELECT sharpe FROM trials WHERE trial = 4').get() as { sharpe: number };
    const bits = new Float64Array([sharpe]);
    new BigInt64Array(bits.buffer)[0] += 1n;
    db.prepare('UPDATE trials SET sharpe = ? WHERE trial = 4').run(bits[0]);
    db.close();
    const r = cli(['show', dir, '--trial', '4', '--json']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `error: show: trial 4 of phase show_sweep does not reproduce what the run stored: sharpe (stored ${bits[0]}, recomputed ${sharpe})\n`,
    );
    const s = JSON.parse(r.stdout) as ShowJson;
    expect(s.match).toBe(false);
    expect(s.differences).toEqual([{ what: 'sharpe', stored: bits[0], recomputed: sharpe }]);
    const text = cli(['show', dir, '--trial', '4']);
    expect(text.status).toBe(1);
    expect(text.stdout).toContain(`  MISMATCH 1 stored value differs from the recomputed one:\n    sharpe: stored ${bits[0]} · recomputed ${sharpe}`);
  });

  it('a stored trade changed is a mismatch naming the trade and field: exit 1', () => {
    const db = new Database(join(dir, 'results.db'), { readonly: true });
    const { trades_file } = db.prepare('SELECT trades_file FROM trials WHERE trial = 5').get() as { trades_file: string };
    db.close();
    const packr = new Packr({ moreTypes: true, useRecords: false });
    const file = join(dir, trades_file);
    const trades = packr.unpack(readFileSync(file)) as Trade[];
    const pnl = trades[1].pnl;
    trades[1].pnl = pnl + 0.01;
    writeFileSync(file, packr.pack(trades));
    const r = cli(['show', dir, '--trial', '5', '--json']);
    expect(r.status).toBe(1);
    expect((JSON.parse(r.stdout) as ShowJson).differences).toEqual([{ what: 'trades[1].pnl', stored: pnl + 0.01, recomputed: pnl }]);
  });

  it('user errors are one line, exit 2', () => {
    const cases: [string[], string][] = [
      [[dir], 'error: show: give --trial N or --best (one of them)\n'],
      [[dir, '--trial', '1', '--best'], 'error: show: give --trial N or --best (one of them)\n'],
      [[root, '--best'], `error: show: ${root} is not a run directory (no run.json)\n`],
      [[dir, '--best', '--phase', 'nope'], 'error: show: --phase nope: this run has no such phase (phases: show_sweep; stored stages: show_sweep)\n'],
      [
        [dir, '--trial', '6'],
        'error: show: trial 6 is not stored on the train part of window 1/1 of phase show_sweep (single_pass), bars 0–5550 (1985-01-02 → 2006-12-29): 6 trials are (numbers 0–5)\n',
      ],
      [[dir, '--trial', '1', '--window', '2'], 'error: show: --window 2: phase show_sweep (single_pass) has one window\n'],
      [[dir, '--trial', '1', '--test'], 'error: show: --test: phase show_sweep (single_pass) runs no test windows\n'],
    ];
    for (const [args, message] of cases) {
      const r = cli(['show', ...args]);
      expect([r.status, r.stderr]).toEqual([2, message]);
    }
  });

  it('data changed since the run: exit 2 naming the file', () => {
    const text = readFileSync(data, 'utf8').split('\n');
    // One close of one bar, nudged by a cent (the row stays valid).
    const cells = text[100].split(',');
    cells[4] = (Number(cells[4]) + 0.01).toFixed(2);
    text[100] = cells.join(',');
    writeFileSync(data, text.join('\n'));
    const r = cli(['show', dir, '--best']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `^error: show: the data changed since the run: ${data.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} now hashes to [0-9a-f]{12}…, the run used [0-9a-f]{12}…\n$`,
      ),
    );
  });
});

describe('fanfold show on a walk-forward run (pool executor; show recomputes inline)', () => {
  const { config } = setUp(
    'show_wf',
    `strategy: {type: ema_crossover, fast: [5, 10], slow: [30, 60]}
risk: {stop_loss: [null, 0.05]}
broker: {fill: next_open, commission: {percent: 0.001}}
search: {objective: sharpe}
sequence: {type: walk_forward, train: 1000, test: 500}
results: {storage: disk, store_trades: true}
`,
  );
  let dir = '';
  let windows: NonNullable<RunJsonOut['phases'][number]['windows']> = [];
  beforeAll(() => {
    const run = runOf(config, ['--executor', 'pool', '--workers', '2']);
    dir = run.results_dir;
    windows = run.phases[0].windows!;
  });

  it('--best and --best --test of every window are the window chosen set and its test run', () => {
    // (5550 − 1000) / 500 = 9.1: nine windows.
    expect(windows).toHaveLength(9);
    for (const k of [1, 5, 9]) {
      const w = windows[k - 1];
      const train = show([dir, '--best', '--window', String(k)]);
      expect(train.window).toMatchObject({ index: k, of: 9, part: 'train', segment: 1, segments: 1, bars: w.train });
      expect(train.params).toEqual(w.best.params);
      expect(train.match).toBe(true);
      expect(train.trades_stored).toBe(true);
      const test = show([dir, '--best', '--window', String(k), '--test']);
      expect(test.window).toMatchObject({ index: k, of: 9, part: 'test', segment: 1, segments: 1, bars: w.test });
      expect(test.trial).toBe(train.trial);
      expect(test.metrics).toEqual(w.test_metrics);
      expect(test.match).toBe(true);
      expect(test.equity).toHaveLength(500);
    }
  });

  it('without --window: the last window; any trial of a train window', () => {
    expect(show([dir, '--best']).window.index).toBe(9);
    const s = show([dir, '--trial', '6', '--window', '3']);
    expect(s.params).toEqual({ 'strategy.fast': 10, 'strategy.slow': 60, 'risk.stop_loss': null });
    expect(s.window.bars).toEqual([1000, 2000]);
    expect(s.match).toBe(true);
  });

  it('a window out of range, or a trial that did not run on a test window: exit 2', () => {
    const out = cli(['show', dir, '--best', '--window', '10']);
    expect([out.status, out.stderr]).toEqual([2, 'error: show: --window 10: phase show_wf (walk_forward) has windows 1–9\n']);
    const chosen = show([dir, '--best', '--window', '1']).trial;
    const other = chosen === 0 ? 1 : 0;
    const r = cli(['show', dir, '--trial', String(other), '--window', '1', '--test']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`error: show: trial ${other} is not stored on the test part of window 1/9 of phase show_wf (walk_forward), bars 1000–1500 (`);
    expect(r.stderr).toContain(`: only trial ${chosen} is\n`);
  });
});

describe('showTrial on k_fold and cpcv (train parts of several segments, combined as the workers combine them)', () => {
  const yaml = (name: string, sequence: string): string => `name: ${name}
data: {synthetic: {bars: 3000, seed: 11}}
capital: 100000
strategy: {type: sma_crossover, fast: "range(5, 25, 5)", slow: "range(30, 120, 30)"}
search: {objective: sharpe, constraints: ["strategy.fast < strategy.slow"], min_trades: 3}
sequence: ${sequence}
results: {storage: disk}
`;
  interface Split {
    best: { params: Record<string, unknown> };
    train_segments: [number, number][];
    test_metrics: Record<string, number | null> | Record<string, number | null>[];
  }
  async function runPhase(name: string, sequence: string): Promise<{ dir: string; splits: Split[] }> {
    const file = join(root, `${name}.yaml`);
    writeFileSync(file, yaml(name, sequence));
    const { result } = await runWorkflow(loadWorkflow(file), { out: join(root, 'runs'), executor: 'inline' });
    const phase = result.phases[0];
    const kFold = phase.k_fold as { folds: Split[] } | undefined;
    return { dir: result.results_dir, splits: kFold?.folds ?? (phase.cpcv as { splits: Split[] }).splits };
  }

  it('k_fold: every fold --best is its chosen set; its test run reproduces the fold test metrics', async () => {
    const { dir, splits } = await runPhase('show_kfold', '{type: k_fold, folds: 4, purge: 20, embargo: 20}');
    expect(splits.map((f) => f.train_segments.length)).toEqual([1, 2, 2, 1]);
    for (let k = 1; k <= 4; k++) {
      const test = await showTrial(dir, undefined, { best: true, window: k, test: true });
      expect(test.params).toEqual(splits[k - 1].best.params);
      expect(test.metrics).toEqual(splits[k - 1].test_metrics);
      expect(test.differences).toEqual([]);
    }
    // Fold 2's train part: bars [0, 730) and [1520, 3000) (folds of 750 bars, 20 purged and embargoed).
    await expect(showTrial(dir, undefined, { best: true, window: 2, test: false })).rejects.toThrow(
      /^show: the train part of window 2 of phase show_kfold \(k_fold\) has 2 segments: 1: bars 0–730 \(.*\); 2: bars 1520–3000 \(.*\); choose one with --segment$/,
    );
    const second = await showTrial(dir, undefined, { best: true, window: 2, test: false, segment: 2 });
    expect(second.target.bars).toEqual({ start: 1520, end: 3000 });
    expect(second.params).toEqual(splits[1].best.params);
    expect(second.differences).toEqual([]);
  });

  it('cpcv: every split and test group', async () => {
    const { dir, splits } = await runPhase('show_cpcv', '{type: cpcv, groups: 4, test_groups: 2, purge: 10, embargo: 10}');
    expect(splits).toHaveLength(6);
    for (let k = 1; k <= 6; k++) {
      const metrics = splits[k - 1].test_metrics as Record<string, number | null>[];
      for (let g = 1; g <= 2; g++) {
        const test = await showTrial(dir, undefined, { best: true, window: k, test: true, segment: g });
        expect(test.params).toEqual(splits[k - 1].best.params);
        expect(test.metrics).toEqual(metrics[g - 1]);
        expect(test.differences).toEqual([]);
      }
    }
  });
});
