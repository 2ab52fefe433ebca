import { Packr } from 'msgpackr';
import type { MarketData } from '../data/series.js';
import type { BarWindow, ParameterSet } from '../engine/spec.js';
import type { Trade } from '../engine/trade.js';
import { combineSegments } from '../metrics/combine.js';
import { METRIC_NAMES } from '../metrics/metrics.js';
import { Leaderboard } from '../reduce/leaderboard.js';
import { metricsJson, type MetricsJson } from '../results/contract.js';
import type { Sampler } from '../search/sampler.js';
import { pointSet, samplerOf, trialPoint } from '../search/template.js';
import { trialKey } from '../search/trial-key.js';
import { runBatch } from '../topology/run.js';
import { traceWithin } from '../tracing/settings.js';
import { decodePlan, type PlanRef, type PointRange, type SearchPlan } from './plan.js';

/** A part of a search for one worker: the plan (by reference), the data, which points, and which of them are already stored. */
export interface WorkTask {
  readonly plan: PlanRef;
  readonly data: MarketData;
  readonly range: PointRange;
  /** Resume: the grid indices already stored for this plan, sorted ascending (skipped). */
  readonly skip: Float64Array | null;
}

/** One of a batch's best sets by the plan's objective (its metrics combined over segments for k_fold). */
export interface TopEntry {
  readonly trial: number;
  readonly params: Record<string, unknown>;
  readonly metrics: MetricsJson;
  readonly trades?: Trade[];
}

export interface WorkReply {
  /** Points evaluated (each on every window of the plan). */
  readonly points: number;
  /** Milliseconds the worker spent on the task (sizes later batches). */
  readonly ms: number;
  /** The batch's top-k eligible points, best first. */
  readonly top: TopEntry[];
  /** The rows to store, packed (see {@link StoredRows}); an ArrayBuffer of its own, so it can be transferred. */
  readonly rows: Uint8Array;
}

/**
 * The rows a batch adds to results.db, column by column: row r is point `trial[r]` on plan window
 * `window[r]`. Metrics are the JSON metrics with null as NaN; `keys` holds 64 hex digits per row;
 * `trades`, when rows carry them, is each row's msgpack-packed trade list (the blob file's bytes).
 */
export interface StoredRows {
  readonly label: string;
  readonly windows: readonly (readonly [number, number])[];
  readonly window: Int32Array;
  readonly trial: Float64Array;
  readonly keys: string;
  readonly params: readonly string[];
  readonly metrics: Float64Array;
  readonly trades: readonly (Uint8Array | null)[] | null;
}

export const ROW_WIDTH = METRIC_NAMES.length;

const packr = new Packr({ moreTypes: true, useRecords: false });

export function packRows(rows: StoredRows): Uint8Array {
  const packed = packr.pack(rows);
  // A copy on its own buffer: msgpackr's output may share its internal buffer, which must not be transferred.
  const own = new Uint8Array(packed.byteLength);
  own.set(packed);
  return own;
}

export function unpackRows(bytes: Uint8Array): StoredRows {
  return packr.unpack(bytes) as StoredRows;
}

interface Prepared {
  readonly plan: SearchPlan;
  readonly sampler: Sampler;
  readonly capital: number;
}

/** Plans decoded in this thread, by id (a task names its plan; a worker decodes each once). */
const prepared = new Map<string, Prepared>();
const KEEP_PLANS = 64;

export function preparedPlan(ref: PlanRef): Prepared {
  let p = prepared.get(ref.id);
  if (p === undefined) {
    const plan = decodePlan(ref);
    p = { plan, sampler: samplerOf(plan.template), capital: plan.template.config.capital };
    if (prepared.size >= KEEP_PLANS) prepared.delete(prepared.keys().next().value!);
    prepared.set(ref.id, p);
  }
  return p;
}

/** Whether sorted `list` holds x. */
function holds(list: Float64Array, x: number): boolean {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo < list.length && list[lo] === x;
}

/** The task's points in evaluation order: the range's points the constraints accept, or the listed ones; stored ones left out. */
export function taskPoints(p: Prepared, range: PointRange, skip: Float64Array | null): number[] {
  const out: number[] = [];
  if (range.points !== null) {
    for (let i = 0; i < range.points.length; i++) if (skip === null || !holds(skip, range.points[i])) out.push(range.points[i]);
    return out;
  }
  for (let k = range.from; k < range.to; k++) {
    if (skip !== null && holds(skip, k)) continue;
    if (p.sampler.accepts(k)) out.push(k);
  }
  return out;
}

/**
 * Evaluates a task: builds each point's parameter set from the plan's template, runs the batch once
 * per plan window (one pass over the bars each), and returns the rows to store and the batch's best
 * points. The same code runs in the coordinator (inline executor), in pool workers and on remote
 * workers, so every executor gives the same bits.
 */
export function runWork(task: WorkTask): WorkReply {
  const started = performance.now();
  const p = preparedPlan(task.plan);
  const { plan } = p;
  const points = taskPoints(p, task.range, task.skip);
  const n = points.length;
  const indices = new Int32Array(plan.template.dimensions.length);
  const sets: ParameterSet[] = new Array(n);
  const params: Record<string, unknown>[] = new Array(n);
  const paramsText: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    p.sampler.indicesAt(points[i], indices);
    const point = pointSet(plan.template, indices);
    sets[i] = point.set;
    params[i] = point.params;
    paramsText[i] = JSON.stringify(point.params);
  }
  const w = plan.windows.length;
  const rowCount = n * w;
  const rowWindow = new Int32Array(rowCount);
  const rowTrial = new Float64Array(rowCount);
  const rowMetrics = new Float64Array(rowCount * ROW_WIDTH);
  const rowParams: string[] = new Array(rowCount);
  const rowTrades: (Uint8Array | null)[] | null = plan.tradesIn === 'rows' ? new Array(rowCount).fill(null) : null;
  let keys = '';
  const byWindow: MetricsJson[][] = [];
  let tradesOf: (Trade[] | null)[] = [];
  for (let wi = 0; wi < w && n > 0; wi++) {
    const window = plan.windows[wi];
    const trace = plan.trace === null ? undefined : traceWithin(plan.trace, `${window.start}-${window.end}_t${points[0]}-${points[n - 1]}`, points);
    const results = runBatch(task.data, sets, { window, periodsPerYear: plan.periodsPerYear ?? undefined, storeTrades: plan.storeTrades, trace, replay: plan.replay ?? undefined });
    const json = results.map((r) => metricsJson(r.metrics));
    byWindow.push(json);
    if (wi === 0) tradesOf = results.map((r) => r.trades);
    for (let i = 0; i < n; i++) {
      const r = wi * n + i;
      rowWindow[r] = wi;
      rowTrial[r] = points[i];
      rowParams[r] = paramsText[i];
      const m = json[i];
      for (let j = 0; j < ROW_WIDTH; j++) rowMetrics[r * ROW_WIDTH + j] = m[METRIC_NAMES[j]] ?? NaN;
      keys += trialKey(sets[i], task.data.hash, window);
      if (rowTrades !== null && results[i].trades !== null) rowTrades[r] = packr.pack(results[i].trades);
    }
  }
  const board = new Leaderboard<number>(plan.objective, plan.topK);
  for (let i = 0; i < n; i++) {
    const metrics = plan.combine ? combineSegments(byWindow.map((m, wi) => ({ metrics: m[i], bars: plan.windows[wi].end - plan.windows[wi].start })), p.capital) : byWindow[0][i];
    board.offer(points[i], metrics, i);
  }
  const top: TopEntry[] = board.ranked.map((e) => {
    const i = e.item;
    const metrics = plan.combine ? combineSegments(byWindow.map((m, wi) => ({ metrics: m[i], bars: plan.windows[wi].end - plan.windows[wi].start })), p.capital) : byWindow[0][i];
    const trades = plan.tradesIn === 'top' ? tradesOf[i] : null;
    return { trial: points[i], params: params[i], metrics, ...(trades ? { trades } : {}) };
  });
  const rows = packRows({
    label: plan.label,
    windows: plan.windows.map((x) => [x.start, x.end] as const),
    window: rowWindow,
    trial: rowTrial,
    keys,
    params: rowParams,
    metrics: rowMetrics,
    trades: rowTrades,
  });
  return { points: n, ms: performance.now() - started, top, rows };
}

/** One chosen set on one window (a test window, the best set's Monte Carlo base run). */
export interface TestTask {
  readonly plan: PlanRef;
  readonly data: MarketData;
  readonly trial: number;
  readonly window: BarWindow;
  readonly recordCurve: boolean;
  /** Trades are computed (and returned) even when the plan does not store them. */
  readonly trades: boolean;
  /** The trace sub-folder of this run, when the plan traces. */
  readonly traceSegment: string;
}

export interface TestReply {
  readonly trial: number;
  readonly key: string;
  readonly params: Record<string, unknown>;
  readonly metrics: MetricsJson;
  readonly trades: Trade[] | null;
  readonly curve: { readonly equity: Float64Array; readonly exposed: Uint8Array } | null;
}

export function runTest(task: TestTask): TestReply {
  const { plan } = preparedPlan(task.plan);
  const { set, params } = trialPoint(plan.template, task.trial);
  const trace = plan.trace === null ? undefined : traceWithin(plan.trace, task.traceSegment, [task.trial]);
  const [r] = runBatch(task.data, [set], { window: task.window, periodsPerYear: plan.periodsPerYear ?? undefined, storeTrades: task.trades, recordCurves: task.recordCurve, trace });
  return { trial: task.trial, key: trialKey(set, task.data.hash, task.window), params, metrics: metricsJson(r.metrics), trades: r.trades, curve: r.curve ?? null };
}
