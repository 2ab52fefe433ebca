import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packRows, unpackRows, type StoredRows } from '../src/batch/rows.js';
import { runTest, runWork } from '../src/batch/work.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { computeColumns } from '../src/features/columns.js';
import { parseFeatureKey } from '../src/features/registry.js';
import { SharedColumns, sharedColumnsHandle } from '../src/features/shared-columns.js';
import { combineSegments } from '../src/metrics/combine.js';
import { METRIC_NAMES } from '../src/types.js';
import { metricsJson } from '../src/contract.js';
import { pointSet, samplerOf } from '../src/search/template.js';
import { canonicalJson, canonicalSet, canonicalStrategy, trialKey } from '../src/common/trial-key.js';
import { Dispatcher } from '../src/sequencer/dispatch.js';
import { BatchSizer } from '../src/sequencer/run-search.js';
import { runBatch } from '../src/topology/run-sets.js';
import { phaseOf, planFor } from './support/plan.js';
import { randomSets } from './support/random-sets.js';
import { encodePlan } from '../src/batch/plan.js';
import { planOf } from '../src/sequencer/run-search.js';

/**
 * The compact work protocol: a worker given a plan and a range of grid indices must build exactly
 * the sets, trial keys and rows the coordinator would have built one by one, and rank its batch as
 * the leaderboard would.
 */

const tmp = mkdtempSync(join(tmpdir(), 'fanfold-batch-'));
const data = generateSynthetic({ bars: 900, symbols: ['A', 'B'], seed: 13 });
const phase = phaseOf(
  tmp,
  'grid',
  `name: grid
data: {synthetic: {bars: 900, symbols: [A, B], seed: 13}}
strategy: {type: ema_crossover, fast: [3, 5, 8, 13], slow: [20, 40], trigger: [cross, level]}
risk: {stop_loss: [null, 0.05]}
broker: {commission: {percent: 0.001}}
search: {objective: sharpe, constraints: ["strategy.fast * 4 < strategy.slow"]}
results: {store_trades: true, top_k: 3}
`,
);

/** The coordinator's own path: each accepted point's set built here, run through runBatch, keyed here. */
function byHand(window: { start: number; end: number }, from: number, to: number) {
  const sampler = samplerOf(phase);
  const points: number[] = [];
  for (let k = from; k < to; k++) if (sampler.accepts(k)) points.push(k);
  const built = points.map((k) => pointSet(phase, sampler.indicesAt(k, new Int32Array(phase.dimensions.length))));
  const results = runBatch(
    data,
    built.map((b) => b.set),
    { window, storeTrades: true },
  );
  return { points, built, results };
}

describe('a task built by the worker from the plan', () => {
  it('has the points the constraints accept, each with the trial key, params and metrics the coordinator would give it', () => {
    const window = { start: 200, end: 900 };
    const plan = planFor(phase, data.hash, [window], { storeTrades: true });
    const reply = runWork({ plan, data, range: { from: 3, to: 29, points: null }, skip: null });
    const expected = byHand(window, 3, 29);
    expect(expected.points.length).toBeGreaterThan(4);
    expect(expected.points.length).toBeLessThan(26); // some rejected by the constraint
    expect(reply.points).toBe(expected.points.length);
    const rows = unpackRows(reply.rows);
    expect(Array.from(rows.trial)).toEqual(expected.points);
    expected.points.forEach((_, i) => {
      expect(rows.keys.substr(i * 64, 64)).toBe(trialKey(expected.built[i].set, data.hash, window));
      expect(JSON.parse(rows.params[i])).toEqual(expected.built[i].params);
      const m = metricsJson(expected.results[i].metrics);
      METRIC_NAMES.forEach((name, j) => expect(Object.is(rows.metrics[i * METRIC_NAMES.length + j], m[name] ?? NaN)).toBe(true));
    });
  });

  it('skips the stored points it is told of, and ranks its batch as the leaderboard does (ties to the lower grid index)', () => {
    const window = { start: 0, end: 900 };
    const plan = planFor(phase, data.hash, [window], { topK: 3 });
    const skip = Float64Array.of(4, 5, 17);
    const reply = runWork({ plan, data, range: { from: 0, to: 32, points: null }, skip });
    const expected = byHand(window, 0, 32);
    const kept = expected.points.map((k, i) => ({ k, i })).filter(({ k }) => !skip.includes(k));
    expect(Array.from(unpackRows(reply.rows).trial)).toEqual(kept.map((x) => x.k));
    const ranked = kept
      .map(({ k, i }) => ({ k, sharpe: metricsJson(expected.results[i].metrics).sharpe }))
      .filter((x) => x.sharpe !== null)
      .sort((a, b) => b.sharpe! - a.sharpe! || a.k - b.k)
      .slice(0, 3);
    expect(reply.top.map((e) => e.trial)).toEqual(ranked.map((x) => x.k));
  });

  it('a k_fold plan ranks each point by its segments combined (metrics/combine.ts) and stores one row per segment', () => {
    const segments = [
      { start: 0, end: 300 },
      { start: 450, end: 900 },
    ];
    const plan = encodePlan(
      planOf(phase, data.hash, segments, true, { results: null, label: 'fold', resume: false, storeTrades: false, topK: 2, keepAll: false }),
      false,
    );
    const reply = runWork({ plan, data, range: { from: 0, to: 32, points: null }, skip: null });
    const parts = segments.map((w) => byHand(w, 0, 32));
    const rows = unpackRows(reply.rows);
    expect(rows.trial.length).toBe(2 * parts[0].points.length);
    const combined = parts[0].points.map((k, i) => ({
      k,
      m: combineSegments(
        parts.map((p, w) => ({ metrics: metricsJson(p.results[i].metrics), bars: segments[w].end - segments[w].start })),
        phase.config.capital,
      ),
    }));
    const best = combined.filter((c) => c.m.sharpe !== null).sort((a, b) => b.m.sharpe! - a.m.sharpe! || a.k - b.k)[0];
    expect(reply.top[0].trial).toBe(best.k);
    expect(reply.top[0].metrics).toEqual(best.m);
  });

  it('a test task runs one trial on one window, curve and trades included', () => {
    const plan = planFor(phase, data.hash, [{ start: 0, end: 600 }]);
    const test = runTest({ plan, data, trial: 9, window: { start: 600, end: 900 }, recordCurve: true, trades: true, traceSegment: 'x' });
    const { set, params } = pointSet(phase, samplerOf(phase).indicesAt(9, new Int32Array(phase.dimensions.length)));
    const [r] = runBatch(data, [set], { window: { start: 600, end: 900 }, storeTrades: true, recordCurves: true });
    expect(test.params).toEqual(params);
    expect(test.metrics).toEqual(metricsJson(r.metrics));
    expect(test.trades).toEqual(r.trades);
    expect(Array.from(test.curve!.equity)).toEqual(Array.from(r.curve!.equity));
    expect(test.key).toBe(trialKey(set, data.hash, { start: 600, end: 900 }));
  });
});

describe('packed rows', () => {
  it('round-trip: non-ASCII params, null metrics, rows with and without trade blobs, point statistics', () => {
    const rows: StoredRows = {
      label: 'fase#0/größe',
      windows: [
        [0, 10],
        [20, 30],
      ],
      window: Int32Array.of(0, 1, 1),
      trial: Float64Array.of(0, 2 ** 40, 7),
      keys: 'a'.repeat(64) + 'b'.repeat(64) + 'c'.repeat(64),
      params: ['{"strategy.type":"é"}', '{}', '{"x":[1,2]}'],
      metrics: Float64Array.from({ length: 36 }, (_, i) => (i % 5 === 0 ? NaN : i === 7 ? -0 : i * 0.1)),
      trades: [Uint8Array.of(1, 2, 3), null, Uint8Array.of(9)],
      // 3 rows on 2 windows: points 0 and 1 (rows 0 and 1 are window 0's) — here 2 points of 4 sums each.
      points: {
        signature: '16:0-10,20-30',
        objective: Float64Array.of(0.5, NaN),
        eligible: Uint8Array.of(1, 0),
        sums: Float64Array.from({ length: 8 }, (_, i) => (i === 5 ? -0 : i / 7)),
        partial: Float64Array.of(1, 2, 3, -Infinity, 5),
      },
    };
    const back = unpackRows(packRows(rows));
    expect(back.label).toBe(rows.label);
    expect(back.windows).toEqual(rows.windows);
    expect(Array.from(back.window)).toEqual([0, 1, 1]);
    expect(Array.from(back.trial)).toEqual([0, 2 ** 40, 7]);
    expect(back.keys).toBe(rows.keys);
    expect(back.params).toEqual(rows.params);
    rows.metrics.forEach((v, i) => expect(Object.is(back.metrics[i], v)).toBe(true));
    expect(back.trades!.map((t) => (t ? Array.from(t) : null))).toEqual([[1, 2, 3], null, [9]]);
    expect(back.points!.signature).toBe('16:0-10,20-30');
    expect(Array.from(back.points!.objective)).toEqual([0.5, NaN]);
    expect(Array.from(back.points!.eligible)).toEqual([1, 0]);
    expect(Array.from(back.points!.partial)).toEqual([1, 2, 3, -Infinity, 5]);
    rows.points!.sums.forEach((v, i) => expect(Object.is(back.points!.sums[i], v)).toBe(true));
    expect(unpackRows(packRows({ ...rows, trades: null, points: null })).points).toBeNull();
    expect(unpackRows(packRows({ ...rows, trades: null })).points!.sums.length).toBe(8);
    // Bytes that sit at an odd offset of a larger buffer (as Redis hands them over) decode the same.
    const packed = packRows(rows);
    const shifted = new Uint8Array(packed.byteLength + 3);
    shifted.set(packed, 3);
    expect(unpackRows(shifted.subarray(3)).params).toEqual(rows.params);
  });
});

describe('trial keys written field by field', () => {
  it('canonicalSet and canonicalStrategy are exactly canonicalJson, for every kind of set', () => {
    for (const set of randomSets(77, 400)) {
      expect(canonicalSet(set)).toBe(canonicalJson(set));
      expect(canonicalStrategy(set.strategy)).toBe(canonicalJson(set.strategy));
    }
    // A set with an extra field (a future one) falls back to the generic form.
    const [one] = randomSets(1, 1);
    const extended = { ...one, risk: { ...one.risk, extra: 1 } } as typeof one;
    expect(canonicalSet(extended)).toBe(canonicalJson(extended));
  });
});

describe('shared feature columns', () => {
  it('every thread reads the columns the first one computed, equal to a column computed alone; beyond the bound, none', () => {
    const handle = sharedColumnsHandle(data.time.length * 8 * 2);
    const first = new SharedColumns(handle);
    const second = new SharedColumns(handle);
    const sma = parseFeatureKey('sma(7)');
    const a = first.columns(data, 1, sma)!;
    const b = second.columns(data, 1, sma)!;
    expect(b[0].buffer).toBe(handle.arena);
    expect(b[0].byteOffset).toBe(a[0].byteOffset);
    const alone = [new Float64Array(data.time.length)];
    computeColumns(data.symbols[1], sma, alone);
    expect(Array.from(b[0])).toEqual(Array.from(alone[0]));
    // A second one-output feature fills the arena; a three-output one no longer fits.
    expect(second.columns(data, 0, parseFeatureKey('ema(5)'))).not.toBeNull();
    expect(first.columns(data, 0, parseFeatureKey('macd(12,26,9)'))).toBeNull();
    expect(second.columns(data, 0, parseFeatureKey('macd(12,26,9)'))).toBeNull();
  });
});

describe('dispatching and sizing', () => {
  it('slots go to the lowest priority first, then first come', async () => {
    const d = new Dispatcher(1);
    const order: string[] = [];
    const hold = await d.acquire(0);
    const take = (priority: number, name: string) =>
      d.acquire(priority).then((release) => {
        order.push(name);
        release();
      });
    const waits = [take(5, 'late'), take(1, 'early'), take(1, 'early-2')];
    expect(d.contended).toBe(true);
    hold();
    await Promise.all(waits);
    expect(order).toEqual(['early', 'early-2', 'late']);
    expect(Dispatcher.for(2).slots).toBe(4);
    expect(Dispatcher.for(1).slots).toBe(3);
    expect(Dispatcher.for(64).slots).toBe(128);
  });

  it('batches start at 16 points, then last about 200 ms, shrink for the tail, stay within bounds', () => {
    const s = new BatchSizer();
    expect(s.size(1000, null, 2, 4096)).toBe(16);
    s.observe(16, 1000, 16); // 1 ms per point of 1000 bars
    expect(s.size(1000, null, 2, 4096)).toBe(200);
    expect(s.size(1000, 100, 2, 4096)).toBe(25); // remaining / (2 × concurrency)
    expect(s.size(1000, 3, 2, 4096)).toBe(4); // never below 4
    expect(s.size(1000, null, 2, 2)).toBe(2); // the caller's maximum wins
    expect(s.size(10, null, 2, 4096)).toBe(4096);
  });
});
