import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlugins } from '../src/coordinator/plugins.js';
import { loadCsvFile } from '../src/data/csv.js';
import { alignSeries } from '../src/data/align.js';
import { computeFeatureColumns } from '../src/features/compute.js';
import { parseFeatureKey } from '../src/features/registry.js';
import { runBacktest, runBatch } from '../src/topology/run-sets.js';
import { bars, closes, makeSet } from './helpers.js';
import { cli } from './support/cli.js';

const root = join(import.meta.dirname, '..');
const examples = join(root, 'configs', 'plugins-ts');
const tmp = mkdtempSync(join(tmpdir(), 'fanfold-feature-plugins-'));

/** KAMA straight from its definition (README, "Own indicators") over whole arrays: the path summed oldest first. */
function kamaReference(c: readonly number[], n: number, fast: number, slow: number): { kama: number[]; er: number[] } {
  const kama = c.map(() => Number.NaN);
  const er = c.map(() => Number.NaN);
  const f = 2 / (fast + 1);
  const s = 2 / (slow + 1);
  for (let t = n; t < c.length; t++) {
    let path = 0;
    for (let k = t - n + 1; k <= t; k++) path += Math.abs(c[k] - c[k - 1]);
    er[t] = path > 0 ? Math.abs(c[t] - c[t - n]) / path : 0;
    const root = er[t] * (f - s) + s;
    const sc = root * root;
    const before = t === n ? c[t - 1] : kama[t - 1];
    kama[t] = before + sc * (c[t] - before);
  }
  return { kama, er };
}

/** SuperTrend straight from its definition (README, "Own indicators") over whole arrays. */
function supertrendReference(h: ArrayLike<number>, l: ArrayLike<number>, c: ArrayLike<number>, n: number, m: number): { line: number[]; dir: number[] } {
  const line: number[] = Array.from(c, () => Number.NaN);
  const dir: number[] = Array.from(c, () => Number.NaN);
  let sum = 0;
  let atr = Number.NaN;
  let upper = Number.NaN;
  let lower = Number.NaN;
  let trend = 1;
  for (let t = 1; t < c.length; t++) {
    const tr = Math.max(h[t], c[t - 1]) - Math.min(l[t], c[t - 1]);
    if (t < n) {
      sum += tr;
      continue;
    }
    atr = t === n ? (sum + tr) / n : (atr * (n - 1) + tr) / n;
    const bu = (h[t] + l[t]) / 2 + m * atr;
    const bl = (h[t] + l[t]) / 2 - m * atr;
    if (t === n) {
      upper = bu;
      lower = bl;
    } else {
      if (trend === -1 && c[t] > upper) trend = 1;
      else if (trend === 1 && c[t] < lower) trend = -1;
      upper = bu < upper || c[t - 1] > upper ? bu : upper;
      lower = bl > lower || c[t - 1] < lower ? bl : lower;
    }
    line[t] = trend === 1 ? lower : upper;
    dir[t] = trend;
  }
  return { line, dir };
}

describe('own indicators as plugins (kind: feature)', () => {
  it('SuperTrend from configs/plugins-ts: hand-computed on five bars (a flip down and back up), and its definition over TTRC', async () => {
    // The first load of the folder in this file: features registered first, whatever the file order.
    const loaded = await loadPlugins([examples]);
    expect(loaded.features.sort()).toEqual(['kama', 'supertrend']);
    expect(loaded.strategies.sort()).toEqual(['donchian_pullback', 'kama_trend']);
    // o, h, l, c; n = 2, m = 1. TR1 = 2, TR2 = 2 → ATR2 = 2; TR3 = 4 → ATR3 = 3; TR4 = 6 → ATR4 = 4.5.
    const five = bars([
      [10, 11, 9, 10],
      [10, 12, 10, 11],
      [11, 12, 10, 11],
      [11, 11, 7, 8],
      [8, 14, 8, 13],
    ]).symbols[0];
    const cols = computeFeatureColumns(five, ['supertrend(2,1).line', 'supertrend(2,1).dir']);
    // bar 2: hl2 11 ± 2 → bands 13 / 9, up: the lower band. bar 3: close 8 < 9 → down; upper min(12, 13) = 12.
    // bar 4: close 13 > 12 → up; the previous close 8 was below the lower band 9, so it resets to 11 − 4.5.
    expect(Array.from(cols.get('supertrend(2,1).line')!)).toEqual([Number.NaN, Number.NaN, 9, 12, 6.5]);
    expect(Array.from(cols.get('supertrend(2,1).dir')!)).toEqual([Number.NaN, Number.NaN, 1, -1, 1]);
    const ttrc = alignSeries([await loadCsvFile(join(root, '..', 'shared', 'data', 'ttrc.csv'), 'TTRC')], 'ttrc').symbols[0];
    const got = computeFeatureColumns(ttrc, ['supertrend(10,3).line', 'supertrend(10,3).dir']);
    const want = supertrendReference(ttrc.high, ttrc.low, ttrc.close, 10, 3);
    expect(Array.from(got.get('supertrend(10,3).line')!)).toEqual(want.line);
    expect(Array.from(got.get('supertrend(10,3).dir')!)).toEqual(want.dir);
    expect(want.dir.filter((d, i) => i > 0 && d !== want.dir[i - 1] && !Number.isNaN(want.dir[i - 1])).length).toBeGreaterThan(50);
  });

  it('KAMA from configs/plugins-ts: hand-computed on five closes, and bit for bit its definition over 5,550 TTRC bars', async () => {
    await loadPlugins([examples]);
    // n = 2, fast 2, slow 30: f = 2/3, s = 2/31.
    const five = closes([10, 11, 10, 12, 13]).symbols[0];
    const cols = computeFeatureColumns(five, ['kama(2,2,30).kama', 'kama(2,2,30).er']);
    const k = cols.get('kama(2,2,30).kama')!;
    const er = cols.get('kama(2,2,30).er')!;
    expect([k[0], k[1], er[1]].every(Number.isNaN)).toBe(true);
    // t = 2: |10 − 10| / (1 + 1) = 0 → sc = (2/31)², seeded with C1 = 11.
    expect(er[2]).toBe(0);
    expect(k[2]).toBe(11 + (2 / 31) * (2 / 31) * (10 - 11));
    // t = 3: |12 − 11| / (|10 − 11| + |12 − 10|) = 1/3.
    expect(er[3]).toBe(1 / 3);
    const root3 = (1 / 3) * (2 / 3 - 2 / 31) + 2 / 31;
    const sc3 = root3 * root3;
    expect(k[3]).toBe(k[2] + sc3 * (12 - k[2]));
    // t = 4: |13 − 10| / (|12 − 10| + |13 − 12|) = 1: the fastest constant (2/3)².
    expect(er[4]).toBe(1);
    // (f − s) + s is 2/3 only up to rounding: the formula is evaluated as written.
    const root4 = 1 * (2 / 3 - 2 / 31) + 2 / 31;
    expect(Math.abs(root4 - 2 / 3)).toBeLessThan(1e-15);
    expect(k[4]).toBe(k[3] + root4 * root4 * (13 - k[3]));

    const ttrc = alignSeries([await loadCsvFile(join(root, '..', 'shared', 'data', 'ttrc.csv'), 'TTRC')], 'ttrc').symbols[0];
    const got = computeFeatureColumns(ttrc, ['kama(10,2,30)', 'kama(10,2,30).er']);
    const want = kamaReference(Array.from(ttrc.close), 10, 2, 30);
    expect(Array.from(got.get('kama(10,2,30).kama')!)).toEqual(want.kama);
    expect(Array.from(got.get('kama(10,2,30).er')!)).toEqual(want.er);
  });

  it('a strategy on a plugin feature runs the same in a sweep batch and in the event-driven engine; bounds and names are checked', async () => {
    await loadPlugins([examples]);
    expect(parseFeatureKey('kama').key).toBe('kama(10,2,30)');
    expect(() => parseFeatureKey('kama(1,2,30)')).toThrow("feature 'kama(1,2,30)': n must be within [2, …], got 1");
    const data = closes(Array.from({ length: 400 }, (_, i) => 100 + 10 * Math.sin(i / 15) + i / 20));
    const sets = [makeSet('kama_trend', { n: 10, band: 0 }), makeSet('kama_trend', { n: 20, slow: 60, band: 0.01 })];
    const batch = runBatch(data, sets);
    sets.forEach((set, i) => {
      expect(batch[i].metrics.trades).toBeGreaterThan(0);
      expect(batch[i].metrics).toEqual(runBacktest(data, set).metrics);
    });
  });

  it("fanfold features --plugins computes a plugin feature: the CSV holds the hub's values", async () => {
    await loadPlugins([examples]);
    const data = join(root, '..', 'shared', 'data', 'ttrc.csv');
    const file = join(tmp, 'kama.csv');
    const r = cli(['features', data, '--plugins', examples, '--feature', 'kama(10,2,30).er', '--out', file]);
    expect(r.status, r.stderr).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('date,"kama(10,2,30).er"');
    const ttrc = alignSeries([await loadCsvFile(data, 'TTRC')], 'ttrc').symbols[0];
    const er = computeFeatureColumns(ttrc, ['kama(10,2,30).er']).get('kama(10,2,30).er')!;
    expect(lines.slice(1).map((l) => (l.split(',')[1] === '' ? Number.NaN : Number(l.split(',')[1])))).toEqual(Array.from(er));
    const without = cli(['features', data, '--feature', 'kama(10,2,30)']);
    expect(without.status).toBe(2);
    expect(without.stderr).toContain("unknown feature 'kama'");
  });

  it('refuses a feature with a bad shape, defaults that do not run, or a taken name, naming file and export', async () => {
    const folder = (name: string, source: string): string => {
      const dir = join(tmp, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'f.mjs'), source);
      return dir;
    };
    const feature = (extra: string): string =>
      `export const f = { kind: 'feature', name: 'myfeat', description: 'd', args: [{ name: 'n', type: 'int', default: 3 }], warmup: ([n]) => n - 1, stateSize: () => 1, update(s, a, bar, out, o) { out[o] = bar.close; }, ${extra} };`;
    await expect(loadPlugins([folder('taken', feature("name: 'sma'"))])).rejects.toThrow(
      /taken\/f\.mjs: export 'f': the name 'sma' is already registered \(feature\)/,
    );
    await expect(loadPlugins([folder('digits', feature("name: 'feat2'"))])).rejects.toThrow(
      /digits\/f\.mjs: export 'f': name must be lower_snake_case letters/,
    );
    await expect(loadPlugins([folder('size', feature('stateSize: () => -1'))])).rejects.toThrow(
      /size\/f\.mjs: export 'f': stateSize\(defaults\) must be a non-negative integer, got -1/,
    );
    await expect(loadPlugins([folder('throws', feature("update() { throw new Error('nope'); }"))])).rejects.toThrow(
      /throws\/f\.mjs: export 'f': its defaults do not run: nope/,
    );
    await expect(loadPlugins([folder('default', feature("args: [{ name: 'n', type: 'int', default: 2.5 }]"))])).rejects.toThrow(
      /argument n: default must be a positive integer/,
    );
  });
});
