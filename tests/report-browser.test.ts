import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport, type WrittenReport } from '../src/report/index.js';
import type { ResultJson } from '../src/contract.js';
import { artifacts, launchChromium, openReport, pathsInGrid, queryDb, rendered, runFixture, seriesCounts, type OpenedReport } from './report-helpers.js';

/**
 * Reports opened in headless Chromium (Debian's chromium through playwright-core): the charts
 * rendered as SVG with as many data points as the run holds (checked against results.db and
 * run.json), the controls re-render, nothing is fetched, nothing is logged as an error. A screenshot
 * of each report goes to test-artifacts/.
 */

const tmp = mkdtempSync(join(tmpdir(), 'fanfold-report-browser-'));
let context: BrowserContext;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  context = await launchChromium();
});
afterAll(async () => {
  await context?.close();
});

interface Prepared {
  readonly dir: string;
  readonly result: ResultJson;
  readonly written: WrittenReport;
  readonly opened: OpenedReport;
}

async function prepare(fixture: string): Promise<Prepared> {
  const { dir, result } = await runFixture(fixture, tmp);
  const written = await writeReport(dir);
  const opened = await openReport(context, written.file);
  return { dir, result, written, opened };
}

/** Every http(s) URL in the file is an XML namespace or a licence URL inside a comment: nothing is fetched from them. */
const NON_FETCHED = new Set([
  'http://www.w3.org/2000/svg',
  'http://www.w3.org/1999/xlink',
  'http://www.w3.org/2000/xmlns/',
  'http://www.w3.org/XML/1998/namespace',
  'http://www.apache.org/licenses/LICENSE-2.0',
  'https://github.com/ecomfe/zrender/blob/master/LICENSE',
]);

function expectSelfContained(p: Prepared): void {
  const html = readFileSync(p.written.file, 'utf8');
  const urls = [...new Set(html.match(/https?:\/\/[^\s"'`)<>\\]+/g) ?? [])];
  expect(urls.filter((u) => !NON_FETCHED.has(u))).toEqual([]);
  // The markup outside the inline scripts loads nothing: no src/href to another file, no CSS import or url().
  const markup = html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '<script></script>');
  expect(markup.match(/<(script|link|img|iframe|source|object|embed)\b[^>]*\b(src|href|data)\s*=/gi)).toBeNull();
  expect(markup.match(/@import|url\(/gi)).toBeNull();
  expect(markup.match(/<script/g)!.length).toBe(3);
  expect(p.opened.requests).toEqual([`file://${p.written.file}`]);
  expect(p.opened.problems).toEqual([]);
}

async function expectSvgCharts(page: Page, ids: string[]): Promise<void> {
  for (const id of ids) expect(await page.locator(`#${id} svg path`).count(), id).toBeGreaterThan(3);
}

async function sortedColumn(page: Page, table: string, header: string): Promise<(number | null)[]> {
  const col = await page.locator(`#${table} thead th`).allTextContents();
  const index = col.findIndex((t) => t.trim() === header);
  expect(index, header).toBeGreaterThanOrEqual(0);
  return page
    .locator(`#${table} tbody tr td:nth-child(${index + 1})`)
    .evaluateAll((cells) => cells.map((c) => (c.getAttribute('data-v') === '' ? null : Number(c.getAttribute('data-v')))));
}

describe('report in Chromium', () => {
  it("a sweep: equity, heatmap and histogram drawn with the run's data points, heatmap selectors re-render, the leaderboard sorts", async () => {
    const p = await prepare('sweep');
    const { page } = p.opened;
    await expectSvgCharts(page, ['p0-equity', 'p0-heatmap', 'p0-histogram']);

    // The best set's curve: one point per bar of the data (run.json says 1,500), equity and drawdown.
    const bars = (JSON.parse(readFileSync(join(p.dir, 'run.json'), 'utf8')) as { data: { bars: number }[] }).data[0].bars;
    expect(bars).toBe(1500);
    // Equity, drawdown and buy-and-hold of the same bars.
    expect(await seriesCounts(page, 'p0-equity')).toEqual([bars, bars, bars]);
    expect(await page.getAttribute('#p0-equity', 'data-points')).toBe('1500');

    // Heatmap, others fixed at the best set: one cell per (fast, slow) trial at the best stop loss.
    const rows = queryDb<{ params: string; sharpe: number | null }>(p.dir, "SELECT params, sharpe FROM trials WHERE status = 'ok'").map(
      (r): Record<string, unknown> & { sharpe: number | null } => ({ ...(JSON.parse(r.params) as Record<string, unknown>), sharpe: r.sharpe }),
    );
    const best = p.result.phases[0].best!.params;
    const distinct = (x: string, y: string, keep: (r: Record<string, unknown>) => boolean): number =>
      new Set(rows.filter((r) => r.sharpe !== null && keep(r)).map((r) => `${String(r[x])}|${String(r[y])}`)).size;
    // Cell borders: near-white, the best set's dark, the plateau best's red.
    const cells = (): Promise<number> => pathsInGrid(page, 'p0-heatmap', 'stroke', ['#fdfdfd', '#111827', '#dc2626']);
    const fixed = distinct('strategy.fast', 'strategy.slow', (r) => r['risk.stop_loss'] === best['risk.stop_loss']);
    expect(fixed).toBe(13);
    expect(await cells()).toBe(fixed);
    expect(await pathsInGrid(page, 'p0-heatmap', 'stroke', ['#111827'])).toBe(1);
    // min_trades makes a second series for the cells outside the result constraints: none here.
    expect(await seriesCounts(page, 'p0-heatmap')).toEqual([fixed, 0]);

    // Aggregated over the stop loss: every (fast, slow) pair with a defined objective.
    await page.selectOption('#p0-hm-mode', 'mean');
    expect(await cells()).toBe(distinct('strategy.fast', 'strategy.slow', () => true));
    // Another pair: stop loss across, slow up.
    await page.selectOption('#p0-hm-x', 'risk.stop_loss');
    expect(await rendered(page)).toMatchObject({ heatmap: { x: 'risk.stop_loss', y: 'strategy.slow', mode: 'mean' } });
    expect(await cells()).toBe(distinct('risk.stop_loss', 'strategy.slow', () => true));
    expect(await page.getAttribute('#p0-heatmap', 'data-points')).toBe('9');
    expect(await page.locator('#p0-heatmap svg text').allTextContents()).toEqual(expect.arrayContaining(['none', '0.05', '0.1', 'risk.stop_loss']));
    // The same parameter on both axes swaps them.
    await page.selectOption('#p0-hm-y', 'risk.stop_loss');
    expect(await rendered(page)).toMatchObject({ heatmap: { x: 'strategy.slow', y: 'risk.stop_loss' } });

    // Histogram: one bar per non-empty bin; the bins hold every ok trial with a Sharpe.
    const histogram = p.written.model.phases[0].histogram!;
    expect(await pathsInGrid(page, 'p0-histogram', 'fill', ['#6366f1'])).toBe(histogram.counts.filter((c) => c > 0).length);
    expect((await rendered(page)).histogramTotal).toBe(rows.filter((r) => r.sharpe !== null).length);

    // Leaderboard: first row is the best; sorting by a header orders by that column, again reverses.
    const trials = await sortedColumn(page, 'p0-leaderboard', 'Trial');
    expect(trials.length).toBe(39);
    const bestTrial = queryDb<{ trial: number }>(p.dir, 'SELECT trial FROM trials WHERE params = ?', JSON.stringify(best))[0].trial;
    expect(trials[0]).toBe(bestTrial);
    await page.click('#p0-leaderboard thead th:has-text("Sharpe")');
    expect(await page.getAttribute('#p0-leaderboard thead th:has-text("Sharpe")', 'aria-sort')).toBe('ascending');
    const sharpes = rows.map((r) => r.sharpe).filter((s): s is number => s !== null);
    const ascending = await sortedColumn(page, 'p0-leaderboard', 'Sharpe');
    expect(ascending[0]).toBe(Math.min(...sharpes));
    expect(ascending.filter((v) => v !== null)).toEqual([...sharpes].sort((a, b) => a - b));
    await page.click('#p0-leaderboard thead th:has-text("Sharpe")');
    expect((await sortedColumn(page, 'p0-leaderboard', 'Sharpe'))[0]).toBe(Math.max(...sharpes));
    await page.click('#p0-leaderboard thead th:has-text("Rank")');
    expect((await sortedColumn(page, 'p0-leaderboard', 'Trial'))[0]).toBe(bestTrial);

    // Is the best set real? λ histogram over every combination, the scatter's points, the plateau table.
    const robustness = p.result.phases[0].robustness as {
      pbo: { combinations: number; lambda: { counts: number[] }; scatter: unknown[] };
      plateau: { best: { trial: number }; plateau_best: { trial: number } };
    };
    expect(await seriesCounts(page, 'p0-lambda')).toEqual([robustness.pbo.lambda.counts.length]);
    expect((await rendered(page)).lambdaTotal).toBe(robustness.pbo.combinations);
    expect(robustness.pbo.combinations).toBe(12870);
    expect((await seriesCounts(page, 'p0-cscv'))[0]).toBe(robustness.pbo.scatter.length);
    expect(await page.locator('table.plateau tbody tr').count()).toBe(2);
    expect(await page.locator('#p0-robustness').textContent()).toBe('Is the best set real?');
    await expectSvgCharts(page, ['p0-lambda', 'p0-cscv']);

    expectSelfContained(p);
    await page.screenshot({ path: join(artifacts, 'report-sweep.png'), fullPage: true });
  });

  it("a cpcv run: one line per path, the paths table, each split's robustness figures", async () => {
    const p = await prepare('cpcv');
    const { page } = p.opened;
    const cv = p.result.phases[0].cpcv as { paths: unknown[]; splits: unknown[]; path_equity: number[][] };
    expect(cv.paths.length).toBe(4);
    // One line per path, then buy-and-hold over the same bars.
    expect(await seriesCounts(page, 'p0-cpcv')).toEqual([...cv.path_equity.map((e) => e.length), cv.path_equity[0].length]);
    expect(await page.locator('table.cpcv-paths tbody tr').count()).toBe(4);
    expect(await page.locator('table.robustness-per tbody tr').count()).toBe(10);
    await expectSvgCharts(page, ['p0-cpcv']);
    expectSelfContained(p);
    await page.screenshot({ path: join(artifacts, 'report-cpcv.png'), fullPage: true });
  });

  it('a walk-forward run: every window on the timeline, in- and out-of-sample bars per window, the stitched equity', async () => {
    const p = await prepare('walk_forward');
    const { page } = p.opened;
    const phase = p.result.phases[0];
    const n = phase.windows!.length;
    expect(n).toBe(19);
    await expectSvgCharts(page, ['p0-timeline', 'p0-isoos', 'p0-oos', 'p0-equity', 'p0-heatmap', 'p0-histogram']);
    expect(await seriesCounts(page, 'p0-timeline')).toEqual([n, n]);
    expect(await pathsInGrid(page, 'p0-timeline', 'fill', ['#93c5fd'])).toBe(n);
    expect(await pathsInGrid(page, 'p0-timeline', 'fill', ['#f59e0b'])).toBe(n);
    expect(await seriesCounts(page, 'p0-isoos')).toEqual([n, n]);
    expect(await pathsInGrid(page, 'p0-isoos', 'fill', ['#60a5fa'])).toBe(phase.windows!.filter((w) => w.best !== null && w.best.metrics.sharpe !== 0).length);
    await page.selectOption('#p0-isoos-metric', 'total_return');
    expect(await rendered(page)).toMatchObject({ isOos: { metric: 'total_return', windows: n } });
    expect(await page.locator('#p0-isoos svg text').allTextContents()).toContain('Total return');
    const oos = (phase.walk_forward as { oos_equity: number[] }).oos_equity;
    expect(await seriesCounts(page, 'p0-oos')).toEqual([oos.length, oos.length]);
    expect(oos.length).toBe(phase.windows!.reduce((a, w) => a + w.test[1] - w.test[0], 0));
    const window = phase.windows!.at(-1)!.train;
    expect(await seriesCounts(page, 'p0-equity')).toEqual([window[1] - window[0], window[1] - window[0], window[1] - window[0]]);
    expect(await page.locator('table.windows tbody tr').count()).toBe(n);
    expectSelfContained(p);
    await page.screenshot({ path: join(artifacts, 'report-walk-forward.png'), fullPage: true });
  });

  it('a run with failed trials: each listed with its error, only completed trials ranked and counted', async () => {
    const p = await prepare('failing');
    const { page } = p.opened;
    const failed = queryDb<{ trial: number; error: string }>(p.dir, "SELECT trial, error FROM trials WHERE status = 'failed' ORDER BY trial");
    expect(failed.length).toBe(12);
    const listed = page.locator('table.failures tbody tr');
    expect(await listed.count()).toBe(failed.length);
    expect(await listed.locator('td:first-child').allTextContents()).toEqual(failed.map((f) => String(f.trial)));
    expect(await listed.locator('td:last-child').allTextContents()).toEqual(failed.map((f) => f.error));
    expect(await page.locator('h3.bad').textContent()).toBe('Failed trials (12)');
    expect(await page.locator('#p0-leaderboard tbody tr').count()).toBe(36);
    expect((await rendered(page)).histogramTotal).toBe(36);
    await expectSvgCharts(page, ['p0-equity', 'p0-heatmap', 'p0-histogram']);
    expectSelfContained(p);
    await page.screenshot({ path: join(artifacts, 'report-failed-trials.png'), fullPage: true });
  });

  it('a Monte Carlo run: one point per percentile for each band', async () => {
    const p = await prepare('monte_carlo');
    const { page } = p.opened;
    const mc = p.result.phases[0].monte_carlo as { bars: { final_equity: Record<string, number> }; trades: unknown };
    const k = Object.keys(mc.bars.final_equity).length;
    expect(k).toBe(5);
    expect(await seriesCounts(page, 'p0-mc')).toEqual(mc.trades ? [k, k, k, k, k] : [k, k, k]);
    expect(await page.locator('table.montecarlo tbody tr').count()).toBe(mc.trades ? 5 : 3);
    expectSelfContained(p);
    await page.screenshot({ path: join(artifacts, 'report-monte-carlo.png'), fullPage: true });
  });

  it('a model-based search: the optimisation history holds every trial, the Pareto front every non-dominated one, importance every parameter', async () => {
    for (const fixture of ['nsga2', 'halving']) {
      const p = await prepare(fixture);
      const { page } = p.opened;
      const search = p.result.phases[0].search as {
        trials: number;
        pruned: number;
        complete: number;
        infeasible: number;
        failed: number;
        pareto?: unknown[];
        history: { value: (number | null)[]; best: (number | null)[]; status: string[] };
        rungs?: unknown[];
      };
      const counts = await seriesCounts(page, 'p0-history');
      // complete, pruned (at their rung's value) and the running best: one point per trial with a value.
      expect(counts[0] + counts[1]).toBe(search.history.value.filter((v) => v !== null).length);
      expect(counts[1]).toBe(search.history.status.filter((s, i) => s === 'pruned' && search.history.value[i] !== null).length);
      expect((await rendered(page)).historyTrials).toBe(search.trials);
      expect((await rendered(page)).historyBest).toBe(search.history.best[search.history.best.length - 1]);
      expect(await page.locator('table.importance tbody tr').count()).toBe(2);
      if (fixture === 'nsga2') {
        expect(await seriesCounts(page, 'p0-pareto')).toEqual([search.pareto!.length]);
        await expectSvgCharts(page, ['p0-history', 'p0-pareto']);
      } else {
        expect(search.pruned).toBeGreaterThan(0);
        expect(await page.locator('table.rungs tbody tr').count()).toBe(3);
        await expectSvgCharts(page, ['p0-history']);
      }
      expectSelfContained(p);
      await page.screenshot({ path: join(artifacts, `report-${fixture}.png`), fullPage: true });
    }
  });
});
