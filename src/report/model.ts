import { stringify } from 'yaml';
import { type Trade, METRIC_NAMES, type MetricName } from '../types.js';
import type { MarketData } from '../data/series.js';
import { UserError } from '../errors.js';
import type { Objective } from '../metrics/leaderboard.js';
import type { ComposeJson } from '../coordinator/run-composed.js';
import type { BestJson, MetricsJson, PhaseJson, SignalJson, WindowJson } from '../contract.js';
import type { KFoldSummary } from '../sequencer/k-fold.js';
import type { CpcvSummary } from '../sequencer/cpcv.js';
import type { Robustness } from '../robustness/figures.js';
import type { SearchJson } from '../sequencer/search-json.js';
import type { RobustnessSummary } from '../robustness/summary.js';
import type { MonteCarloSummary } from '../sequencer/monte-carlo.js';
import type { ParamStability } from '../sequencer/phase-run.js';
import { configSchema } from '../config/schema.js';
import { reloadData, rerunBest, type ReloadedData } from './best-run.js';
import { barRange, buyAndHold } from './buy-hold.js';
import { CURVE_MAX_POINTS, downsample, drawdownOf, type Points } from './downsample.js';
import type { DataRecord, RunDirectoryContents } from './run-record.js';
import {
  FAILURE_ROWS,
  HEATMAP_MAX_VALUES,
  LEADERBOARD_ROWS,
  TrialsQuery,
  type Axis,
  type Failure,
  type HeatmapPair,
  type Histogram,
  type LeaderRow,
  type Scope,
  type TrialCounts,
} from './trials.js';

/** Trades of the best set listed in a report; the rest are counted. */
export const TRADE_ROWS = 1000;
/** Signal sets listed per signal_generation phase (one per strategy and window; a walk-forward has many). */
export const SIGNAL_ROWS = 500;

/** Everything a report shows, as plain JSON: the page renders it and embeds it (`window.fanfoldReport`). */
export interface ReportModel {
  readonly generated: string;
  readonly run: {
    readonly id: string;
    readonly workflow: string;
    readonly dir: string;
    readonly status: string;
    readonly error: string | null;
    readonly started: string;
    readonly finished: string | null;
    readonly seconds: number | null;
    readonly executor: string;
    readonly workers: number | null;
    readonly fanfold: string;
    readonly node: string;
    readonly configFile: string;
    readonly resumed: boolean;
    readonly plugins: readonly string[];
  };
  readonly data: readonly Omit<DataRecord, 'spec'>[];
  readonly configs: readonly { readonly phase: string; readonly yaml: string }[];
  readonly phases: readonly PhaseReport[];
  readonly limits: {
    readonly leaderboardRows: number;
    readonly failureRows: number;
    readonly heatmapValues: number;
    readonly curvePoints: number;
    readonly tradeRows: number;
  };
}

export interface BestCurveReport {
  readonly equity: Points;
  readonly drawdown: Points;
  /** Buy-and-hold of the same data over the same bars (buy-hold.ts), down-sampled like the equity. */
  readonly buyHold: Points;
  /** Bars in the recomputed curve (before down-sampling). */
  readonly bars: number;
  readonly trades: Trade[];
  readonly tradesTotal: number;
  /** Final equity the run stored for the best set, and the re-run's (equal unless something is wrong). */
  readonly storedFinalEquity: number | null;
  readonly metrics: MetricsJson;
}

/** run.json's k_fold; runs made before k_fold stitched its test folds have no oos_equity and oos_metrics. */
type StoredKFold = Omit<KFoldSummary, 'oos_equity' | 'oos_metrics'> & Partial<Pick<KFoldSummary, 'oos_equity' | 'oos_metrics'>>;

/**
 * An out-of-sample equity stitched from test runs (walk-forward's test windows, k_fold's test
 * folds), as plotted: down-sampled, on the test bars' dates when the data is at hand, with the
 * metrics the run computed for it and buy-and-hold of the same bars (null without the data).
 */
export interface StitchedCurve {
  readonly equity: Points;
  readonly bars: number;
  readonly timeAxis: boolean;
  readonly metrics: MetricsJson;
  readonly buyHold: Points | null;
}

export interface PhaseReport {
  readonly name: string;
  readonly sequence: string;
  readonly topology: string;
  readonly skipped: string | null;
  readonly trials: number;
  readonly failed: number;
  readonly objective: Objective;
  /** The trials the leaderboard, heatmap and histogram show: the window the best set was chosen on. */
  readonly scope: (Scope & { readonly label: string; readonly counts: TrialCounts }) | null;
  readonly best: BestJson | null;
  readonly params: readonly string[];
  readonly leaderboard: readonly LeaderRow[];
  readonly histogram: Histogram | null;
  readonly heatmap: { readonly axes: readonly Axis[]; readonly tooMany: readonly string[]; readonly pairs: readonly HeatmapPair[] };
  readonly bestCurve: BestCurveReport | { readonly reason: string } | null;
  readonly windows: readonly WindowJson[] | null;
  readonly walkForward: (StitchedCurve & { readonly efficiency: number | null; readonly stability: Record<string, ParamStability> }) | null;
  readonly monteCarlo: MonteCarloSummary | null;
  /** k_fold: each fold's chosen set with its combined train and its test metrics, the aggregate over folds. */
  readonly kFold: Omit<StoredKFold, 'oos_equity'> | null;
  /** k_fold: its test folds stitched (runs made before k_fold stitched them have none). */
  readonly kFoldOos: StitchedCurve | null;
  /** A composed phase: its iterations and branches. */
  readonly compose: ComposeJson | null;
  /** The search's overfitting statistics (single-search sequences). */
  readonly robustness: Robustness | null;
  /** tpe, cmaes, nsga2 or a pruner: the search's course (history, Pareto front, importance). */
  readonly search: SearchJson | null;
  /** Windowed sequences: each window's, fold's or split's robustness figures, and their summary. */
  readonly robustnessPer: { readonly summary: RobustnessSummary; readonly rows: readonly { readonly label: string; readonly r: Robustness }[] } | null;
  /** cpcv: splits, paths (their equity down-sampled) and the distribution of the paths' metrics. */
  readonly cpcv: (Omit<CpcvSummary, 'path_equity'> & { readonly equity: readonly Points[]; readonly buyHold: Points | null }) | null;
  /** signal_generation: the first SIGNAL_ROWS signal sets stored (or reused), and how many there are. */
  readonly signals: { readonly total: number; readonly created: number; readonly rows: readonly SignalJson[] } | null;
  readonly failures: { readonly total: number; readonly rows: readonly Failure[] };
}

/** A phase's robustness as the report shows it: its own, or its windows' (folds', splits') with their summary. */
function robustnessOfResult(result: PhaseJson | undefined): Pick<PhaseReport, 'robustness' | 'robustnessPer'> {
  const r = result?.robustness as Robustness | RobustnessSummary | undefined;
  if (r === undefined || r === null) return { robustness: null, robustnessPer: null };
  if (!('per' in r)) return { robustness: r, robustnessPer: null };
  const rows: { label: string; r: Robustness }[] = [];
  if (r.per === 'window')
    (result?.windows ?? []).forEach(
      (w, i) => w.robustness && rows.push({ label: `W${i + 1} (train ${w.train_dates[0]} → ${w.train_dates[1]})`, r: w.robustness as Robustness }),
    );
  if (r.per === 'fold')
    ((result?.k_fold as KFoldSummary | undefined)?.folds ?? []).forEach((f) => f.robustness && rows.push({ label: `fold ${f.fold}`, r: f.robustness }));
  if (r.per === 'split')
    ((result?.cpcv as CpcvSummary | undefined)?.splits ?? []).forEach(
      (s) => s.robustness && rows.push({ label: `split ${s.split} (test groups ${s.test_groups.join(', ')})`, r: s.robustness }),
    );
  return { robustness: null, robustnessPer: { summary: r, rows } };
}

function cpcvOfResult(result: PhaseJson | undefined, data: MarketData | null, capital: number): PhaseReport['cpcv'] {
  const cv = result?.cpcv as CpcvSummary | undefined;
  if (cv === undefined) return null;
  const { path_equity: equity, ...rest } = cv;
  // Every path runs from the first bar to the last, plotted against the bar number.
  const bars = equity[0]?.length ?? 0;
  const index = Array.from({ length: bars }, (_, i) => i);
  return {
    ...rest,
    equity: equity.map((e) => downsample(index, e)),
    buyHold: data !== null && bars === data.time.length ? downsample(index, buyAndHold(data, barRange(0, bars), capital)) : null,
  };
}

function objectiveOfPlain(config: Record<string, unknown>): Objective {
  const search = (config.search ?? {}) as Record<string, unknown>;
  const metric = (search.objective ?? 'sharpe') as MetricName;
  if (!METRIC_NAMES.includes(metric)) throw new UserError(`report: search.objective '${String(metric)}' is not a metric`);
  return {
    metric,
    direction: search.direction === 'min' ? 'min' : 'max',
    minTrades: typeof search.min_trades === 'number' ? search.min_trades : undefined,
    maxDrawdown: typeof search.max_drawdown === 'number' ? search.max_drawdown : undefined,
  };
}

const day = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** Builds a report's model from a results directory: run.json for the run, results.db (through SQL) for its trials. */
export async function buildReportModel(contents: RunDirectoryContents): Promise<ReportModel> {
  const { record } = contents;
  const query = new TrialsQuery(contents.database);
  const reloaded = new Map<string, Promise<ReloadedData>>();
  const dataOf = (rec: DataRecord | undefined): Promise<ReloadedData> => {
    const key = rec?.hash ?? '';
    if (!reloaded.has(key)) reloaded.set(key, reloadData(rec));
    return reloaded.get(key)!;
  };
  try {
    const phases: PhaseReport[] = [];
    for (const declared of record.phases) {
      const result = record.result?.phases.find((p) => p.name === declared.name);
      const dataRecord = record.data?.find((d) => d.phase === declared.name);
      phases.push(await phaseReport(contents, query, declared.name, declared.config, result, dataRecord, dataOf));
    }
    return {
      generated: new Date().toISOString(),
      run: {
        id: record.run_id,
        workflow: record.workflow,
        dir: contents.dir,
        status: record.status,
        error: record.error ?? null,
        started: record.started,
        finished: record.finished ?? null,
        seconds: record.seconds ?? null,
        executor: record.executor,
        workers: record.workers ?? null,
        fanfold: record.fanfold,
        node: record.node,
        configFile: record.config_file,
        resumed: record.resumed,
        plugins: record.plugins ?? [],
      },
      data: (record.data ?? []).map(({ spec: _spec, ...rest }) => rest),
      configs: record.phases.map((p) => ({ phase: p.name, yaml: stringify(p.config, { lineWidth: 0 }) })),
      phases,
      limits: {
        leaderboardRows: LEADERBOARD_ROWS,
        failureRows: FAILURE_ROWS,
        heatmapValues: HEATMAP_MAX_VALUES,
        curvePoints: CURVE_MAX_POINTS,
        tradeRows: TRADE_ROWS,
      },
    };
  } finally {
    query.close();
  }
}

async function phaseReport(
  contents: RunDirectoryContents,
  query: TrialsQuery,
  name: string,
  config: Record<string, unknown>,
  result: PhaseJson | undefined,
  dataRecord: DataRecord | undefined,
  dataOf: (rec: DataRecord | undefined) => Promise<ReloadedData>,
): Promise<PhaseReport> {
  const objective = objectiveOfPlain(config);
  const best = result?.best ?? null;
  const bestRun = contents.record.best_runs?.find((b) => b.phase === name);
  const windows = result?.windows ?? null;
  const lastTrain = windows?.[windows.length - 1]?.train;
  // A composed phase stores its trials per iteration and branch (`name#i`, `name#i/branch`): show the winner's.
  const stored = bestRun?.label ?? name;
  // k_fold stores each train segment's trials on their own: show the last fold's longest segment.
  const kFold = (result?.k_fold as StoredKFold | undefined) ?? null;
  // cpcv likewise: its last split's longest train segment.
  const lastSplit = (result?.cpcv as CpcvSummary | undefined)?.splits.at(-1);
  const segment = (kFold?.folds.at(-1)?.train_segments ?? lastSplit?.train_segments)?.reduce<[number, number] | undefined>(
    (a, s) => (a === undefined || s[1] - s[0] > a[1] - a[0] ? s : a),
    undefined,
  );
  const window = lastTrain ?? segment ?? bestRun?.window ?? query.lastWindow(stored);
  const needsData = best !== null || result?.walk_forward !== undefined || result?.k_fold !== undefined || result?.cpcv !== undefined;
  const reloaded = needsData ? await dataOf(dataRecord) : null;
  const data = reloaded && 'data' in reloaded ? reloaded.data : null;
  // A composed branch may have run on other data than the phase: re-run the best set on its own.
  const bestRecord =
    bestRun?.data && dataRecord && bestRun.data.hash !== dataRecord.hash ? { ...dataRecord, spec: bestRun.data.spec, hash: bestRun.data.hash } : dataRecord;
  const reloadedBest = best !== null && bestRecord !== dataRecord ? await dataOf(bestRecord) : reloaded;
  const bestData = reloadedBest && 'data' in reloadedBest ? reloadedBest.data : null;

  const where = segment
    ? kFold !== null
      ? `a train segment of fold ${kFold.folds.at(-1)!.fold} (its folds' sets are chosen on all their segments combined), `
      : `a train segment of split ${lastSplit!.split} (its splits' sets are chosen on all their segments combined), `
    : stored !== name
      ? `${stored}: `
      : '';
  const { scope, params, leaderboard, histogram, heatmap } =
    window !== null && window !== undefined
      ? trialsView(
          query,
          { phase: stored, window: [window[0], window[1]] },
          `${where}${scopeLabel(result?.sequence ?? '', windows, window, dataRecord, data)}`,
          objective,
          best,
        )
      : { scope: null, params: [], leaderboard: [], histogram: null, heatmap: { axes: [], tooMany: [], pairs: [] } };
  const bestCurve = best === null ? null : await bestCurveOf(contents, result, best, bestRun, bestData, reloadedBest);
  const capital = configSchema.shape.capital.parse(config.capital);
  const walkForward = walkForwardOf(result, windows, data, capital);

  return {
    name,
    sequence: result?.sequence ?? sequenceOfPlain(config),
    topology: result?.topology ?? '',
    skipped: result?.skipped ?? null,
    trials: result?.trials ?? scope?.counts.ok ?? 0,
    failed: result?.failed ?? scope?.counts.failed ?? 0,
    objective,
    scope,
    best,
    params,
    leaderboard,
    histogram,
    heatmap,
    bestCurve,
    windows,
    walkForward,
    monteCarlo: (result?.monte_carlo as MonteCarloSummary | undefined) ?? null,
    ...kFoldOf(kFold, data, capital),
    compose: (result?.compose as ComposeJson | undefined) ?? null,
    ...robustnessOfResult(result),
    search: (result?.search as SearchJson | undefined) ?? null,
    cpcv: cpcvOfResult(result, data, capital),
    signals: result?.signals
      ? { total: result.signals.length, created: result.signals.filter((s) => s.status === 'created').length, rows: result.signals.slice(0, SIGNAL_ROWS) }
      : null,
    failures: query.failures(name, result?.compose !== undefined),
  };
}

/** The stored trials of one scope (a phase's label on one window): counts, leaderboard, histogram, heatmaps. */
function trialsView(
  query: TrialsQuery,
  s: Scope,
  label: string,
  objective: ReturnType<typeof objectiveOfPlain>,
  best: PhaseJson['best'] | null,
): Pick<PhaseReport, 'scope' | 'params' | 'leaderboard' | 'histogram' | 'heatmap'> {
  const scope = { ...s, label, counts: query.counts(s, objective.metric) };
  const params = query.paramNames(s);
  const leaderboard = query.leaderboard(s, objective);
  query.openScope(s, objective, params);
  const histogram = query.histogram();
  const heatmap = { axes: [] as Axis[], tooMany: [] as string[], pairs: [] as HeatmapPair[] };
  for (const p of params) {
    const axis = query.axis(p);
    if (axis === null) heatmap.tooMany.push(p);
    else heatmap.axes.push(axis);
  }
  for (let i = 0; i < heatmap.axes.length; i++) {
    for (let j = i + 1; j < heatmap.axes.length; j++) {
      const x = heatmap.axes[i];
      const y = heatmap.axes[j];
      heatmap.pairs.push(
        query.heatmap(
          objective,
          x,
          y,
          best?.params ?? null,
          params.filter((p) => p !== x.name && p !== y.name),
        ),
      );
    }
  }
  return { scope, params, leaderboard, histogram, heatmap };
}

/** The best set re-run for its equity and trades, or why it is not shown. */
async function bestCurveOf(
  contents: RunDirectoryContents,
  result: PhaseJson | undefined,
  best: NonNullable<PhaseJson['best']>,
  bestRun: NonNullable<RunDirectoryContents['record']['best_runs']>[number] | undefined,
  bestData: MarketData | null,
  reloadedBest: ReloadedData | null,
): Promise<PhaseReport['bestCurve']> {
  if (result?.sequence === 'k_fold')
    return {
      reason: "a k_fold phase chooses a set per fold on its combined train segments; the folds' out-of-sample metrics are in the JSON result (k_fold.folds)",
    };
  if (result?.sequence === 'cpcv')
    return { reason: "a cpcv phase chooses a set per split on its combined train segments; the paths' out-of-sample equity is below (cpcv.paths)" };
  if (bestRun === undefined) return { reason: 'run.json does not record the best set to re-run (a run made before reports existed)' };
  if (bestData === null) return { reason: (reloadedBest as { reason: string }).reason };
  try {
    const curve = await rerunBest(contents.record, bestRun, bestData);
    const times = curve.time;
    return {
      equity: downsample(times, curve.equity),
      drawdown: downsample(times, drawdownOf(curve.equity)),
      buyHold: downsample(times, buyAndHold(bestData, barRange(bestRun.window[0], bestRun.window[1]), bestRun.set.capital)),
      bars: curve.equity.length,
      trades: curve.trades.slice(0, TRADE_ROWS),
      tradesTotal: curve.trades.length,
      storedFinalEquity: best.metrics.final_equity,
      metrics: curve.metrics,
    };
  } catch (error) {
    return { reason: `re-running the best set failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** A walk-forward phase's stitched out-of-sample equity (on the test bars' times when the data is at hand). */
function walkForwardOf(
  result: PhaseJson | undefined,
  windows: PhaseJson['windows'] | null,
  data: MarketData | null,
  capital: number,
): PhaseReport['walkForward'] {
  const wf = result?.walk_forward as
    { oos_equity: number[]; oos_metrics: MetricsJson; efficiency: number | null; stability: Record<string, ParamStability> } | undefined;
  if (wf === undefined || windows === null || windows === undefined) return null;
  const testBars = windows.flatMap((w) => range(w.test[0], w.test[1]));
  return { ...stitchedOf(wf.oos_equity, testBars, wf.oos_metrics, data, capital), efficiency: wf.efficiency, stability: wf.stability };
}

/** A k_fold phase's folds, and their stitched out-of-sample equity as plotted (runs before it was stitched have none). */
function kFoldOf(kFold: StoredKFold | null, data: MarketData | null, capital: number): Pick<PhaseReport, 'kFold' | 'kFoldOos'> {
  if (kFold === null) return { kFold: null, kFoldOos: null };
  const { oos_equity: equity, ...rest } = kFold;
  const testBars = kFold.folds.flatMap((f) => range(f.test[0], f.test[1]));
  const stitched =
    equity === undefined || equity.length === 0 || kFold.oos_metrics === undefined ? null : stitchedOf(equity, testBars, kFold.oos_metrics, data, capital);
  return { kFold: rest, kFoldOos: stitched };
}

const range = (start: number, end: number): number[] => Array.from({ length: end - start }, (_, i) => start + i);

/** A stitched equity (one value per test bar, in the order of `testBars`) as plotted, with buy-and-hold over the same bars. */
function stitchedOf(equity: readonly number[], testBars: readonly number[], metrics: MetricsJson, data: MarketData | null, capital: number): StitchedCurve {
  const timeAxis = data !== null && testBars.length === equity.length;
  const x = timeAxis ? testBars.map((i) => data.time[i]) : equity.map((_, i) => i);
  return {
    equity: downsample(x, equity),
    bars: equity.length,
    timeAxis,
    metrics,
    buyHold: timeAxis ? downsample(x, buyAndHold(data, testBars, capital)) : null,
  };
}

function sequenceOfPlain(config: Record<string, unknown>): string {
  const s = config.sequence;
  if (typeof s === 'string') return s;
  if (s !== null && typeof s === 'object' && typeof (s as { type?: unknown }).type === 'string') return (s as { type: string }).type;
  return 'single_pass';
}

function scopeLabel(
  sequence: string,
  windows: readonly WindowJson[] | null,
  window: readonly [number, number],
  dataRecord: DataRecord | undefined,
  data: MarketData | null,
): string {
  const bars = `${(window[1] - window[0]).toLocaleString('en-US')} bars`;
  const last = windows?.[windows.length - 1];
  if (last) {
    const which = sequence === 'walk_forward' ? `the last train window (window ${windows.length})` : 'the train window';
    return `${which}: ${last.train_dates[0]} → ${last.train_dates[1]}, ${bars}`;
  }
  if (data !== null) return `${day(data.time[window[0]])} → ${day(data.time[window[1] - 1])}, ${bars}`;
  if (dataRecord && window[0] === 0 && window[1] === dataRecord.bars) return `${dataRecord.first.slice(0, 10)} → ${dataRecord.last.slice(0, 10)}, ${bars}`;
  return `bars ${window[0]}–${window[1] - 1}, ${bars}`;
}
