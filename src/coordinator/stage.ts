import { resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { IssueSink, type ValidatedPhase } from '../config/validate.js';
import type { PhaseDeclaration } from '../config/workflow.js';
import { resolveDataPaths } from '../config/data-files.js';
import { loadMarketData } from '../data/load.js';
import type { MarketData } from '../data/series.js';
import { ConfigError, UserError } from '../errors.js';
import { progressLine } from '../reduce/progress.js';
import { PhaseProgress, type ProgressListener } from '../reduce/phase-progress.js';
import type { PhaseJson } from '../contract.js';
import type { Results } from '../results/thread.js';
import { canonicalJson, trialKey } from '../common/trial-key.js';
import { samplerOf, trialSet } from '../search/template.js';
import { BatchSizer, objectiveOf, plannedPoints } from '../sequencer/run-search.js';
import { runSequence, searchedWindows, type PhaseRun } from '../sequencer/sequences.js';
import { checkReplaySignals } from '../sequencer/signal-generation.js';
import { TOPOLOGIES } from '../topology/topology.js';
import { runBatch } from '../topology/run-sets.js';
import type { BarWindow, Trade, TrialResult } from '../types.js';
import { containerLabel, patternMatchesAny, type TraceSettings } from '../tracing/settings.js';
import type { BestRun, RunStage, Stage, Storage } from './run-composed.js';
import { redisRefusesTracing } from './execution.js';
import { runGenerationStage } from './generation.js';
import type { StageContext } from './stage-context.js';
import { TRACE_DEFAULTS, type TopologyKind } from '../common/names.js';
import type { PhaseOutput } from '../config/templates.js';

export type { StageContext };

/**
 * The unit a workflow runs, repeats and branches: one phase config's sequence, its trials stored
 * under `label` (the phase name, or a composed phase's iteration or branch).
 */
export function stageRunner(ctx: StageContext): RunStage {
  const dataCache = new Map<string, Promise<MarketData>>();
  const dataOf = (decl: PhaseDeclaration, config: Config): { spec: Config['data']; data: Promise<MarketData> } => {
    const spec = resolveDataPaths(decl, ctx.workflow.file, config.data);
    const key = canonicalJson(spec);
    if (!dataCache.has(key)) dataCache.set(key, loadMarketData(spec, ctx.workflow.baseDir));
    return { spec, data: dataCache.get(key)! };
  };
  const line = (metric: string) => (ctx.progress && process.stderr.isTTY ? progressLine(metric) : null);
  return Object.assign(
    async (decl: PhaseDeclaration, label: string, phase: ValidatedPhase, storage: Storage, live: boolean | ProgressListener): Promise<Stage> => {
      const config = phase.config;
      const sampler = samplerOf(phase, phase.constraints);
      const topology = topologyOf(ctx, decl, sampler.grid.size);
      const accepted = sampler.countAccepted();
      ctx.log(`phase ${label}: ${spaceLine(phase, sampler.grid.size, accepted)}`);
      const { spec: dataSpec, data: loading } = dataOf(decl, config);
      const data = await loading;
      const trace = traceSettings(config, ctx.runId, label);
      if (trace) checkTrace(ctx, decl, label, trace, topology);
      // Signals are stored per window: those the phase's sequence searches (a replay with the same sequence finds them).
      const windows = topology === 'signal_generation' || topology === 'signal_replay' ? searchedWindows(phase, data) : [];
      const started = performance.now();
      ctx.events?.emit('phase_start', { phase: label, topology, points: sampler.grid.size, accepted });
      const ended = (stage: Stage): Stage => {
        const { trials, failed, best } = stage.json;
        ctx.events?.emit('phase_end', {
          phase: label,
          trials,
          failed,
          best: best ?? null,
          interrupted: stage.interrupted,
          seconds: Math.round(performance.now() - started) / 1000,
        });
        return stage;
      };
      if (topology === 'signal_generation') return ended(await runGenerationStage(ctx, decl, label, phase, storage, { data, dataSpec, windows, trace }));
      // signal_replay: what the `inputs.signals` phase stored, and why its failed keys failed.
      const source = topology === 'signal_replay' ? prepareReplay(ctx, decl, label, phase, data, windows) : undefined;
      const storeTrades = config.results.store_trades;
      const points = config.search !== undefined && config.search.method !== 'grid' ? Math.min(plannedPoints(phase), accepted ?? Infinity) : accepted;
      const followed = followProgress(ctx, label, points, objectiveOf(config).metric, live);
      if (storage === 'memory' && storeTrades) {
        const trials = points === null ? null : points * searchedWindows(phase, data).length;
        if (trials === null || trials >= MEMORY_WARNING_TRIALS) ctx.warn(memoryWarning(label, trials));
      }
      let restored = 0;
      const run = await runSequence(phase, data, ctx.executor, {
        onRestored: (n) => (restored += n),
        results: ctx.results,
        label,
        resume: ctx.resume,
        storeTrades,
        tradesTopOnly: storage === 'hybrid',
        topK: config.results.top_k,
        keepAll: storage === 'memory',
        signal: ctx.signal,
        maxBatch: ctx.maxBatch,
        trace,
        replay: topology === 'signal_replay' && ctx.executor.name !== 'redis' ? { dir: ctx.signalsDir, failed: source?.failedSignals } : undefined,
        dispatcher: ctx.dispatcher,
        sizer: new BatchSizer(),
        progress: followed.progress,
      });
      followed.end();
      if (restored > 0) ctx.log(`phase ${label}: ${restored} trials already stored, not recomputed`);
      const topTrades = storage === 'hybrid' && storeTrades ? await keepTopTrades(ctx.results, phase, label, data, run) : new Map<number, Trade[]>();
      const best = run.leaderboard.best?.item ?? null;
      const withTrades = (item: TrialResult): TrialResult =>
        item.trades || !topTrades.has(item.trial) ? item : { ...item, trades: topTrades.get(item.trial) };
      const kept = storage === 'memory' ? run.results : storage === 'hybrid' ? run.leaderboard.ranked.map((r) => withTrades(r.item)) : null;
      return ended({
        json: phaseJsonOf(label, topology, storage, run, best, kept),
        config,
        data,
        dataSpec,
        phase,
        bestRun: best && !run.kFold && !run.cpcv ? bestRunOf(label, phase, best.trial, run, data, dataSpec) : null,
        interrupted: run.interrupted,
      });
    },
    { line },
  );
}

/** Memory storage with trades is told of from this many trials of a phase on. */
export const MEMORY_WARNING_TRIALS = 10_000;

/** Why a big memory-storage phase may not fit: every run and its trades stay in memory and go into run.json. */
export function memoryWarning(label: string, trials: number | null): string {
  return `warning: phase ${label}: results.storage memory keeps ${trials === null ? 'every' : `all ${trials}`} runs with their trades in memory and in run.json (20,100 runs of ORCL took 1.7 GB and a 376 MB run.json); storage hybrid (the default) keeps every summary in results.db and the top-k runs with their trades`;
}

/** A phase's progress and who follows it: the line on a terminal (not for branches, which run side by side), the event stream. */
function followProgress(
  ctx: StageContext,
  label: string,
  points: number | null,
  metric: string,
  live: boolean | ProgressListener,
): { progress?: PhaseProgress; end(): void } {
  const line = live === true && ctx.progress && process.stderr.isTTY ? progressLine(metric) : null;
  const listeners: ProgressListener[] = [];
  if (line !== null) listeners.push(line);
  if (typeof live === 'object') listeners.push(live);
  if (ctx.events !== null) listeners.push(ctx.events.listener(metric));
  const progress = listeners.length > 0 ? new PhaseProgress(label, points, listeners) : undefined;
  return {
    progress,
    end() {
      progress?.end();
      line?.end();
    },
  };
}

/** The phase's topology: as declared, else optimization for a space of several points; a backtest of several is an error. */
function topologyOf(ctx: StageContext, decl: PhaseDeclaration, points: number): TopologyKind {
  const topology = decl.topology ?? (points > 1 ? 'optimization' : 'backtest');
  if (topology === 'backtest' && points > 1) {
    const sink = new IssueSink(decl.tree, ctx.workflow.file);
    sink.at([], `phase '${decl.name}' uses the backtest topology (one parameter set) but its parameter space has ${points} points`);
    throw new ConfigError(sink.issues);
  }
  return topology;
}

/** What the log says of a phase's space: its points, those within the constraints, how it is searched. */
function spaceLine(phase: ValidatedPhase, points: number, accepted: number | null): string {
  const search = phase.config.search;
  return `${points} point${points === 1 ? '' : 's'} in the parameter space${accepted !== points ? `, ${accepted ?? 'an unknown number'} within the constraints` : ''}${search?.method === 'random' ? `, drawing ${search.trials}` : ''}${search !== undefined && search.method !== 'grid' && search.method !== 'random' ? `, ${search.method} with a budget of ${plannedPoints(phase)}` : ''}${search?.pruner ? `, pruned by successive halving over ${search.pruner.rungs.join(' / ')} of the history` : ''}`;
}

/** Tracing is refused through redis; a container pattern that matches nothing in the topology is told. */
function checkTrace(ctx: StageContext, decl: PhaseDeclaration, label: string, trace: TraceSettings, topology: TopologyKind): void {
  if (ctx.executor.name === 'redis') throw new UserError(redisRefusesTracing(decl.name));
  const containers = TOPOLOGIES.find((t) => t.name === topology)!.containers;
  for (const [pattern] of trace.containers ?? []) {
    if (!patternMatchesAny(pattern, containers))
      ctx.log(
        `phase ${label}: trace_settings.container_settings: '${pattern}' matches no container of the ${topology} topology (${containers.map(containerLabel).join(', ')})`,
      );
  }
}

/** signal_replay: checks the stored signals are there and returns what the `inputs.signals` phase stored (and why its failed keys failed). */
function prepareReplay(
  ctx: StageContext,
  decl: PhaseDeclaration,
  label: string,
  phase: ValidatedPhase,
  data: MarketData,
  windows: readonly BarWindow[],
): PhaseOutput | undefined {
  const source = decl.signalsFrom !== null ? ctx.outputs.get(decl.signalsFrom) : undefined;
  if ((phase.config.search?.pruner ?? null) !== null) {
    throw new UserError(
      `phase '${decl.name}': signal_replay replays the signals stored for whole windows; the pruner's history prefixes have none. Drop search.pruner in this phase (tpe, cmaes and nsga2 replay as they are)`,
    );
  }
  const from = decl.signalsFrom === null ? null : { name: decl.signalsFrom, keys: new Set(source?.signals ?? []), failed: source?.failedSignals ?? {} };
  const strategies = checkReplaySignals(phase, data, windows, ctx.signalsDir, from);
  ctx.log(
    `phase ${label}: replaying the stored signals of ${strategies} strateg${strategies === 1 ? 'y' : 'ies'}${windows.length > 1 ? ` in ${windows.length} windows` : ''}`,
  );
  // Other machines cannot read this machine's signal store; a replay equals the full backtest trade for trade, so they run that.
  if (ctx.executor.name === 'redis')
    ctx.log('signal_replay through redis: workers run the full backtest topology (same results; the signal store is on this machine)');
  return source;
}

/** The phase's part of run.json (DESIGN.md section 8). */
function phaseJsonOf(
  label: string,
  topology: TopologyKind,
  storage: Storage,
  run: PhaseRun,
  best: TrialResult | null,
  kept: readonly TrialResult[] | null,
): PhaseJson {
  return {
    name: label,
    topology,
    sequence: run.sequence,
    storage,
    trials: run.trials,
    failed: run.failures.length,
    ...(best ? { best: { params: best.params, metrics: best.metrics } } : {}),
    ...(run.windows ? { windows: run.windows } : {}),
    ...(run.walkForward ? { walk_forward: run.walkForward } : {}),
    ...(run.monteCarlo ? { monte_carlo: run.monteCarlo } : {}),
    ...(run.kFold ? { k_fold: run.kFold } : {}),
    ...(run.cpcv ? { cpcv: run.cpcv } : {}),
    ...(run.robustness ? { robustness: run.robustness } : {}),
    ...(run.search ? { search: run.search } : {}),
    ...(kept ? { runs: kept.map((r) => ({ params: r.params, metrics: r.metrics, ...(r.trades ? { trades: r.trades } : {}) })) } : {}),
    ...(run.failures.length > 0 ? { failures: run.failures.map((f) => ({ params: f.params, error: f.error })) } : {}),
  };
}

/** The window the phase's leaderboard ranks on: walk-forward's is its last train window. */
function leaderboardWindow(run: PhaseRun, data: MarketData): { start: number; end: number } {
  const trained = run.windows?.[run.windows.length - 1]?.train;
  return trained ? { start: trained[0], end: trained[1] } : { start: 0, end: data.time.length };
}

/** hybrid storage: the top-k trials of a phase get their trades blob (the store holds every summary). */
async function keepTopTrades(results: Results, phase: ValidatedPhase, label: string, data: MarketData, run: PhaseRun): Promise<ReadonlyMap<number, Trade[]>> {
  const window = leaderboardWindow(run, data);
  // A top set restored by a resume comes without trades (hybrid stores them only at the phase's
  // end): they are recomputed here, top-k sets at most (k_fold ranks combined segments: none kept).
  const missing = run.kFold || run.cpcv ? [] : run.leaderboard.ranked.filter(({ item }) => !item.trades).map(({ item }) => item);
  const recomputed = new Map<number, Trade[]>();
  if (missing.length > 0) {
    const sets = missing.map((item) => trialSet(phase, item.trial));
    const computed = runBatch(data, sets, { window, periodsPerYear: phase.config.periods_per_year, storeTrades: true });
    missing.forEach((item, i) => recomputed.set(item.trial, computed[i].trades ?? []));
  }
  const rows = run.leaderboard.ranked.flatMap(({ item }) => {
    const trades = item.trades ?? recomputed.get(item.trial);
    return trades
      ? [
          {
            trialKey: trialKey(trialSet(phase, item.trial), data.hash, window),
            phase: label,
            window: [window.start, window.end] as const,
            trial: item.trial,
            params: item.params,
            metrics: item.metrics,
            error: null,
            trades,
          },
        ]
      : [];
  });
  if (rows.length > 0) await results.keepTop(rows);
  return recomputed;
}

/** The resolved parameter set of a stage's best trial, where it is stored and the window it was chosen on. */
function bestRunOf(label: string, phase: ValidatedPhase, trial: number, run: PhaseRun, data: MarketData, spec: Config['data']): BestRun {
  const window = leaderboardWindow(run, data);
  return {
    label,
    trial,
    window: [window.start, window.end],
    periods_per_year: phase.config.periods_per_year ?? null,
    set: trialSet(phase, trial),
    data: { spec, hash: data.hash },
  };
}

/**
 * A phase's trace settings when execution.enable_event_tracing is on: under
 * `<trace_dir>/<trace_id or run id>/<phase>/`, one sub-folder per topology run.
 */
function traceSettings(config: Config, runId: string, phase: string): TraceSettings | undefined {
  if (!config.execution.enable_event_tracing) return undefined;
  const t = config.execution.trace_settings;
  return {
    traceId: t?.trace_id ?? runId,
    traceDir: resolve(t?.trace_dir ?? TRACE_DEFAULTS.dir),
    maxEvents: t?.max_events ?? TRACE_DEFAULTS.maxEvents,
    part: [phase],
    containers: Object.entries(t?.container_settings ?? {}).map(
      ([pattern, s]) => [pattern, { enabled: s.enabled, events: s.events, maxEvents: s.max_events }] as const,
    ),
  };
}
