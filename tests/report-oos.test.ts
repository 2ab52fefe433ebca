import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkflow } from '../src/coordinator/open.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';
import { writeReport } from '../src/report/index.js';
import type { PhaseJson, ResultJson } from '../src/contract.js';
import { loadMarketData } from '../src/data/load.js';
import { artifacts, launchChromium, openReport, rendered, root, runFixture, seriesCounts, type OpenedReport } from './report-helpers.js';

/**
 * Walk-forward, k_fold and cpcv reports in headless Chromium: the phase opens with the stitched
 * out-of-sample result (its numbers are run.json's), every equity chart draws buy-and-hold of the
 * same bars (checked against closes computed here, for two symbols one with missing days) and
 * switches its y axis to a logarithmic scale.
 */

const tmp = mkdtempSync(join(tmpdir(), 'fanfold-report-oos-'));
let context: BrowserContext;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  context = await launchChromium();
});
afterAll(async () => {
  await context?.close();
});

const CAPITAL = 50_000;
const BARS = 1000;

/** Weekdays from 2015-01-05 (a Monday), UTC midnight. */
function weekdays(n: number): number[] {
  const out: number[] = [];
  for (let t = Date.UTC(2015, 0, 5); out.length < n; t += 86_400_000) if (![0, 6].includes(new Date(t).getUTCDay())) out.push(t);
  return out;
}

/** A seeded random walk of closes (a linear congruential generator, so the test knows every close). */
function walk(n: number, seed: number, drift: number): number[] {
  let s = seed;
  let c = 100;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    c = Math.round(c * (1 + drift + (s / 2 ** 31 - 0.5) * 0.04) * 100) / 100;
    out.push(c);
  }
  return out;
}

function writeCsv(file: string, times: readonly number[], closes: readonly number[], keep: (i: number) => boolean): void {
  const rows = ['date,open,high,low,close,volume'];
  times.forEach((t, i) => {
    if (!keep(i)) return;
    const c = closes[i];
    const o = i === 0 ? c : closes[i - 1];
    rows.push(`${new Date(t).toISOString().slice(0, 10)},${o},${Math.max(o, c) + 0.5},${Math.min(o, c) - 0.5},${c},1000`);
  });
  writeFileSync(file, `${rows.join('\n')}\n`);
}

const times = weekdays(BARS);
const aaa = walk(BARS, 7, 0.0006);
const bbb = walk(BARS, 99, -0.0002);
/** BBB has no bar on every 37th day: there the aligned data holds NaN and buy-and-hold keeps its last close. */
const bbbHas = (i: number): boolean => i % 37 !== 5;

/**
 * Buy-and-hold by hand (README "Reports"): half the capital in each symbol at its close on the
 * chart's first bar, held; a missing day counts the symbol's last close.
 */
function buyAndHoldByHand(first: number, bar: number): number {
  let lastB = -1;
  for (let i = first; i <= bar; i++) if (bbbHas(i)) lastB = i;
  let firstB = first;
  while (!bbbHas(firstB)) firstB++;
  const b = lastB < 0 ? 1 : bbb[lastB] / bbb[firstB];
  return (CAPITAL / 2) * (aaa[bar] / aaa[first]) + (CAPITAL / 2) * b;
}

interface EChartsOption {
  series: { name: string; data: [number, number][] }[];
  yAxis: { type: string; max?: unknown }[];
}
interface Globals {
  document: { getElementById(id: string): unknown };
  echarts: { getInstanceByDom(el: unknown): { getOption(): EChartsOption } };
}

function chartOption(page: Page, id: string): Promise<EChartsOption> {
  return page.evaluate((id) => {
    const g = globalThis as typeof globalThis & Globals;
    const o = g.echarts.getInstanceByDom(g.document.getElementById(id)).getOption();
    return { series: o.series.map((s) => ({ name: s.name, data: s.data })), yAxis: o.yAxis.map((a) => ({ type: a.type, max: a.max })) };
  }, id);
}

/**
 * The equity axis's tick labels as drawn ("45k", "50k", …): their values and vertical positions, by
 * value. On a linear axis equal steps are equally far apart; on a log one the distance of two ticks
 * is proportional to log(v2 / v1).
 */
function equityTicks(page: Page, id: string): Promise<{ v: number; y: number }[]> {
  return page.evaluate((id) => {
    const d = (globalThis as typeof globalThis & { document: { querySelectorAll(s: string): ArrayLike<TextNode> } }).document;
    return Array.from(d.querySelectorAll(`#${id} svg text`))
      .filter((t) => /^\d+(\.\d+)?k$/.test(t.textContent ?? ''))
      .map((t) => {
        const r = t.getBoundingClientRect();
        return { v: Number.parseFloat(t.textContent!) * 1000, y: r.top + r.height / 2 };
      })
      .sort((a, b) => a.v - b.v);
  }, id);
}
interface TextNode {
  readonly textContent: string | null;
  getBoundingClientRect(): { top: number; height: number };
}

/** Pixels per unit of value (linear) or of log value (log) between consecutive ticks: constant on the axis's own scale. */
function spacing(ticks: { v: number; y: number }[], log: boolean): number[] {
  return ticks.slice(1).map((t, i) => (ticks[i].y - t.y) / (log ? Math.log(t.v / ticks[i].v) : t.v - ticks[i].v));
}

interface DomNode {
  readonly className: string;
  readonly id: string;
  readonly children: ArrayLike<DomNode>;
}
interface Dom {
  document: { querySelector(s: string): DomNode | null; querySelectorAll(s: string): ArrayLike<DomNode> };
}

/** The phase section's first block after its heading and chips, and where the given parts come in document order. */
function sectionOrder(page: Page, selectors: string[]): Promise<{ afterChips: string; positions: number[] }> {
  return page.evaluate((selectors) => {
    const d = (globalThis as typeof globalThis & Dom).document;
    const third = d.querySelector('#p0')!.children[2];
    const all = Array.from(d.querySelectorAll('#p0 *'));
    return { afterChips: `${third.className}#${third.id}`, positions: selectors.map((sel) => all.indexOf(d.querySelector(`#p0 ${sel}`)!)) };
  }, selectors);
}

/** Buy-and-hold by hand for generated data (no missing bars): capital / S × Σ_s close_s,t / close_s,first. */
async function buyAndHoldOf(runDir: string, first: number): Promise<(bar: number) => number> {
  const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { data: { spec: Parameters<typeof loadMarketData>[0] }[] };
  const data = await loadMarketData(record.data[0].spec, '/');
  return (bar) => data.symbols.reduce((a, s) => a + (100_000 / data.symbols.length) * (s.close[bar] / s.close[first]), 0);
}

/** Each tile of the out-of-sample block: its metric, raw value and text. */
function oosTiles(page: Page): Promise<{ metric: string; v: string; text: string }[]> {
  return page.locator('#p0-oos-block .tile').evaluateAll((tiles) =>
    tiles.map((t) => ({
      metric: t.getAttribute('data-metric') ?? '',
      v: t.getAttribute('data-v') ?? '',
      text: t.querySelector('.tile-value')?.textContent ?? '',
    })),
  );
}

function expectTilesEqual(tiles: { metric: string; v: string; text: string }[], metrics: Record<string, number | null>): void {
  expect(tiles.length).toBe(11);
  for (const t of tiles) {
    const want = metrics[t.metric];
    expect(t.v === '' ? null : Number(t.v), t.metric).toBe(want);
  }
  // Formatted by hand: Sharpe to 3 decimals, total return as a percentage with 2.
  const sharpe = tiles.find((t) => t.metric === 'sharpe')!;
  expect(sharpe.text).toBe(metrics.sharpe === null ? '—' : metrics.sharpe.toLocaleString('en-US', { minimumFractionDigits: 3, maximumFractionDigits: 3 }));
  const ret = tiles.find((t) => t.metric === 'total_return')!;
  expect(ret.text).toBe(`${(metrics.total_return! * 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}%`);
}

async function open(dir: string): Promise<OpenedReport> {
  const written = await writeReport(dir);
  return openReport(context, written.file);
}

describe('walk-forward report: the stitched out-of-sample result first, buy-and-hold beside every equity chart, a log scale', () => {
  let result: ResultJson;
  let page: Page;
  let opened: OpenedReport;

  beforeAll(async () => {
    const folder = join(tmp, 'wf');
    mkdirSync(folder, { recursive: true });
    writeCsv(join(folder, 'aaa.csv'), times, aaa, () => true);
    writeCsv(join(folder, 'bbb.csv'), times, bbb, bbbHas);
    writeFileSync(
      join(folder, 'wf.yaml'),
      `name: report_wf_two_symbols
data: {symbols: [{symbol: AAA, path: aaa.csv}, {symbol: BBB, path: bbb.csv}]}
capital: ${CAPITAL}
strategy: {type: sma_crossover, fast: [5, 10], slow: [30, 60]}
broker: {commission: {percent: 0.001}}
search: {objective: sharpe}
sequence: {type: walk_forward, train: 300, test: 100}
results: {storage: disk}
`,
    );
    const run = await runWorkflow(await openWorkflow(join(folder, 'wf.yaml')), { out: join(folder, 'runs'), executor: 'inline' });
    result = run.result;
    opened = await open(result.results_dir);
    page = opened.page;
  });

  it("opens with the out-of-sample block, whose tiles are run.json's stitched metrics", async () => {
    const run = JSON.parse(readFileSync(join(result.results_dir, 'run.json'), 'utf8')) as { result: { phases: PhaseJson[] } };
    const wf = run.result.phases[0].walk_forward as { oos_metrics: Record<string, number | null>; oos_equity: number[] };
    // Heading, chips, then the out-of-sample block; the best set, the windows and the trials come after it.
    const order = await sectionOrder(page, ['#p0-oos-block', '#p0-equity', 'table.windows', '#p0-heatmap']);
    expect(order.afterChips).toBe('oos-block#p0-oos-block');
    expect(order.positions.every((x) => x >= 0)).toBe(true);
    expect([...order.positions].sort((a, b) => a - b)).toEqual(order.positions);
    expect(await page.getAttribute('#p0-oos-block', 'data-source')).toBe('walk_forward');
    expect(await page.locator('#p0-oos-block h3').textContent()).toBe('Out-of-sample result: 7 test windows stitched');
    expectTilesEqual(await oosTiles(page), wf.oos_metrics);
    // The stitched equity itself: 7 windows × 100 test bars, drawn whole.
    expect(wf.oos_equity.length).toBe(700);
    const option = await chartOption(page, 'p0-oos');
    expect(option.series.map((s) => s.name)).toEqual(['Out-of-sample equity', 'Buy and hold']);
    expect(option.series[0].data.map((q) => q[1])).toEqual(wf.oos_equity);
    expect(opened.problems).toEqual([]);
  });

  it('buy-and-hold of the stitched bars and of the best set’s window equal the closes computed by hand', async () => {
    const oos = await chartOption(page, 'p0-oos');
    const bh = oos.series[1].data;
    expect(bh.length).toBe(700);
    // Every plotted point: its date is test bar 300 + k; half the capital in each symbol from bar 300's close.
    bh.forEach(([t, v], k) => {
      expect(t).toBe(times[300 + k]);
      expect(Math.abs(v - buyAndHoldByHand(300, 300 + k))).toBeLessThan(1e-9 * v);
    });
    expect(bh[0][1]).toBe(CAPITAL);
    // A day BBB has no bar (bar 338 = 37 × 9 + 5): BBB counts its close of bar 337.
    expect(bbbHas(338)).toBe(false);
    expect(Math.abs(bh[38][1] - ((CAPITAL / 2) * (aaa[338] / aaa[300]) + (CAPITAL / 2) * (bbb[337] / bbb[300])))).toBeLessThan(1e-9 * CAPITAL);

    const last = result.phases[0].windows!.at(-1)!.train;
    expect(last).toEqual([600, 900]);
    const equity = await chartOption(page, 'p0-equity');
    expect(equity.series.map((s) => s.name)).toEqual(['Equity', 'Drawdown', 'Buy and hold']);
    const best = equity.series[2].data;
    expect(best.length).toBe(300);
    best.forEach(([t, v], k) => {
      expect(t).toBe(times[600 + k]);
      expect(Math.abs(v - buyAndHoldByHand(600, 600 + k))).toBeLessThan(1e-9 * v);
    });
    expect((await rendered(page)).buyHoldPoints).toBe(300);
  });

  it('the log-scale switch turns the equity axis logarithmic and back; the drawdown axis stays linear', async () => {
    const flat = (xs: number[]): number => Math.max(...xs) / Math.min(...xs);
    const before = await equityTicks(page, 'p0-oos');
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(flat(spacing(before, false))).toBeLessThan(1.02);
    await page.click('#p0-oos-log');
    expect((await chartOption(page, 'p0-oos')).yAxis[0].type).toBe('log');
    expect(((await rendered(page)).scales as Record<string, string>)['p0-oos']).toBe('log');
    // Round labels in thousands still (ECharts' log axis alone would label only powers of ten), now spaced by their logarithms.
    const after = await equityTicks(page, 'p0-oos');
    expect(after.length).toBeGreaterThanOrEqual(3);
    expect(flat(spacing(after, true))).toBeLessThan(1.02);
    expect(flat(spacing(after, false))).toBeGreaterThan(1.05);
    expect(await seriesCounts(page, 'p0-oos')).toEqual([700, 700]);
    await page.click('#p0-oos-log');
    expect((await chartOption(page, 'p0-oos')).yAxis[0].type).toBe('value');
    const back = await equityTicks(page, 'p0-oos');
    expect(back.map((t) => t.v)).toEqual(before.map((t) => t.v));
    expect(flat(spacing(back, false))).toBeLessThan(1.02);

    await page.click('#p0-equity-log');
    const equity = await chartOption(page, 'p0-equity');
    expect(equity.yAxis.map((a) => a.type)).toEqual(['log', 'value']);
    expect(equity.yAxis[1].max).toBe(0);
    expect(await seriesCounts(page, 'p0-equity')).toEqual([300, 300, 300]);
    expect(opened.problems).toEqual([]);
    await page.screenshot({ path: join(artifacts, 'report-walk-forward-oos.png'), fullPage: true });
  });
});

describe('k_fold and cpcv reports open with their stitched out-of-sample result', () => {
  it("k_fold: the test folds stitched, tiles equal to run.json's, buy-and-hold of the same bars", async () => {
    const { result } = await runWorkflow(await openWorkflow(join(root, 'configs', 'k_fold.yaml')), { out: join(tmp, 'kf'), executor: 'inline' });
    const { page, problems } = await open(result.results_dir);
    const kf = result.phases[0].k_fold as { oos_metrics: Record<string, number | null>; oos_equity: number[]; folds: unknown[] };
    expect((await sectionOrder(page, [])).afterChips).toBe('oos-block#p0-oos-block');
    expect(await page.getAttribute('#p0-oos-block', 'data-source')).toBe('k_fold');
    expect(await page.locator('#p0-oos-block h3').textContent()).toBe(`Out-of-sample result: ${kf.folds.length} test folds stitched`);
    expectTilesEqual(await oosTiles(page), kf.oos_metrics);
    // 3,000 bars, drawn as the lowest and highest of each bucket: the first and last values are kept.
    const option = await chartOption(page, 'p0-kfold-oos');
    expect(kf.oos_equity.length).toBe(3000);
    expect(option.series[0].data[0][1]).toBe(kf.oos_equity[0]);
    expect(option.series[0].data.at(-1)![1]).toBe(kf.oos_equity.at(-1));
    // Buy-and-hold of the generated symbols (the config extends base.yaml: AAA and BBB) at each plotted time.
    const record = JSON.parse(readFileSync(join(result.results_dir, 'run.json'), 'utf8')) as { data: { spec: Parameters<typeof loadMarketData>[0] }[] };
    const data = await loadMarketData(record.data[0].spec, '/');
    expect(data.symbols.length).toBe(2);
    const byHand = await buyAndHoldOf(result.results_dir, 0);
    const bar = new Map(Array.from(data.time, (t, i) => [t, i]));
    const bh = option.series[1].data;
    expect(bh.length).toBeGreaterThan(100);
    for (const [t, v] of bh) expect(Math.abs(v - byHand(bar.get(t)!))).toBeLessThan(1e-9 * v);
    await page.click('#p0-kfold-oos-log');
    expect((await chartOption(page, 'p0-kfold-oos')).yAxis[0].type).toBe('log');
    expect(problems).toEqual([]);
  });

  it('cpcv: the paths first, tiles the mean over the paths, buy-and-hold from the first bar', async () => {
    const { dir, result } = await runFixture('cpcv', join(tmp, 'cpcv'));
    const { page, problems } = await open(dir);
    const cv = result.phases[0].cpcv as { distribution: Record<string, { mean: number | null }>; path_equity: number[][] };
    expect((await sectionOrder(page, [])).afterChips).toBe('oos-block#p0-oos-block');
    expect(await page.getAttribute('#p0-oos-block', 'data-source')).toBe('cpcv');
    const tiles = await oosTiles(page);
    for (const t of tiles) expect(t.v === '' ? null : Number(t.v), t.metric).toBe(cv.distribution[t.metric].mean);
    expect(await page.locator('#p0-oos-block table.cpcv-paths tbody tr').count()).toBe(4);
    const byHand = await buyAndHoldOf(dir, 0);
    const option = await chartOption(page, 'p0-cpcv');
    expect(option.series.at(-1)!.name).toBe('Buy and hold');
    const bh = option.series.at(-1)!.data;
    expect(bh.length).toBe(1200);
    for (const [i, v] of bh) expect(Math.abs(v - byHand(i))).toBeLessThan(1e-9 * v);
    await page.screenshot({ path: join(artifacts, 'report-cpcv-oos.png'), fullPage: true });
    expect(problems).toEqual([]);
  });
});
