import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../src/report/index.js';
import { artifacts, launchChromium, openReport, pathsInGrid, queryDb, rendered, runFixture, seriesCounts } from './report-helpers.js';

/**
 * In headless Chromium: trials outside the result constraints drawn apart in the heatmap and the
 * histogram (counted against results.db), and a table wider than the page scrolling in its own box
 * with its leading columns kept in view.
 */

const tmp = mkdtempSync(join(tmpdir(), 'fanfold-report-marks-'));
let context: BrowserContext;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  // Scrollbars drawn, as in a headed browser (Playwright hides them by default).
  context = await launchChromium({ scrollbars: true });
});
afterAll(async () => {
  await context?.close();
});

/** The fill report.js gives trials outside the result constraints (under a hatched decal). */
const OUTSIDE = '#d4d4d8';

describe('trials outside the result constraints', () => {
  it('are hatched grey cells in the heatmap and a stacked grey series in the histogram, as many as results.db holds', async () => {
    const { dir, result } = await runFixture('constraints', tmp);
    const { page, problems } = await openReport(context, (await writeReport(dir)).file);
    // By hand from results.db: the fixture's constraints are min_trades 10 and max_drawdown 0.5.
    const rows = queryDb<{ trial: number; sharpe: number | null; trades: number; max_drawdown: number }>(
      dir,
      "SELECT trial, sharpe, trades, max_drawdown FROM trials WHERE status = 'ok'",
    );
    const outside = rows.filter((r) => r.sharpe !== null && (r.trades < 10 || r.max_drawdown > 0.5));
    expect(rows.length).toBe(16);
    expect(outside.map((r) => r.trial)).toEqual([0, 1, 6, 7, 8, 10, 11, 12, 13, 14, 15]);
    expect(outside.map((r) => r.trial)).not.toContain(
      queryDb<{ trial: number }>(dir, 'SELECT trial FROM trials WHERE params = ?', JSON.stringify(result.phases[0].best!.params))[0].trial,
    );

    // Two swept parameters: every cell is one trial, whichever way the others are aggregated.
    for (const mode of ['fixed', 'best', 'mean']) {
      await page.selectOption('#p0-hm-mode', mode);
      expect(await pathsInGrid(page, 'p0-heatmap', 'fill', [OUTSIDE]), mode).toBe(outside.length);
      expect(await seriesCounts(page, 'p0-heatmap'), mode).toEqual([rows.length - outside.length, outside.length]);
      expect((await rendered(page)).heatmap).toMatchObject({ mode, outside: outside.length });
    }
    expect(await page.locator('#p0-heatmap svg text').allTextContents()).toContain('Outside the result constraints');

    // Histogram: a grey bar in each bin holding a trial outside, a blue one in each holding one inside.
    const h = (await writeReport(dir)).model.phases[0].histogram!;
    const bin = (v: number): number => Math.min(h.counts.length - 1, Math.floor((v - h.lo) / h.width));
    const binsOf = (rs: typeof rows): number => new Set(rs.map((r) => bin(r.sharpe!))).size;
    const inside = rows.filter((r) => !outside.includes(r));
    expect(await pathsInGrid(page, 'p0-histogram', 'fill', [OUTSIDE])).toBe(binsOf(outside));
    expect(await pathsInGrid(page, 'p0-histogram', 'fill', ['#6366f1'])).toBe(binsOf(inside));
    expect((await rendered(page)).histogramOutside).toBe(outside.length);
    expect((await rendered(page)).histogramTotal).toBe(rows.length);
    const stacked = await page.evaluate(() => {
      const g = globalThis as typeof globalThis & {
        document: { getElementById(id: string): unknown };
        echarts: { getInstanceByDom(el: unknown): { getOption(): { series: { name: string; data: number[] }[] } } };
      };
      return g.echarts
        .getInstanceByDom(g.document.getElementById('p0-histogram'))
        .getOption()
        .series.map((s) => ({ name: s.name, data: s.data }));
    });
    const perBin = (rs: typeof rows): number[] => h.counts.map((_, k) => rs.filter((r) => bin(r.sharpe!) === k).length);
    expect(stacked).toEqual([
      { name: 'Inside the result constraints', data: perBin(inside) },
      { name: 'Outside the result constraints', data: perBin(outside) },
    ]);
    // The leaderboard greys the same trials.
    expect(await page.locator('#p0-leaderboard tbody tr.ineligible').count()).toBe(outside.length);
    expect(problems).toEqual([]);
    await page.screenshot({ path: join(artifacts, 'report-constraints.png'), fullPage: true });
  });
});

interface Rect {
  left: number;
  right: number;
  top: number;
  bottom: number;
}
interface El {
  readonly scrollWidth: number;
  readonly clientWidth: number;
  readonly offsetHeight: number;
  readonly clientHeight: number;
  scrollLeft: number;
  readonly classList: { contains(c: string): boolean };
  getBoundingClientRect(): Rect;
  closest(s: string): El;
  querySelector(s: string): El;
  querySelectorAll(s: string): ArrayLike<El>;
}
interface Doc {
  document: { documentElement: El; querySelector(s: string): El; elementFromPoint(x: number, y: number): El | null };
}

/** Scrolls a table's box to its right end and reports what is visible there. */
function scrolledToEnd(page: Page, table: string): Promise<Record<string, number | boolean>> {
  return page.evaluate((table) => {
    const d = (globalThis as typeof globalThis & Doc).document;
    const wrap = d.querySelector(table).closest('.table-wrap');
    const before = { scrollWidth: wrap.scrollWidth, clientWidth: wrap.clientWidth };
    wrap.scrollLeft = wrap.scrollWidth;
    const box = wrap.getBoundingClientRect();
    const heads = wrap.querySelectorAll('thead th');
    const last = heads[heads.length - 1].getBoundingClientRect();
    const trial = heads[1].getBoundingClientRect();
    const firstRow = wrap.querySelectorAll('tbody tr')[0].querySelectorAll('td');
    const trialCell = firstRow[1].getBoundingClientRect();
    const lastCell = firstRow[firstRow.length - 1].getBoundingClientRect();
    const inside = (r: Rect): boolean => r.left >= box.left - 0.5 && r.right <= box.left + wrap.clientWidth + 0.5;
    const hit = (r: Rect, el: El): boolean => d.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2) === el;
    return {
      ...before,
      scrollbar: wrap.offsetHeight - wrap.clientHeight,
      overflowing: wrap.classList.contains('overflowing'),
      lastInside: inside(last) && inside(lastCell),
      lastHit: hit(lastCell, firstRow[firstRow.length - 1]),
      trialInside: inside(trial) && inside(trialCell),
      trialHit: hit(trialCell, firstRow[1]),
      pageScroll: d.documentElement.scrollWidth,
      pageWidth: d.documentElement.clientWidth,
    };
  }, table);
}

describe('a table wider than the page', () => {
  it('scrolls sideways in its own box with a drawn scrollbar; its last column can be reached and its trial column stays in view', async () => {
    const { dir } = await runFixture('wide', tmp);
    const { page, problems } = await openReport(context, (await writeReport(dir)).file);
    // Rank, trial, seven parameters and twelve metrics.
    expect(await page.locator('#p0-leaderboard thead th').count()).toBe(21);
    await page.locator('#p0-leaderboard').scrollIntoViewIfNeeded();
    const seen = await scrolledToEnd(page, '#p0-leaderboard');
    expect(seen.scrollWidth).toBeGreaterThan(seen.clientWidth as number);
    expect(seen).toMatchObject({ overflowing: true, lastInside: true, lastHit: true, trialInside: true, trialHit: true });
    // The horizontal scrollbar is drawn, 10 px (report.css), even where the system's would overlay and hide.
    expect(seen.scrollbar).toBe(10);
    // The page itself is never wider than the window.
    expect(seen.pageScroll).toBeLessThanOrEqual(seen.pageWidth as number);
    await page.screenshot({ path: join(artifacts, 'report-wide-table.png') });
    // A table that fits is left alone: no fade, no sticky columns.
    const narrow = await page.evaluate(() => {
      const d = (globalThis as typeof globalThis & Doc).document;
      const wrap = d.querySelector('table.plateau').closest('.table-wrap');
      return {
        overflowing: wrap.classList.contains('overflowing'),
        sticky: wrap.querySelectorAll('.sticky-col').length,
        fits: wrap.scrollWidth <= wrap.clientWidth,
      };
    });
    expect(narrow).toEqual({ overflowing: false, sticky: 0, fits: true });
    expect(problems).toEqual([]);
  });
});
