import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unpack } from 'msgpackr';
import { beforeAll, describe, expect, it } from 'vitest';
import { openWorkflow } from '../src/coordinator/open.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';
import type { PhaseJson, ResultJson } from '../src/contract.js';
import { exportRun, type ExportResult, type TableName } from '../src/export/index.js';
import type { CpcvSummary, KFoldSummary, WalkForwardSummary } from '../src/sequencer/phase-result.js';
import { METRIC_NAMES, type Trade } from '../src/types.js';
import { expectSameTable, num, readCsv, readParquetFile, type CsvRecord } from './export-helpers.js';
import { writeIn, writeTwoPhaseSweep } from './helpers.js';
import { queryDb, root, runFixture } from './report-helpers.js';

const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'fanfold-export-'));
const TIMESTAMP = 'Timestamp<MILLISECOND, UTC>';

interface TrialDbRow extends Record<string, unknown> {
  phase: string;
  trial: number;
  trial_key: string;
  window_start: number;
  window_end: number;
  status: string;
  error: string | null;
  params: string;
  trades_file: string | null;
}

/** The run's rows straight from results.db, in the export's order (window, then grid index). */
function dbTrials(dir: string, stage: string): TrialDbRow[] {
  return queryDb<TrialDbRow>(dir, 'SELECT * FROM trials WHERE phase = ? ORDER BY window_start, window_end, trial', stage);
}

/** Every exported trial row holds its results.db row: key, window, status, error, each parameter and each metric. */
function expectTrialsOf(records: readonly CsvRecord[], rows: readonly TrialDbRow[], phase: string, param: (text: string, name: string) => unknown): void {
  expect(records.length).toBe(rows.length);
  rows.forEach((row, i) => {
    const rec = records[i];
    expect([rec.phase, rec.stage, rec.trial, rec.trial_key, rec.window_start, rec.window_end, rec.status, rec.error]).toEqual([
      phase,
      row.phase,
      String(row.trial),
      row.trial_key,
      String(row.window_start),
      String(row.window_end),
      row.status,
      row.error ?? '',
    ]);
    for (const [name, value] of Object.entries(JSON.parse(row.params) as Record<string, unknown>)) expect(param(rec[name], name)).toEqual(value);
    for (const m of METRIC_NAMES) expect(num(rec[m])).toBe(row[m]);
  });
}

const METRIC_HEADER = [...METRIC_NAMES];
const TRIAL_HEADER = ['phase', 'stage', 'trial', 'trial_key', 'window_start', 'window_end', 'window_start_time', 'window_end_time', 'status', 'error'];
const metricTypes = (prefix = ''): Record<string, string> =>
  Object.fromEntries(METRIC_NAMES.map((m) => [`${prefix}${m}`, m === 'trades' ? 'Int32' : 'Float64']));

function exportedFile(result: ExportResult, table: TableName, phase?: string): string {
  const line = result.lines.find((l) => l.kind === 'written' && l.table === table && (phase === undefined || l.phase === phase));
  if (line?.kind !== 'written') throw new Error(`no ${table} file written`);
  return line.file;
}

describe('export of a walk-forward run (disk storage, trades kept)', () => {
  let dir: string;
  let result: ResultJson;
  let phase: PhaseJson;
  let csv: ExportResult;
  let pq: ExportResult;
  beforeAll(async () => {
    ({ dir, result } = await runFixture('walk_forward', join(tmp, 'wf')));
    phase = result.phases[0];
    csv = await exportRun(dir);
    pq = await exportRun(dir, { format: 'parquet', out: join(tmp, 'wf-parquet') });
  });

  it('writes one CSV per table into <run dir>/export and says how many rows each holds', () => {
    expect(csv.out).toBe(join(dir, 'export'));
    expect(csv.lines.map((l) => (l.kind === 'written' ? [l.table, l.file] : l.kind))).toEqual(
      (['trials', 'trades', 'equity', 'windows'] as const).map((t) => [t, join(dir, 'export', `${t}.csv`)]),
    );
    for (const l of csv.lines) if (l.kind === 'written') expect(readCsv(l.file).records.length).toBe(l.rows);
  });

  it('trials.csv: every row of results.db trials — train and test runs — with its parameters and metrics, value for value', () => {
    const { header, records } = readCsv(exportedFile(csv, 'trials'));
    expect(header).toEqual([...TRIAL_HEADER, 'strategy.fast', 'strategy.slow', 'risk.stop_loss', ...METRIC_HEADER]);
    // 19 windows × 12 sets searched, and each window's chosen set run on its test bars.
    expect(records.length).toBe(19 * 12 + 19);
    expectTrialsOf(records, dbTrials(dir, phase.name), phase.name, (text) => num(text));
  });

  it("a trial's window times are its first and last bar's, as the sequencer dated the windows", () => {
    const { records } = readCsv(exportedFile(csv, 'trials'));
    const day = (iso: string): string => iso.slice(0, 10);
    for (const w of phase.windows!) {
      const train = records.filter((r) => r.window_start === String(w.train[0]) && r.window_end === String(w.train[1]));
      const test = records.filter((r) => r.window_start === String(w.test[0]) && r.window_end === String(w.test[1]));
      expect(train.length).toBe(12);
      expect(test.length).toBe(1);
      for (const r of train) expect([day(r.window_start_time), day(r.window_end_time)]).toEqual(w.train_dates);
      for (const r of test) expect([day(r.window_start_time), day(r.window_end_time)]).toEqual(w.test_dates);
    }
    // Bar 0 is the data's first bar (run.json data.first), to the millisecond.
    expect(records[0].window_start_time).toBe('2000-01-03T00:00:00.000Z');
  });

  it('trades.csv: every trade of every stored trades file, trial by trial, in stored order', () => {
    const { records } = readCsv(exportedFile(csv, 'trades'));
    const expected = dbTrials(dir, phase.name)
      .filter((r) => r.trades_file !== null)
      .flatMap((r) => (unpack(readFileSync(join(dir, r.trades_file!))) as Trade[]).map((t, i) => ({ r, t, i })));
    expect(expected.length).toBeGreaterThan(100);
    expect(records.length).toBe(expected.length);
    expected.forEach(({ r, t, i }, k) => {
      const rec = records[k];
      expect([rec.trial_key, rec.trial, rec.window_start, rec.window_end, rec.trade, rec.symbol, rec.side, rec.entry_time, rec.exit_time]).toEqual([
        r.trial_key,
        String(r.trial),
        String(r.window_start),
        String(r.window_end),
        String(i + 1),
        t.symbol,
        t.side,
        t.entry_time,
        t.exit_time,
      ]);
      expect([rec.qty, rec.entry_price, rec.exit_price, rec.commission, rec.pnl].map(num)).toEqual([t.qty, t.entry_price, t.exit_price, t.commission, t.pnl]);
    });
  });

  it("equity.csv: the stitched out-of-sample equity as run.json holds it, on the test bars; the best set's curve re-run to its stored final equity", () => {
    const { records } = readCsv(exportedFile(csv, 'equity'));
    const wf = phase.walk_forward as WalkForwardSummary;
    const oos = records.filter((r) => r.curve === 'walk_forward');
    expect(oos.map((r) => num(r.equity))).toEqual(wf.oos_equity);
    expect(oos.map((r) => Number(r.bar))).toEqual(phase.windows!.flatMap((w) => Array.from({ length: w.test[1] - w.test[0] }, (_, i) => w.test[0] + i)));
    const best = records.filter((r) => r.curve === 'best');
    const last = phase.windows!.at(-1)!;
    // The best set is chosen on the last train window; its curve starts flat at the capital.
    expect(best.length).toBe(last.train[1] - last.train[0]);
    expect(best.map((r) => Number(r.bar))).toEqual(Array.from({ length: best.length }, (_, i) => last.train[0] + i));
    expect([best[0].time.slice(0, 10), best.at(-1)!.time.slice(0, 10)]).toEqual(last.train_dates);
    expect(num(best[0].equity)).toBe(100_000);
    expect(num(best.at(-1)!.equity)).toBe(phase.best!.metrics.final_equity);
    expect(records.length).toBe(oos.length + best.length);
  });

  it('windows.csv: each walk-forward window of run.json — train and test bars, the chosen set, its train and test metrics', () => {
    const { header, records } = readCsv(exportedFile(csv, 'windows'));
    expect(header.slice(0, 16)).toEqual([
      'phase',
      'sequence',
      'window',
      'test_group',
      'train_start',
      'train_end',
      'train_segments',
      'test_start',
      'test_end',
      'train_start_time',
      'train_end_time',
      'test_start_time',
      'test_end_time',
      'strategy.fast',
      'strategy.slow',
      'risk.stop_loss',
    ]);
    expect(records.length).toBe(phase.windows!.length);
    phase.windows!.forEach((w, i) => {
      const r = records[i];
      expect([r.sequence, r.window, r.test_group, r.train_start, r.train_end, r.train_segments, r.test_start, r.test_end]).toEqual([
        'walk_forward',
        String(i + 1),
        '',
        String(w.train[0]),
        String(w.train[1]),
        JSON.stringify([w.train]),
        String(w.test[0]),
        String(w.test[1]),
      ]);
      expect([r.train_start_time, r.train_end_time, r.test_start_time, r.test_end_time].map((t) => t.slice(0, 10))).toEqual([
        ...w.train_dates,
        ...w.test_dates,
      ]);
      for (const [k, v] of Object.entries(w.best!.params)) expect(num(r[k])).toBe(v);
      for (const m of METRIC_NAMES) {
        expect(num(r[`train_${m}`])).toBe(w.best!.metrics[m]);
        expect(num(r[`test_${m}`])).toBe(w.test_metrics![m]);
      }
    });
  });

  it('Parquet: the same four tables, every value equal to the CSV, read back by parquet-wasm with typed columns', () => {
    for (const t of ['trials', 'trades', 'equity', 'windows'] as const) {
      const file = exportedFile(pq, t);
      expect(file).toBe(join(tmp, 'wf-parquet', `${t}.parquet`));
      expectSameTable(readCsv(exportedFile(csv, t)), readParquetFile(file));
    }
    expect(readParquetFile(exportedFile(pq, 'trials')).types).toEqual({
      phase: 'Utf8',
      stage: 'Utf8',
      trial: 'Int64',
      trial_key: 'Utf8',
      window_start: 'Int32',
      window_end: 'Int32',
      window_start_time: TIMESTAMP,
      window_end_time: TIMESTAMP,
      status: 'Utf8',
      error: 'Utf8',
      'strategy.fast': 'Int64',
      'strategy.slow': 'Int64',
      'risk.stop_loss': 'Float64',
      ...metricTypes(),
    });
    const trades = readParquetFile(exportedFile(pq, 'trades'));
    expect(trades.types).toMatchObject({ trial: 'Int64', trade: 'Int32', qty: 'Float64', entry_time: TIMESTAMP, exit_time: TIMESTAMP, pnl: 'Float64' });
    expect(trades.rows[0].entry_time).toBe(Date.parse(readCsv(exportedFile(csv, 'trades')).records[0].entry_time));
    expect(readParquetFile(exportedFile(pq, 'equity')).types).toEqual({
      phase: 'Utf8',
      stage: 'Utf8',
      curve: 'Utf8',
      path: 'Int32',
      trial: 'Int64',
      bar: 'Int32',
      time: TIMESTAMP,
      equity: 'Float64',
    });
    expect(readParquetFile(exportedFile(pq, 'windows')).types).toMatchObject({
      window: 'Int32',
      train_segments: 'Utf8',
      test_start_time: TIMESTAMP,
      ...metricTypes('test_'),
    });
  });
});

describe('export of a k_fold run with string, boolean and map parameters (memory storage)', () => {
  let dir: string;
  let phase: PhaseJson;
  let csv: ExportResult;
  let pq: ExportResult;
  beforeAll(async () => {
    const file = writeIn(
      mkdtempSync(join(tmp, 'kf-')),
      'kf.yaml',
      `name: export_k_fold
data: {synthetic: {bars: 900, seed: 3}}
strategy: {type: sma_crossover, fast: [5, 10], slow: 30, trigger: [cross, level], allow_short: [false, true]}
risk: {sizing: [{percent_equity: 0.5}, {fixed: 100}]}
search: {objective: sharpe}
sequence: {type: k_fold, folds: 3, purge: 5, embargo: 5}
results: {storage: memory, store_trades: true}
`,
    );
    const { result } = await runWorkflow(await openWorkflow(file), { out: join(tmp, 'kf'), executor: 'inline' });
    dir = result.results_dir;
    phase = result.phases[0];
    csv = await exportRun(dir);
    pq = await exportRun(dir, { format: 'parquet' });
  });

  const paramOf = (text: string, name: string): unknown =>
    name === 'strategy.fast' ? num(text) : name === 'strategy.allow_short' ? text === 'true' : name === 'risk.sizing' ? JSON.parse(text) : text;

  it('trials: an integer parameter as int64, an enum as string, a flag as boolean, a choice of maps as its JSON text', () => {
    const { records } = readCsv(exportedFile(csv, 'trials'));
    expectTrialsOf(records, dbTrials(dir, phase.name), phase.name, paramOf);
    expect(records[1]['risk.sizing']).toBe('{"fixed":100}');
    expect(readParquetFile(exportedFile(pq, 'trials')).types).toMatchObject({
      'strategy.fast': 'Int64',
      'strategy.trigger': 'Utf8',
      'strategy.allow_short': 'Bool',
      'risk.sizing': 'Utf8',
    });
    expectSameTable(readCsv(exportedFile(csv, 'trials')), readParquetFile(exportedFile(pq, 'trials')));
  });

  it('windows: one row per fold; a fold trained on two segments has them in train_segments and no single train range', () => {
    const folds = (phase.k_fold as KFoldSummary).folds;
    const { records } = readCsv(exportedFile(csv, 'windows'));
    expect(records.map((r) => [r.window, r.train_start, r.train_end, r.train_segments, r.test_start, r.test_end])).toEqual(
      folds.map((f) => {
        const one = f.train_segments.length === 1 ? f.train_segments[0].map(String) : ['', ''];
        return [String(f.fold), ...one, JSON.stringify(f.train_segments), String(f.test[0]), String(f.test[1])];
      }),
    );
    // 900 bars in 3 folds, 5 bars purged and 5 embargoed: the middle fold trains on both sides of its test.
    expect(records[1].train_segments).toBe('[[0,295],[605,900]]');
    folds.forEach((f, i) => {
      for (const [k, v] of Object.entries(f.best!.params)) expect(paramOf(records[i][k], k)).toEqual(v);
      for (const m of METRIC_NAMES) expect([num(records[i][`train_${m}`]), num(records[i][`test_${m}`])]).toEqual([f.best!.metrics[m], f.test_metrics![m]]);
    });
    expectSameTable(readCsv(exportedFile(csv, 'windows')), readParquetFile(exportedFile(pq, 'windows')));
    expect(readParquetFile(exportedFile(pq, 'windows')).types).toMatchObject({ 'strategy.allow_short': 'Bool', train_start: 'Int32' });
  });

  it('equity: a k_fold phase has no single best curve, so nothing is written and the line says why', () => {
    expect(csv.lines.find((l) => l.table === 'equity')).toEqual({
      kind: 'empty',
      phase: phase.name,
      table: 'equity',
      reason: 'no equity curves (best curve: a k_fold phase chooses a set per fold: no single best curve)',
    });
    expect(existsSync(join(dir, 'export', 'equity.csv'))).toBe(false);
  });
});

describe('export of a cpcv run without trades', () => {
  let dir: string;
  let phase: PhaseJson;
  let csv: ExportResult;
  beforeAll(async () => {
    ({ dir } = await runFixture('cpcv', join(tmp, 'cpcv')));
    phase = (JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { result: ResultJson }).result.phases[0];
    csv = await exportRun(dir);
  });

  it('windows: one row per split and test group, with that group’s bars and test metrics', () => {
    const cv = phase.cpcv as CpcvSummary;
    const { records } = readCsv(exportedFile(csv, 'windows'));
    const expected = cv.splits.flatMap((s) => s.test_groups.map((g, j) => ({ s, g, test: cv.group_bounds[g - 1], metrics: s.test_metrics[j] })));
    // 5 groups, 2 test groups: 10 splits, 2 rows each.
    expect(records.length).toBe(20);
    expected.forEach(({ s, g, test, metrics }, i) => {
      const r = records[i];
      expect([r.window, r.test_group, r.test_start, r.test_end, r.train_segments]).toEqual([
        String(s.split),
        String(g),
        String(test[0]),
        String(test[1]),
        JSON.stringify(s.train_segments),
      ]);
      for (const m of METRIC_NAMES) expect(num(r[`test_${m}`])).toBe(metrics![m]);
    });
  });

  it("equity: each path's stitched equity from the first bar, numbered by path", () => {
    const cv = phase.cpcv as CpcvSummary;
    const { records } = readCsv(exportedFile(csv, 'equity'));
    expect(records.length).toBe(cv.path_equity.length * 1200);
    cv.path_equity.forEach((equity, p) => {
      const rows = records.filter((r) => r.path === String(p + 1));
      expect(rows.every((r) => r.curve === 'cpcv_path')).toBe(true);
      expect(rows.map((r) => num(r.equity))).toEqual(equity);
      expect(rows.map((r) => Number(r.bar))).toEqual(equity.map((_, i) => i));
    });
  });

  it('trades: the phase kept none, so no file and one line saying so', () => {
    expect(csv.lines.find((l) => l.table === 'trades')).toEqual({
      kind: 'empty',
      phase: phase.name,
      table: 'trades',
      reason: 'no trades stored (the phase has results.store_trades: false)',
    });
    expect(readdirSync(join(dir, 'export')).sort()).toEqual(['equity.csv', 'trials.csv', 'windows.csv']);
  });
});

describe('export of failed trials', () => {
  it('status failed with the error text (quoted as CSV needs) and empty metrics, as results.db holds them', async () => {
    const { dir } = await runFixture('failing', join(tmp, 'failing'));
    const csv = await exportRun(dir, { tables: ['trials'] });
    const { records } = readCsv(exportedFile(csv, 'trials'));
    const rows = dbTrials(dir, 'report_failing');
    expectTrialsOf(records, rows, 'report_failing', (text) => num(text));
    const failed = records.filter((r) => r.status === 'failed');
    // fast 4, 8 and 12 with two slows and two stops.
    expect(failed.length).toBe(12);
    for (const r of failed) {
      expect(r.error.length).toBeGreaterThan(0);
      for (const m of METRIC_NAMES) expect(r[m]).toBe('');
    }
  });
});

describe('fanfold export (CLI)', () => {
  let dir: string;
  beforeAll(async () => {
    const file = writeTwoPhaseSweep(mkdtempSync(join(tmp, 'two-')), 'export_two');
    ({
      result: { results_dir: dir },
    } = await runWorkflow(await openWorkflow(file), { out: join(tmp, 'two'), executor: 'inline' }));
  });
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'export', ...args], { encoding: 'utf8' });

  it('several phases: one file per phase and table, <phase>.<table>.<ext>, one line each; windowless tables said once', () => {
    const r = run(dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = join(dir, 'export');
    const rows = (name: string): number => readCsv(join(out, name)).records.length;
    // sweep: 4 fast × 2 slow × 2 triggers × 2 stops = 32 sets on all 1,500 bars; holdout: 16 sets on the first 60%, the best once on the rest.
    expect(rows('sweep.trials.csv')).toBe(32);
    expect(rows('holdout.trials.csv')).toBe(16 + 1);
    expect(r.stdout.split('\n')).toEqual([
      `${join(out, 'sweep.trials.csv')}: 32 rows`,
      `${join(out, 'sweep.trades.csv')}: ${rows('sweep.trades.csv').toLocaleString('en-US')} rows`,
      `${join(out, 'sweep.equity.csv')}: 1,500 rows`,
      'sweep windows: no windows (a single_pass phase has none); nothing written',
      `${join(out, 'holdout.trials.csv')}: 17 rows`,
      `${join(out, 'holdout.trades.csv')}: ${rows('holdout.trades.csv').toLocaleString('en-US')} rows`,
      `${join(out, 'holdout.equity.csv')}: 900 rows`,
      `${join(out, 'holdout.windows.csv')}: 1 row`,
      '',
    ]);
  });

  it('--phase, --format parquet, --out and --tables: only those, named <table>.parquet', () => {
    const out = join(tmp, 'two-parquet');
    const r = run(dir, '--phase', 'holdout', '--format', 'parquet', '--out', out, '--tables', 'windows,trials');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${join(out, 'trials.parquet')}: 17 rows\n${join(out, 'windows.parquet')}: 1 row\n`);
    expect(readdirSync(out).sort()).toEqual(['trials.parquet', 'windows.parquet']);
    expectSameTable(readCsv(join(dir, 'export', 'holdout.trials.csv')), readParquetFile(join(out, 'trials.parquet')));
  });

  it('user errors exit 2 with one clear line: not a run directory, an unknown phase (phases listed), an unknown table, a bad format', () => {
    const cases: [string[], string][] = [
      [[join(tmp, 'nowhere')], `error: export: ${join(tmp, 'nowhere')} does not exist\n`],
      [[tmp], `error: export: ${tmp} is not a run directory (no run.json)\n`],
      [[dir, '--phase', 'sweeps'], "error: export: --phase 'sweeps' is not a phase of this run (phases: sweep, holdout)\n"],
      [[dir, '--tables', 'trials,trade'], "error: export: unknown table 'trade' (did you mean 'trades'?); tables: trials, trades, equity, windows\n"],
    ];
    for (const [args, stderr] of cases) {
      const r = run(...args);
      expect([r.status, r.stderr, r.stdout]).toEqual([2, stderr, '']);
    }
    const bad = run(dir, '--format', 'xlsx');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('Choices: "csv", "parquet"');
  });
});

describe('export when the run directory is not as this version writes it', () => {
  it('data changed since the run: bar times are left empty (one line says why), the best curve is not re-run, the rest is exported', async () => {
    const folder = mkdtempSync(join(tmp, 'changed-'));
    const csvData = join(folder, 'ttrc.csv');
    copyFileSync(join(root, '..', 'shared', 'data', 'ttrc.csv'), csvData);
    const file = writeIn(
      folder,
      'w.yaml',
      'name: changed\ndata: {path: ./ttrc.csv, symbol: T}\nstrategy: {type: sma_crossover, fast: [3, 5], slow: 20}\nresults: {storage: disk}\n',
    );
    const { result } = await runWorkflow(await openWorkflow(file), { out: folder, executor: 'inline' });
    writeFileSync(csvData, `${readFileSync(csvData, 'utf8').trimEnd().split('\n').slice(0, -1).join('\n')}\n`);
    const exported = await exportRun(result.results_dir);
    const reason = /^the data changed since the run: .*ttrc\.csv now hashes to [0-9a-f]{12}…, the run used [0-9a-f]{12}…$/;
    const note = exported.lines.find((l) => l.kind === 'note');
    expect(note?.kind === 'note' && note.table === null ? note.text.replace(/^bar times left empty: /, '') : '').toMatch(reason);
    const equity = exported.lines.find((l) => l.table === 'equity');
    expect(equity?.kind === 'empty' ? equity.reason : '').toMatch(
      /^no equity curves \(best curve: the best set was not re-run: the data changed since the run: /,
    );
    const { records } = readCsv(exportedFile(exported, 'trials'));
    expect(records.map((r) => [r.window_start, r.window_end, r.window_start_time, r.window_end_time])).toEqual([
      ['0', '5550', '', ''],
      ['0', '5550', '', ''],
    ]);
    expectTrialsOf(records, dbTrials(result.results_dir, 'changed'), 'changed', (text) => num(text));
  });

  it('a stored trial naming a parameter its stage’s first row does not still gets that column (the slower reading of every row)', async () => {
    const { dir } = await runFixture('monte_carlo', join(tmp, 'odd'));
    const db = new Database(join(dir, 'results.db'));
    db.prepare('UPDATE trials SET params = json_set(params, \'$."risk.stop_loss"\', 0.05) WHERE trial = 3').run();
    db.close();
    const exported = await exportRun(dir, { tables: ['trials'], format: 'parquet' });
    const read = readParquetFile(exportedFile(exported, 'trials'));
    expect(read.names.slice(10, 13)).toEqual(['strategy.fast', 'strategy.slow', 'risk.stop_loss']);
    expect(read.types['risk.stop_loss']).toBe('Float64');
    expect(read.rows.map((r) => r['risk.stop_loss'])).toEqual([null, null, null, 0.05]);
  });
});
