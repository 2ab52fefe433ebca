import { describe, expect, it } from 'vitest';
import { loadMarketData } from '../src/data/load.js';
import type { MarketData } from '../src/data/series.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { runKernel } from '../src/engine/batch/kernel.js';
import { type BarWindow, type ParameterSet, METRIC_NAMES } from '../src/types.js';
import { randomSets } from './support/random-sets.js';
import { LocalColumns } from '../src/features/columns.js';
import { inferPeriodsPerYear } from '../src/data/load.js';
import { Topology, type SetResult } from '../src/topology/topology.js';

/**
 * The batch kernel against the event-driven optimization topology, its reference: for hundreds of
 * random parameter sets (every built-in strategy, regime filters and switches, every sizing,
 * commission and slippage model, stops, take-profits, trailing stops, both fills, shorts), windows
 * and multi-symbol data with missing bars, every metric, trade and equity point must be the same
 * bits. Sets are drawn so that many share a strategy (the kernel runs those once).
 */

function expectSame(actual: SetResult[], expected: SetResult[]): void {
  expect(actual.length).toBe(expected.length);
  for (let p = 0; p < expected.length; p++) {
    for (const m of METRIC_NAMES) {
      if (!Object.is(actual[p].metrics[m], expected[p].metrics[m])) {
        throw new Error(`set ${p}: ${m} kernel ${actual[p].metrics[m]} vs topology ${expected[p].metrics[m]}`);
      }
    }
    expect(actual[p].trades).toEqual(expected[p].trades);
    if (expected[p].curve) {
      expect(Buffer.from(actual[p].curve!.equity.buffer).equals(Buffer.from(expected[p].curve!.equity.buffer))).toBe(true);
      expect(actual[p].curve!.exposed).toEqual(expected[p].curve!.exposed);
    }
  }
}

function check(data: MarketData, sets: ParameterSet[], window: BarWindow, recordCurves: boolean): void {
  const periodsPerYear = inferPeriodsPerYear(data.time);
  // Robustness block sums too (7 blocks, numbered from 3 as a k_fold segment after another's).
  const blocks = { count: 7, total: 3 + window.end - window.start - 1, offset: 3 };
  const reference = new Topology('optimization', data, sets, { window, periodsPerYear, storeTrades: true, recordCurves, blocks }).run();
  for (const columns of [new LocalColumns(), null, new LocalColumns(0)]) {
    const kernel = runKernel(data, sets, { window, periodsPerYear, storeTrades: true, recordCurves, columns, blocks });
    expectSame(kernel, reference);
    for (let p = 0; p < sets.length; p++)
      expect(Buffer.from(kernel[p].blocks!.slice().buffer).equals(Buffer.from(reference[p].blocks!.slice().buffer))).toBe(true);
  }
  if (!recordCurves) return;
  // The block sums are those of the equity curve's bar returns, block by block (up to the rounding of
  // the cumulative sums they are differences of).
  for (let p = 0; p < sets.length; p++) {
    const equity = reference[p].curve!.equity;
    const expected = new Float64Array(14);
    for (let t = 1; t < equity.length; t++) {
      const i = 3 + t - 1;
      let j = 0;
      while (j < 6 && i >= Math.floor(((j + 1) * blocks.total) / 7)) j++;
      const r = equity[t] / equity[t - 1] - 1;
      expected[2 * j] += r;
      expected[2 * j + 1] += r * r;
    }
    // The cumulative sums reach Σ|Σr| and ΣΣr² over the blocks: the tolerance is relative to those.
    const scale = [0, 1].map((k) => 1 + expected.reduce((a, x, i) => (i % 2 === k ? a + Math.abs(x) : a), 0));
    reference[p].blocks!.forEach((v, i) => {
      if (!(Math.abs(v - expected[i]) <= 1e-14 * scale[i % 2])) throw new Error(`set ${p}: block value ${i} is ${v}, the curve's returns give ${expected[i]}`);
    });
  }
}

describe('batch kernel = event-driven optimization topology, bit for bit', () => {
  it('synthetic two-symbol data with a late-starting symbol, random sets and windows', () => {
    const a = generateSynthetic({ bars: 1200, symbols: ['A', 'B'], seed: 3 });
    // B has no bars for its first 300 and every 17th bar: the hub keeps its values, orders wait.
    const b = a.symbols[1];
    for (let t = 0; t < b.close.length; t++) if (t < 300 || t % 17 === 0) for (const f of ['open', 'high', 'low', 'close', 'volume'] as const) b[f][t] = NaN;
    const data: MarketData = { ...a, hash: 'holes' };
    let seed = 1;
    for (const window of [
      { start: 0, end: 1200 },
      { start: 250, end: 900 },
      { start: 1100, end: 1200 },
    ]) {
      check(data, randomSets(seed++, 120), window, seed % 2 === 0);
    }
  });

  it('real ORCL and NVDA bars (NVDA starts four years later), 200 sets, trades and curves', async () => {
    const data = await loadMarketData(
      {
        symbols: [
          { symbol: 'ORCL', path: '/work/shared/data/orcl-1995-2014.txt' },
          { symbol: 'NVDA', path: '/work/shared/data/nvda-1999-2014.txt' },
        ],
      },
      '.',
    );
    check(data, randomSets(42, 200), { start: 2000, end: data.time.length }, true);
  });

  it('one set alone and the same set among others give the same result (instances are shared, not mixed)', () => {
    const data = generateSynthetic({ bars: 800, symbols: ['A'], seed: 9 });
    const sets = randomSets(7, 60);
    const window = { start: 0, end: 800 };
    const periodsPerYear = inferPeriodsPerYear(data.time);
    const all = runKernel(data, sets, { window, periodsPerYear, storeTrades: true, recordCurves: false, columns: new LocalColumns(), blocks: null });
    for (const p of [0, 17, 59]) {
      expectSame(runKernel(data, [sets[p]], { window, periodsPerYear, storeTrades: true, recordCurves: false, columns: null, blocks: null }), [all[p]]);
    }
  });
});
