import { packRows, packTrades, ROW_WIDTH, type PointStats } from './rows.js';
import { preparedPlan, type Prepared } from './prepared.js';
import type { MarketData } from '../data/series.js';
import { type BarWindow, type MetricName, type ParameterSet, type Trade, type TrialResult, METRIC_NAMES } from '../types.js';
import { combineSegments } from '../metrics/combine.js';
import { eligible, Leaderboard, type Objective } from '../metrics/leaderboard.js';
import { Cscv } from '../robustness/pbo.js';
import { metricsJson, type MetricsJson } from '../contract.js';
import { pointSet, trialPoint } from '../search/template.js';
import { lowerBound } from '../common/sorted.js';
import { canonicalSet, trialKey, trialKeyOf } from '../common/trial-key.js';
import { runBatch } from '../topology/run-sets.js';
import { traceWithin } from '../tracing/settings.js';
import type { PlanRef, PointRange } from './plan.js';

/** A part of a search for one worker: the plan (by reference), the data, which points, and which of them are already stored. */
export interface WorkTask {
  readonly plan: PlanRef;
  readonly data: MarketData;
  readonly range: PointRange;
  /** Resume: the grid indices already stored for this plan, sorted ascending (skipped). */
  readonly skip: Float64Array | null;
}

/** One of a batch's best sets by the plan's objective (its metrics combined over segments for k_fold). */
export type TopEntry = TrialResult;

export interface WorkReply {
  /** Points evaluated (each on every window of the plan). */
  readonly points: number;
  /** Milliseconds the worker spent on the task (sizes later batches). */
  readonly ms: number;
  /** The batch's top-k eligible points, best first. */
  readonly top: TopEntry[];
  /** The rows to store, packed (see {@link StoredRows}); an ArrayBuffer of its own, so it can be transferred. */
  readonly rows: Uint8Array;
  /** The plan reports values: the points evaluated, in order, and their reported metrics (points × metrics). */
  readonly evaluated?: Float64Array;
  readonly values?: Float64Array;
}

/**
 * A point's reported metrics for an adaptive search, written at `out[at…]`: each metric, or NaN for
 * all of them when the point is infeasible (a reported metric undefined, or outside the result
 * constraints). The coordinator computes the same from stored metrics on a resume.
 */
export function reportedValues(metrics: MetricsJson, report: readonly MetricName[], objective: Objective, out: Float64Array, at: number): void {
  let ok = eligible(metrics, objective);
  for (const m of report) if (metrics[m] === null) ok = false;
  for (let j = 0; j < report.length; j++) out[at + j] = ok ? (metrics[report[j]] as number) : NaN;
}

/** Whether sorted `list` holds x. */
function holds(list: Float64Array, x: number): boolean {
  const at = lowerBound(list, x);
  return at < list.length && list[at] === x;
}

/** The task's points in evaluation order: the range's points the constraints accept, or the listed ones; stored ones left out. */
function taskPoints(p: Prepared, range: PointRange, skip: Float64Array | null): number[] {
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
  const built = buildSets(p, points);
  const rows = new RowsBuilder(plan.label, plan.windows, points.length, plan.tradesIn === 'rows');
  const byWindow: MetricsJson[][] = [];
  const blocks = plan.blocks === null ? null : new Float64Array(points.length * 2 * plan.blocks.count);
  let tradesOf: readonly (Trade[] | null)[] = [];
  for (let wi = 0; wi < plan.windows.length && points.length > 0; wi++) {
    const window = plan.windows[wi];
    const trace = plan.trace === null ? undefined : traceWithin(plan.trace, `${window.start}-${window.end}_t${points[0]}-${points[points.length - 1]}`, points);
    const blockSpec = plan.blocks === null ? undefined : { count: plan.blocks.count, total: plan.blocks.total, offset: plan.blocks.offsets[wi] };
    const results = runBatch(task.data, built.sets, {
      window,
      periodsPerYear: plan.periodsPerYear ?? undefined,
      storeTrades: plan.storeTrades,
      trace,
      replay: plan.replay ?? undefined,
      blocks: blockSpec,
    });
    const json = results.map((r) => metricsJson(r.metrics));
    byWindow.push(json);
    if (wi === 0) tradesOf = results.map((r) => r.trades);
    rows.window(wi, points, built, json, results, task.data.hash);
    // A point's block sums over the plan's windows, added in window order.
    if (blocks !== null) {
      const width = 2 * plan.blocks!.count;
      for (let i = 0; i < results.length; i++) {
        const b = results[i].blocks!;
        for (let j = 0; j < width; j++) blocks[i * width + j] += b[j];
      }
    }
  }
  const combined = points.map((_, i) =>
    plan.combine
      ? combineSegments(
          byWindow.map((m, wi) => ({ metrics: m[i], bars: plan.windows[wi].end - plan.windows[wi].start })),
          p.capital,
        )
      : byWindow[0][i],
  );
  if (blocks !== null && points.length > 0) rows.points(pointStats(p, points, combined, blocks));
  const reply: WorkReply = {
    points: points.length,
    ms: performance.now() - started,
    top: topOf(p, points, built.params, combined, tradesOf),
    rows: rows.pack(),
  };
  if (plan.report === null) return reply;
  const m = plan.report.length;
  const values = new Float64Array(points.length * m);
  for (let i = 0; i < points.length; i++) reportedValues(combined[i], plan.report, plan.objective, values, i * m);
  return { ...reply, evaluated: Float64Array.from(points), values };
}

/**
 * The robustness statistics' input of a batch's points (see StoredRows.points), with the first CSCV
 * pass over them done here: the results thread merges the batches' passes instead of making its own.
 */
function pointStats(p: Prepared, points: readonly number[], combined: readonly MetricsJson[], sums: Float64Array): PointStats {
  const { objective, blocks } = p.plan;
  const n = combined.length;
  const values = new Float64Array(n);
  const ok = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    values[i] = combined[i][objective.metric] ?? NaN;
    ok[i] = eligible(combined[i], objective) ? 1 : 0;
  }
  const width = 2 * blocks!.count;
  const cscv = new Cscv(blocks!.count, blocks!.total, p.masks!);
  for (let i = 0; i < n; i++) cscv.best(points[i], sums.subarray(i * width, (i + 1) * width));
  return { signature: blocks!.signature, objective: values, eligible: ok, sums, partial: cscv.partial() };
}

/** Each point's parameter set and swept params (as JSON too), from the plan's template. */
function buildSets(p: Prepared, points: readonly number[]): Built {
  const n = points.length;
  const indices = new Int32Array(p.plan.template.dimensions.length);
  const sets: ParameterSet[] = new Array(n);
  const params: Record<string, unknown>[] = new Array(n);
  const paramsText: string[] = new Array(n);
  const setJson: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    p.sampler.indicesAt(points[i], indices);
    const point = pointSet(p.plan.template, indices);
    sets[i] = point.set;
    params[i] = point.params;
    paramsText[i] = JSON.stringify(point.params);
    setJson[i] = canonicalSet(point.set);
  }
  return { sets, params, paramsText, setJson };
}

/** A batch's points built: each one's set, swept params (and their JSON) and the set's canonical JSON (its trial keys). */
interface Built {
  readonly sets: ParameterSet[];
  readonly params: Record<string, unknown>[];
  readonly paramsText: string[];
  readonly setJson: string[];
}

/** A batch's rows, window after window (small functions, so each compiles on its own). */
class RowsBuilder {
  private readonly rowWindow: Int32Array;
  private readonly rowTrial: Float64Array;
  private readonly rowMetrics: Float64Array;
  private readonly rowParams: string[];
  private readonly rowTrades: (Uint8Array | null)[] | null;
  private stats: PointStats | null = null;
  private keys = '';

  constructor(
    private readonly label: string,
    private readonly windows: readonly { start: number; end: number }[],
    private readonly n: number,
    withTrades: boolean,
  ) {
    const count = n * windows.length;
    this.rowWindow = new Int32Array(count);
    this.rowTrial = new Float64Array(count);
    this.rowMetrics = new Float64Array(count * ROW_WIDTH);
    this.rowParams = new Array(count);
    this.rowTrades = withTrades ? new Array(count).fill(null) : null;
  }

  window(
    wi: number,
    points: readonly number[],
    built: Built,
    json: readonly MetricsJson[],
    results: readonly { trades: Trade[] | null }[],
    dataHash: string,
  ): void {
    const window = this.windows[wi];
    const n = this.n;
    for (let i = 0; i < n; i++) {
      const r = wi * n + i;
      this.rowWindow[r] = wi;
      this.rowTrial[r] = points[i];
      this.rowParams[r] = built.paramsText[i];
      writeMetrics(this.rowMetrics, r * ROW_WIDTH, json[i]);
      this.keys += trialKeyOf(built.setJson[i], dataHash, window);
      const trades = results[i].trades;
      if (this.rowTrades !== null && trades !== null) this.rowTrades[r] = packTrades(trades);
    }
  }

  points(stats: PointStats): void {
    this.stats = stats;
  }

  pack(): Uint8Array {
    return packRows({
      label: this.label,
      windows: this.windows.map((x) => [x.start, x.end] as const),
      window: this.rowWindow,
      trial: this.rowTrial,
      keys: this.keys,
      params: this.rowParams,
      metrics: this.rowMetrics,
      trades: this.rowTrades,
      points: this.stats,
    });
  }
}

function writeMetrics(out: Float64Array, at: number, m: MetricsJson): void {
  for (let j = 0; j < ROW_WIDTH; j++) out[at + j] = m[METRIC_NAMES[j]] ?? NaN;
}

/** The batch's top-k eligible points by the plan's objective (their metrics combined over segments for k_fold). */
function topOf(
  p: Prepared,
  points: readonly number[],
  params: readonly Record<string, unknown>[],
  combined: readonly MetricsJson[],
  tradesOf: readonly (Trade[] | null)[],
): TopEntry[] {
  const { plan } = p;
  const board = new Leaderboard<number>(plan.objective, plan.topK);
  for (let i = 0; i < points.length; i++) board.offer(points[i], combined[i], i);
  return board.ranked.map((e) => {
    const i = e.item;
    const trades = plan.tradesIn === 'top' ? tradesOf[i] : null;
    return { trial: points[i], params: params[i], metrics: combined[i], ...(trades ? { trades } : {}) };
  });
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
  /** The trace sub-folder of this run, when the plan traces; null: not traced (the robustness re-runs). */
  readonly traceSegment: string | null;
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
  const trace = plan.trace === null || task.traceSegment === null ? undefined : traceWithin(plan.trace, task.traceSegment, [task.trial]);
  const [r] = runBatch(task.data, [set], {
    window: task.window,
    periodsPerYear: plan.periodsPerYear ?? undefined,
    storeTrades: task.trades,
    recordCurves: task.recordCurve,
    trace,
  });
  return {
    trial: task.trial,
    key: trialKey(set, task.data.hash, task.window),
    params,
    metrics: metricsJson(r.metrics),
    trades: r.trades,
    curve: r.curve ?? null,
  };
}
