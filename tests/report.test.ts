import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openWorkflow } from '../src/coordinator/open.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';
import { UserError } from '../src/errors.js';
import { buildReportModel } from '../src/report/model.js';
import { readRunDirectory } from '../src/report/run-record.js';
import { downsample, drawdownOf } from '../src/report/downsample.js';
import { writeReport } from '../src/report/index.js';
import type { PhaseReport } from '../src/report/model.js';
import type { ResultJson } from '../src/contract.js';
import { fixtures, queryDb, root, runFixture } from './report-helpers.js';

const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'fanfold-report-'));

interface Row {
  params: string;
  sharpe: number | null;
  trades: number;
  status: string;
}

/** Heatmap cells recomputed in JavaScript from every row of results.db: [x label, y label] → best, mean, at best set. */
function cellsByHand(rows: readonly Row[], x: string, y: string, best: Record<string, unknown>): Map<string, [number | null, number | null, number | null]> {
  const groups = new Map<string, number[]>();
  const atBest = new Map<string, number>();
  for (const r of rows) {
    if (r.status !== 'ok') continue;
    const p = JSON.parse(r.params) as Record<string, unknown>;
    const key = `${String(p[x] ?? 'none')}|${String(p[y] ?? 'none')}`;
    if (!groups.has(key)) groups.set(key, []);
    if (r.sharpe !== null) groups.get(key)!.push(r.sharpe);
    const others = Object.keys(p).filter((k) => k !== x && k !== y);
    if (r.sharpe !== null && others.every((k) => p[k] === best[k])) atBest.set(key, r.sharpe);
  }
  const out = new Map<string, [number | null, number | null, number | null]>();
  for (const [key, v] of groups)
    out.set(key, [v.length ? Math.max(...v) : null, v.length ? v.reduce((a, b) => a + b, 0) / v.length : null, atBest.get(key) ?? null]);
  return out;
}

describe('report model of a sweep', () => {
  let dir: string;
  let result: ResultJson;
  let phase: PhaseReport;
  beforeAll(async () => {
    ({ dir, result } = await runFixture('sweep', tmp));
    phase = (await buildReportModel(readRunDirectory(dir))).phases[0];
  });

  it("the leaderboard's first row is run.json's best; rows are every ok trial, ranked eligible first by the objective", () => {
    const best = result.phases[0].best!;
    expect(phase.leaderboard[0].params).toEqual(best.params);
    expect(phase.leaderboard[0].metrics).toEqual(best.metrics);
    const ok = queryDb<Row>(dir, "SELECT params, sharpe, trades, status FROM trials WHERE status = 'ok'");
    // 5 fast × 3 slow × 3 stops, fast < slow: (3 + 5 + 5) × 3 = 39.
    expect(ok.length).toBe(39);
    expect(phase.leaderboard.length).toBe(39);
    const eligible = phase.leaderboard.filter((r) => r.eligible);
    expect(eligible.every((r) => r.metrics.trades! >= 8 && r.metrics.sharpe !== null)).toBe(true);
    expect(phase.leaderboard.filter((r) => !r.eligible).every((r) => r.metrics.sharpe === null || r.metrics.trades! < 8)).toBe(true);
    expect(phase.leaderboard.slice(0, eligible.length).every((r) => r.eligible)).toBe(true);
    for (let i = 1; i < eligible.length; i++) expect(eligible[i - 1].metrics.sharpe!).toBeGreaterThanOrEqual(eligible[i].metrics.sharpe!);
  });

  it('the histogram counts every ok trial with a defined objective, each in the bin its value falls in', () => {
    const rows = queryDb<Row>(dir, "SELECT params, sharpe, trades, status FROM trials WHERE status = 'ok' AND sharpe IS NOT NULL");
    const h = phase.histogram!;
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(rows.length);
    const byHand = new Array<number>(h.counts.length).fill(0);
    for (const r of rows) byHand[Math.min(h.counts.length - 1, Math.floor((r.sharpe! - h.lo) / h.width))]++;
    expect(h.counts).toEqual(byHand);
    expect(h.lo).toBe(Math.min(...rows.map((r) => r.sharpe!)));
  });

  it('heatmap cells aggregated by SQLite equal the same aggregation done by hand over every row, for every pair', () => {
    const rows = queryDb<Row>(dir, 'SELECT params, sharpe, trades, status FROM trials');
    const best = result.phases[0].best!.params;
    expect(phase.heatmap.axes.map((a) => a.name)).toEqual(['strategy.fast', 'strategy.slow', 'risk.stop_loss']);
    expect(phase.heatmap.axes[2].labels).toEqual(['none', '0.05', '0.1']);
    expect(phase.heatmap.pairs.length).toBe(3);
    for (const pair of phase.heatmap.pairs) {
      const ax = phase.heatmap.axes.find((a) => a.name === pair.x)!;
      const ay = phase.heatmap.axes.find((a) => a.name === pair.y)!;
      const expected = cellsByHand(rows, pair.x, pair.y, best);
      expect(pair.cells.length).toBe(expected.size);
      for (const [xi, yi, bestValue, mean, fixed, n] of pair.cells) {
        const want = expected.get(`${ax.labels[xi]}|${ay.labels[yi]}`)!;
        expect(bestValue).toBe(want[0]);
        expect(mean).toBeCloseTo(want[1]!, 12);
        expect(fixed).toBe(want[2]);
        expect(n).toBeGreaterThan(0);
      }
    }
  });

  it('re-runs the best set: its curve ends at the stored final equity, its drawdown peaks at the stored max drawdown, its trades are the stored count', () => {
    const best = result.phases[0].best!;
    const curve = phase.bestCurve as Exclude<PhaseReport['bestCurve'], null | { reason: string }>;
    expect('reason' in curve).toBe(false);
    expect(curve.bars).toBe(1500);
    expect(curve.equity.length).toBe(1500);
    expect(curve.equity[curve.equity.length - 1][1]).toBe(best.metrics.final_equity);
    expect(Math.max(...curve.drawdown.map((d) => d[1]))).toBeCloseTo(best.metrics.max_drawdown!, 12);
    expect(curve.tradesTotal).toBe(best.metrics.trades);
    expect(curve.metrics).toEqual(best.metrics);
    const wins = curve.trades.filter((t) => t.pnl > 0).length;
    expect(wins / curve.trades.length).toBe(best.metrics.win_rate);
  });
});

describe('heatmap of a finely swept parameter', () => {
  it('bins its 60 values into 40 ranges of consecutive values; each cell aggregates exactly the trials of its range', async () => {
    const { dir } = await runFixture('binned', tmp);
    const p = (await buildReportModel(readRunDirectory(dir))).phases[0];
    const [fast, slow] = p.heatmap.axes;
    expect(fast.name).toBe('strategy.fast');
    expect(fast.distinct).toBe(60);
    // 60 values in 40 bins: bin i starts at value floor(i·60/40) + 1.
    expect(fast.edges).toEqual(Array.from({ length: 40 }, (_, i) => Math.floor((i * 60) / 40) + 1));
    expect(fast.labels.slice(0, 4)).toEqual(['1', '2–3', '4', '5–6']);
    expect(slow.edges).toBeUndefined();
    const rows = queryDb<Row>(dir, "SELECT params, sharpe, trades, status FROM trials WHERE status = 'ok'");
    expect(rows.length).toBe(120);
    const bin = (v: number): number => fast.edges!.filter((e) => e <= v).length - 1;
    const groups = new Map<string, number[]>();
    for (const r of rows) {
      const q = JSON.parse(r.params) as Record<string, number>;
      const key = `${bin(q['strategy.fast'])}|${slow.values.indexOf(q['strategy.slow'])}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push(r.sharpe ?? Number.NaN);
    }
    const cells = p.heatmap.pairs[0].cells;
    expect(cells.reduce((a, c) => a + c[5], 0)).toBe(120);
    expect(cells.length).toBe(groups.size);
    for (const [x, y, best, mean, , n] of cells) {
      const values = groups.get(`${x}|${y}`)!;
      const defined = values.filter((v) => !Number.isNaN(v));
      expect(n).toBe(values.length);
      expect(best).toBe(defined.length ? Math.max(...defined) : null);
      if (defined.length) expect(mean).toBeCloseTo(defined.reduce((a, b) => a + b, 0) / defined.length, 12);
    }
  });
});

describe('down-sampling', () => {
  it('keeps short curves whole and the lowest and highest point of every bucket of long ones, in order', () => {
    const x = Array.from({ length: 10 }, (_, i) => i);
    expect(downsample(x, x, 10)).toEqual(x.map((v) => [v, v]));
    const n = 10_000;
    const t = Float64Array.from({ length: n }, (_, i) => i);
    const y = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 50) * 100 + (i === 7_777 ? 500 : 0) - (i === 1_234 ? 400 : 0));
    const d = downsample(t, y, 1000);
    expect(d.length).toBeLessThanOrEqual(1000);
    expect(d.length).toBeGreaterThan(900);
    expect(d.some(([tx, v]) => tx === 7_777 && v === y[7_777])).toBe(true);
    expect(d.some(([tx, v]) => tx === 1_234 && v === y[1_234])).toBe(true);
    for (let i = 1; i < d.length; i++) expect(d[i][0]).toBeGreaterThan(d[i - 1][0]);
    expect(Math.max(...d.map((p) => p[1]))).toBe(Math.max(...y));
    // A curve ends where it ends: the first and last points are kept even when neither is a bucket's extreme.
    expect(d[0]).toEqual([0, y[0]]);
    expect(d.at(-1)).toEqual([n - 1, y[n - 1]]);
    const rising = Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? i : -i));
    const r = downsample(t, rising, 1000);
    expect(r.at(-1)).toEqual([n - 1, rising[n - 1]]);
    expect(r.length).toBeLessThanOrEqual(1000);
  });

  it('drawdown is 1 − E/peak with the peak starting at the first value', () => {
    expect(Array.from(drawdownOf([100, 120, 90, 150, 75]))).toEqual([0, 0, 0.25, 0, 0.5]);
  });
});

describe('report of a walk-forward run, a Monte Carlo run and a run with failed trials', () => {
  it('walk-forward: every window, the stitched out-of-sample equity on dates, the last train window as scope', async () => {
    const { dir, result } = await runFixture('walk_forward', tmp);
    const p = (await buildReportModel(readRunDirectory(dir))).phases[0];
    const wf = result.phases[0].walk_forward as { oos_equity: number[] };
    expect(p.windows).toEqual(result.phases[0].windows);
    expect(p.windows!.length).toBeGreaterThan(10);
    expect(p.walkForward!.timeAxis).toBe(true);
    expect(p.walkForward!.equity.map((e) => e[1])).toEqual(wf.oos_equity);
    const last = result.phases[0].windows!.at(-1)!;
    expect(p.scope!.window).toEqual(last.train);
    const ok = queryDb<{ n: number }>(dir, "SELECT count(*) AS n FROM trials WHERE status = 'ok' AND window_start = ? AND window_end = ?", ...last.train)[0].n;
    expect(ok).toBe(12);
    expect(p.leaderboard.length).toBe(12);
    expect(p.leaderboard[0].params).toEqual(result.phases[0].best!.params);
    const curve = p.bestCurve as { equity: [number, number][]; bars: number };
    expect(curve.bars).toBe(last.train[1] - last.train[0]);
    expect(curve.equity.at(-1)![1]).toBe(result.phases[0].best!.metrics.final_equity);
  });

  it('Monte Carlo: the bands of run.json', async () => {
    const { dir, result } = await runFixture('monte_carlo', tmp);
    const p = (await buildReportModel(readRunDirectory(dir))).phases[0];
    expect(p.monteCarlo).toEqual(result.phases[0].monte_carlo);
    expect(p.monteCarlo!.paths).toBe(200);
  });

  it('failed trials: listed with their errors; they are neither ranked nor counted in the histogram', async () => {
    const { dir, result } = await runFixture('failing', tmp);
    const p = (await buildReportModel(readRunDirectory(dir))).phases[0];
    // fast 2..13 × slow 2 × stop 2: the fast values 4, 8 and 12 fail.
    expect(result.phases[0].trials).toBe(48);
    expect(result.phases[0].failed).toBe(12);
    expect(p.failures.total).toBe(12);
    expect(p.failures.rows.map((f) => f.params['strategy.fast'])).toEqual([4, 4, 4, 4, 8, 8, 8, 8, 12, 12, 12, 12]);
    for (const f of p.failures.rows) expect(f.error).toContain(`fragile_crossover: fast=${String(f.params['strategy.fast'])} is a multiple of 4`);
    expect(p.leaderboard.length).toBe(36);
    expect(p.leaderboard.every((r) => (r.params['strategy.fast'] as number) % 4 !== 0)).toBe(true);
    expect(p.histogram!.counts.reduce((a, b) => a + b, 0)).toBe(
      queryDb<{ n: number }>(dir, "SELECT count(*) AS n FROM trials WHERE status = 'ok' AND sharpe IS NOT NULL")[0].n,
    );
    expect(p.scope!.counts).toEqual({ ok: 36, failed: 12, valued: 36 });
  });
});

describe('report of a composed run', () => {
  it("each composed phase's scope is its winning iteration or branch; the re-run best set ends at the stored final equity", async () => {
    const workflow = await openWorkflow(join(root, 'configs', 'composed.yaml'));
    const { result } = await runWorkflow(workflow, { out: join(tmp, 'composed'), executor: 'inline' });
    const dir = result.results_dir;
    const model = await buildReportModel(readRunDirectory(dir));
    const record = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { best_runs: { phase: string; label: string }[] };
    for (const json of result.phases) {
      const p = model.phases.find((q) => q.name === json.name)!;
      const label = record.best_runs.find((b) => b.phase === json.name)!.label;
      // Trials live under `<phase>#<iteration>` or `<phase>#<iteration>/<branch>`, never under the bare phase name.
      expect(label).toMatch(new RegExp(`^${json.name}#\\d+(/\\w+)?$`));
      expect(p.scope!.phase).toBe(label);
      // The leaderboard is every ok trial stored under that label (all fewer than the 500-row limit), the best first.
      const stored = queryDb<{ n: number }>(dir, "SELECT count(*) AS n FROM trials WHERE phase = ? AND status = 'ok'", label)[0].n;
      expect(stored).toBeGreaterThan(0);
      expect(p.leaderboard.length).toBe(stored);
      for (const [k, v] of Object.entries(p.leaderboard[0].params)) expect([json.name, k, json.best!.params[k]]).toEqual([json.name, k, v]);
      expect(p.leaderboard[0].metrics).toEqual(json.best!.metrics);
      const curve = p.bestCurve as { equity: [number, number][] };
      expect([json.name, curve.equity.at(-1)![1]]).toEqual([json.name, json.best!.metrics.final_equity]);
    }
  });

  it('a branch that changes the data: its best set is re-run on its own data; failures of every iteration are listed', async () => {
    const file = join(tmp, 'composed-data.yaml');
    writeFileSync(
      file,
      `name: composed_data
plugins: [${join(fixtures, 'plugins')}]
data: {synthetic: {bars: 600, symbols: [AAA], seed: 3}}
strategy: {type: fragile_crossover, fast: "range(2, 9, 1)", slow: [30, 60]}
search: {objective: final_equity}
phases:
  - name: br
    compose:
      type: branch
      branches:
        - {name: other, changes: {data.synthetic.seed: 99}}
`,
    );
    const { result } = await runWorkflow(await openWorkflow(file), { out: join(tmp, 'composed-data'), executor: 'inline' });
    const json = result.phases[0];
    const p = (await buildReportModel(readRunDirectory(result.results_dir))).phases[0];
    const record = JSON.parse(readFileSync(join(result.results_dir, 'run.json'), 'utf8')) as {
      best_runs: { label: string; data: { hash: string } }[];
      data: { hash: string }[];
    };
    // The branch on seed 99 happens to end richer than the base data (checked: the label says which won).
    expect(record.best_runs[0].label).toBe('br#0/other');
    expect(record.best_runs[0].data.hash).not.toBe(record.data[0].hash);
    const curve = p.bestCurve as { equity: [number, number][] };
    expect(curve.equity.at(-1)![1]).toBe(json.best!.metrics.final_equity);
    // fast 4 and 8 fail (× 2 slow) in the iteration and in the branch: 8 failures, listed with where they ran.
    expect(json.failed).toBe(8);
    expect(p.failures.total).toBe(8);
    expect(p.failures.rows.map((f) => f.stage).sort()).toEqual([...Array(4).fill('br#0'), ...Array(4).fill('br#0/other')]);
  });
});

describe('report after a failure in a later phase', () => {
  it("keeps the finished phases' results: best set, curve and leaderboard of the phase that completed", async () => {
    const file = join(tmp, 'late-failure.yaml');
    writeFileSync(
      file,
      `name: late_failure
data: {synthetic: {bars: 500, symbols: [AAA], seed: 5}}
strategy: {type: sma_crossover, fast: [5, 10], slow: [30, 60]}
phases:
  - name: first
  - name: second
    topology: backtest
`,
    );
    const out = join(tmp, 'late-failure');
    let dir = '';
    const error = await runWorkflow(await openWorkflow(file), { out, executor: 'inline', onRunDirectory: (d) => (dir = d) }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((error as Error).message).toMatch(/phase 'second' uses the backtest topology \(one parameter set\) but its parameter space has 4 points/);
    const record = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { status: string; result: ResultJson };
    expect(record.status).toBe('failed');
    expect(record.result.phases.map((ph) => ph.name)).toEqual(['first']);
    const model = await buildReportModel(readRunDirectory(dir));
    const first = model.phases.find((ph) => ph.name === 'first')!;
    expect(first.best).toEqual(record.result.phases[0].best);
    expect(first.leaderboard).toHaveLength(4);
    expect((first.bestCurve as { equity: [number, number][] }).equity.at(-1)![1]).toBe(record.result.phases[0].best!.metrics.final_equity);
  });
});

/** The body rows of the report's table with this class. */
function tableRows(html: string, cls: string): string[] {
  const start = html.indexOf(`<table class="${cls}">`);
  expect(start).toBeGreaterThan(-1);
  const body = html.slice(html.indexOf('<tbody>', start) + 7, html.indexOf('</tbody>', start));
  return body.split('<tr').slice(1);
}

describe('report of k_fold, composed and signal runs: their own tables', () => {
  it('k_fold: one row per fold with its test dates, chosen set and test metrics', async () => {
    const { result } = await runWorkflow(await openWorkflow(join(root, 'configs', 'k_fold.yaml')), { out: join(tmp, 'kf'), executor: 'inline' });
    const written = await writeReport(result.results_dir);
    const phase = result.phases[0];
    const k = phase.k_fold as { folds: { test_dates: [string, string]; test_metrics: { sharpe: number | null } | null }[] };
    // The stitched equity is drawn from kFoldOos (down-sampled), not repeated in kFold.
    const { oos_equity: _equity, ...folds } = phase.k_fold as { oos_equity: number[] };
    expect(written.model.phases[0].kFold).toEqual(folds);
    // The leaderboard shows the last fold's longest train segment: every trial stored for that window.
    const segments = (phase.k_fold as { folds: { train_segments: [number, number][] }[] }).folds.at(-1)!.train_segments;
    const longest = [...segments].sort((a, b) => b[1] - b[0] - (a[1] - a[0]))[0];
    expect(written.model.phases[0].scope!.window).toEqual(longest);
    const stored = queryDb<{ n: number }>(
      result.results_dir,
      "SELECT count(*) AS n FROM trials WHERE status = 'ok' AND window_start = ? AND window_end = ?",
      ...longest,
    )[0].n;
    expect(stored).toBeGreaterThan(1);
    expect(written.model.phases[0].leaderboard).toHaveLength(stored);
    const lastFold = (phase.k_fold as { folds: { fold: number }[] }).folds.at(-1)!.fold;
    expect(lastFold).toBe(k.folds.length);
    expect(written.model.phases[0].scope!.label.startsWith(`a train segment of fold ${lastFold} `)).toBe(true);
    const html = readFileSync(written.file, 'utf8');
    const rows = tableRows(html, 'folds');
    expect(rows).toHaveLength(k.folds.length);
    k.folds.forEach((f, i) => {
      expect(rows[i]).toContain(`${f.test_dates[0]} → ${f.test_dates[1]}`);
      const sharpe = f.test_metrics?.sharpe ?? null;
      // Formatted by hand: 3 decimals, grouped, '—' for undefined.
      expect(rows[i]).toContain(
        `<td class="num">${sharpe === null ? '—' : sharpe.toLocaleString('en-US', { minimumFractionDigits: 3, maximumFractionDigits: 3 })}</td>`,
      );
    });
  });

  it('composed: one row per iteration and one per branch, skipped branches with their reason', async () => {
    const { result } = await runWorkflow(await openWorkflow(join(root, 'configs', 'composed.yaml')), { out: join(tmp, 'composed-tables'), executor: 'inline' });
    const html = readFileSync((await writeReport(result.results_dir)).file, 'utf8');
    const expected = result.phases.map((p) =>
      (p.compose as { iterations: { branches: unknown[] }[] }).iterations.reduce((n, it) => n + 1 + it.branches.length, 0),
    );
    const tables = html
      .split('<table class="compose">')
      .slice(1)
      .map((t) => t.slice(t.indexOf('<tbody>'), t.indexOf('</tbody>')).split('<tr').length - 1);
    expect(tables).toEqual(expected);
    // costs: one iteration, two branches (expensive, free).
    expect(expected[2]).toBe(3);
  });

  it('signal_generation: one row per stored signal set with its change count and status', async () => {
    const { result } = await runWorkflow(await openWorkflow(join(root, 'configs', 'signal_replay.yaml')), { out: join(tmp, 'signals'), executor: 'inline' });
    const html = readFileSync((await writeReport(result.results_dir)).file, 'utf8');
    const signals = result.phases[0].signals!;
    const rows = tableRows(html, 'signals');
    expect(rows).toHaveLength(signals.length);
    signals.forEach((sig, i) => {
      expect(rows[i]).toContain(`<td class="num">${sig.changes.toLocaleString('en-US')}</td>`);
      expect(rows[i]).toContain(`<td>${sig.status}</td>`);
      expect(rows[i]).toContain(sig.key.slice(0, 16));
    });
  });
});

describe('report input errors and changed data', () => {
  it('a missing, non-run or incomplete directory is a UserError naming the problem', () => {
    expect(() => readRunDirectory(join(tmp, 'nowhere'))).toThrow(UserError);
    expect(() => readRunDirectory(join(tmp, 'nowhere'))).toThrow(/nowhere does not exist/);
    const empty = join(tmp, 'empty');
    mkdirSync(empty, { recursive: true });
    expect(() => readRunDirectory(empty)).toThrow(/is not a run directory \(no run\.json\)/);
    writeFileSync(join(empty, 'run.json'), '{"run_id": "x", ');
    expect(() => readRunDirectory(empty)).toThrow(/run\.json is not valid JSON/);
    writeFileSync(join(empty, 'run.json'), '{"run_id": "x", "workflow": "w"}');
    expect(() => readRunDirectory(empty)).toThrow(/run\.json is incomplete: it has no 'phases'/);
    writeFileSync(join(empty, 'run.json'), '{"run_id": "x", "workflow": "w", "phases": [], "status": "running"}');
    expect(() => readRunDirectory(empty)).toThrow(/has no results\.db/);
  });

  it('fanfold report: exit code 2 and one line for a bad directory; writes --out', async () => {
    const bad = spawnSync(process.execPath, [cli, 'report', join(tmp, 'nowhere')], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(`error: report: ${join(tmp, 'nowhere')} does not exist\n`);
    const { dir } = await runFixture('monte_carlo', join(tmp, 'cli'));
    const out = join(tmp, 'cli', 'mine.html');
    const ok = spawnSync(process.execPath, [cli, 'report', dir, '--out', out], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^report: ${out} \\(\\d+ KiB\\)\\n$`));
    expect(readFileSync(out, 'utf8')).toContain('<h3>Monte Carlo bands</h3>');
  });

  it('data changed or gone since the run: the report says so instead of drawing the equity curve, and still renders', async () => {
    const folder = join(tmp, 'changed');
    mkdirSync(folder, { recursive: true });
    const csv = join(folder, 'ttrc.csv');
    copyFileSync(join(root, '..', 'shared', 'data', 'ttrc.csv'), csv);
    writeFileSync(
      join(folder, 'w.yaml'),
      `name: changed\ndata: {path: ./ttrc.csv, symbol: T}\nstrategy: {type: sma_crossover, fast: [3, 5], slow: 20}\nresults: {storage: disk}\n`,
    );
    const { result } = await runWorkflow(await openWorkflow(join(folder, 'w.yaml')), { out: folder, executor: 'inline' });
    const dir = result.results_dir;
    writeFileSync(csv, `${readFileSync(csv, 'utf8').trimEnd().split('\n').slice(0, -1).join('\n')}\n`);
    const changed = await writeReport(dir);
    const reason = (changed.model.phases[0].bestCurve as { reason: string }).reason;
    expect(reason).toMatch(/^the data changed since the run: .*ttrc\.csv now hashes to [0-9a-f]{12}…, the run used [0-9a-f]{12}…$/);
    const html = readFileSync(changed.file, 'utf8');
    expect(html).toContain('No equity chart: the data changed since the run');
    expect(html).not.toContain('-equity" data-chart="equity"');
    expect(html).toContain('id="p0-leaderboard"');
    rmSync(csv);
    const gone = await writeReport(dir);
    expect((gone.model.phases[0].bestCurve as { reason: string }).reason).toMatch(/^the run's data cannot be read: .*ttrc\.csv/);
  });

  it('fanfold run --report writes the report, also for a run that failed after it started', () => {
    const out = join(tmp, 'run-report');
    const ok = spawnSync(
      process.execPath,
      [cli, 'run', join(root, 'tests', 'fixtures', 'report', 'monte_carlo.yaml'), '--out', out, '--quiet', '--report', '--executor', 'inline'],
      { encoding: 'utf8' },
    );
    expect(ok.status).toBe(0);
    const file = ok.stderr.match(/^report: (.*report\.html)$/m)![1];
    expect(existsSync(file)).toBe(true);
    writeFileSync(join(tmp, 'missing-data.yaml'), 'name: missing\ndata: {path: ./no-such.csv}\nstrategy: {type: buy_and_hold}\n');
    const failed = spawnSync(process.execPath, [cli, 'run', join(tmp, 'missing-data.yaml'), '--out', out, '--quiet', '--report'], { encoding: 'utf8' });
    expect(failed.status).toBe(2);
    expect(failed.stderr).toMatch(/no-such\.csv/);
    const failedFile = failed.stderr.match(/^report: (.*report\.html)$/m)![1];
    const html = readFileSync(failedFile, 'utf8');
    expect(html).toContain('<span class="status status-failed">failed</span>');
    expect(html).toMatch(/no-such\.csv/);
  });
});
