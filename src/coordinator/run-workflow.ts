import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { IssueSink, validatePhase, type ValidatedPhase } from '../config/validate.js';
import type { PhaseDeclaration, Workflow } from '../config/workflow.js';
import { resolveTemplates, outputValue, type PhaseOutput } from '../config/templates.js';
import { locateIn } from '../config/tree.js';
import { loadMarketData } from '../data/load.js';
import type { MarketData } from '../data/series.js';
import { ConfigError, UserError } from '../errors.js';
import type { Executor } from '../executor/executor.js';
import { InlineExecutor } from '../executor/inline.js';
import type { RunEnd } from '../executor/executor.js';
import { PoolExecutor, type PoolOptions } from '../executor/pool.js';
import { queueNameFor } from '../executor/redis/keys.js';
import { REDIS_URL_PATTERN, redactedUrl } from '../executor/redis/url.js';
import { progressLine } from '../reduce/progress.js';
import type { PhaseJson, ResultJson } from '../results/contract.js';
import { newRunId, RunDirectory } from '../results/run-dir.js';
import { evaluateCondition, type ExprValue } from '../search/expression.js';
import { canonicalJson } from '../search/trial-key.js';
import { runSequence, searchedWindows, sequenceName, type PhaseRun } from '../sequencer/sequences.js';
import { checkReplaySignals, runGeneration } from '../sequencer/signals.js';
import { containerLabel, patternMatchesAny, type TraceSettings } from '../tracing/settings.js';
import { TOPOLOGIES } from '../topology/topology.js';
import { objectiveOf, samplerOf, trialSet } from '../sequencer/search.js';
import { ResultsStore } from '../results/store.js';
import { storeSink } from '../results/sink.js';
import { setAt } from '../search/space.js';
import { trialKey } from '../search/trial-key.js';
import { VERSION } from '../version.js';
import { runComposed, type BestRun, type Stage, type Storage } from './composable/run-composed.js';

export interface RunOptions {
  /** Command-line flags; they win over the config (and so over --set). */
  readonly executor?: 'inline' | 'pool' | 'redis';
  readonly workers?: number | 'auto';
  readonly storage?: 'memory' | 'disk' | 'hybrid';
  /** Parent of the results directories; default `runs`. */
  readonly out?: string;
  readonly runId?: string;
  /** Resume the run in this results directory: every trial it stored is reused, not recomputed. */
  readonly resume?: string;
  /** Aborting stops dispatching; batches in flight finish, everything is flushed (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** Messages for the user (space sizes, skipped phases); default: none. */
  readonly log?: (line: string) => void;
  /** Show a live progress line on stderr (when it is a TTY). */
  readonly progress?: boolean;
  /** Told the run directory as soon as it exists (so a report can be written even after a failure). */
  readonly onRunDirectory?: (path: string) => void;
  /** Pool executor settings (tests and benchmarks). */
  readonly pool?: Omit<PoolOptions, 'workers' | 'plugins'>;
  /** Largest batch of sets per task. */
  readonly maxBatch?: number;
  /** Redis URL for the redis executor (wins over execution.redis.url). */
  readonly redis?: string;
  /** Batches the redis executor keeps queued (wins over execution.redis.in_flight). */
  readonly inFlight?: number;
  /** How often the redis executor checks that its batches in flight still exist (tests). */
  readonly redisWatchMs?: number;
  /** signal_generation recomputes and overwrites signal sets the store already holds. */
  readonly force?: boolean;
}

export interface RunOutcome {
  readonly result: ResultJson;
  /** The run stopped early (signal); `--resume` completes it. */
  readonly interrupted: boolean;
  /** Per phase that ran: its resolved config and data (for summaries). */
  readonly phases: readonly { name: string; config: Config; data: MarketData }[];
}

function executorFor(name: 'inline' | 'pool', workers: number | 'auto', workflow: Workflow, options: RunOptions): Executor {
  if (name === 'inline') return new InlineExecutor();
  return new PoolExecutor({ ...options.pool, workers, plugins: workflow.plugins, maxBatch: options.maxBatch });
}

/** The redis executor's URL: --redis, else execution.redis.url; a clear error when neither is given. */
function redisUrlOf(workflow: Workflow, base: Config | null, options: RunOptions): string {
  const url = options.redis ?? base?.execution.redis?.url;
  if (url === undefined) {
    throw new UserError(`executor 'redis' needs a Redis URL: pass --redis redis://host:6379 or set execution.redis.url in ${workflow.file}`);
  }
  if (!REDIS_URL_PATTERN.test(url)) throw new UserError(`${options.redis !== undefined ? '--redis' : `execution.redis.url in ${workflow.file}`}: expected a redis:// or rediss:// URL, got '${redactedUrl(url)}'`);
  return url;
}

function redisRefusesTracing(phase: string): string {
  return `phase '${phase}': event tracing writes traces where the topology runs; the redis executor's workers run on other machines. Trace with --executor pool or inline`;
}

/** A phase's config with earlier outputs substituted: templates, then `inputs.params`. */
function resolvePhase(decl: PhaseDeclaration, outputs: ReadonlyMap<string, PhaseOutput>, file: string): { phase: ValidatedPhase; plain: Record<string, unknown> } {
  if (decl.validated !== null && decl.paramsFrom === null) return { phase: decl.validated, plain: decl.plain };
  const sink = new IssueSink(decl.tree, file);
  const plain = resolveTemplates(decl.plain, outputs, (raw) => {
    throw new UserError(`phase '${decl.name}': \${${raw}} has no value (that phase found no best set)`);
  }) as Record<string, unknown>;
  if (decl.paramsFrom !== null) {
    const best = outputs.get(decl.paramsFrom)?.best;
    if (!best) throw new UserError(`phase '${decl.name}': inputs.params: phase '${decl.paramsFrom}' found no best set`);
    for (const [name, value] of Object.entries(best.params)) setAt(plain, name.split('.'), value);
  }
  const validated = validatePhase(plain, sink);
  if (validated === null) throw new ConfigError(sink.issues);
  return { phase: validated, plain };
}

/**
 * The data spec with every relative path resolved against the folder of the file that wrote that
 * path (an `extends` base may), or the working directory for a path given with `--set`.
 */
function resolveDataPaths(decl: PhaseDeclaration, workflow: Workflow, data: Config['data']): Config['data'] {
  const against = (path: readonly (string | number)[], value: string): string => {
    const pos = locateIn(decl.tree, path, workflow.file);
    return resolve(pos.file.startsWith('--set ') ? process.cwd() : dirname(resolve(pos.file)), value);
  };
  if ('path' in data) return { ...data, path: against(['data', 'path'], data.path) };
  if ('symbols' in data) return { symbols: data.symbols.map((s, i) => ({ ...s, path: against(['data', 'symbols', i, 'path'], s.path) })) };
  return data;
}

/**
 * Runs a workflow: phases in dependency order, each skipped when a dependency was skipped or one of
 * its conditions is false; each phase's parameter space is searched by its sequence through the
 * executor. Writes `run.json` (resolved config, versions, data hashes, timings, status, result).
 */
export async function runWorkflow(workflow: Workflow, options: RunOptions = {}): Promise<RunOutcome> {
  const first = workflow.phases[0];
  const base = (first.validated?.config ?? null) as Config | null;
  const executorName = options.executor ?? base?.execution.executor ?? 'pool';
  const redisUrl = executorName === 'redis' ? redisUrlOf(workflow, base, options) : null;
  const workers = options.workers ?? base?.execution.workers ?? 'auto';
  const started = new Date();
  const resumeDir = options.resume === undefined ? null : resolve(options.resume);
  if (resumeDir !== null && !existsSync(join(resumeDir, 'run.json'))) throw new UserError(`--resume: ${resumeDir} is not a run directory (no run.json)`);
  const runId = resumeDir !== null ? basename(resumeDir) : (options.runId ?? newRunId(started));
  // Refused before a phase runs: a later traced phase must not end a long distributed run.
  const traced = redisUrl === null ? undefined : workflow.phases.find((d) => d.validated?.config.execution.enable_event_tracing);
  if (traced !== undefined) throw new UserError(redisRefusesTracing(traced.name));
  // Redis is checked (reachable, credentials, eviction policy) before the run directory is made.
  const remote =
    redisUrl === null
      ? null
      : // Loaded only here: BullMQ and ioredis add a quarter of a second to every start.
        await (await import('../executor/redis.js')).RedisExecutor.open({ url: redisUrl, queue: queueNameFor(workflow.name, runId), inFlight: options.inFlight ?? base?.execution.redis?.in_flight ?? 8, plugins: workflow.plugins, log: options.log, watchMs: options.redisWatchMs });
  const outRoot = resumeDir !== null ? dirname(dirname(resumeDir)) : resolve(options.out ?? 'runs');
  // Content-addressed by strategy, data and window: shared by every run written to the same --out.
  const signalsDir = join(outRoot, 'signals');
  const provenance = {
    run_id: runId,
    workflow: workflow.name,
    fanfold: VERSION,
    node: process.version,
    config_file: resolve(workflow.file),
    phases: workflow.phases.map((p) => ({ name: p.name, config: p.plain })),
    executor: executorName,
    plugins: workflow.plugins.map((p) => resolve(p)),
    started: started.toISOString(),
    resumed: resumeDir !== null,
  };
  let dir: RunDirectory;
  let store: ResultsStore;
  try {
    dir = new RunDirectory(outRoot, resumeDir !== null ? basename(dirname(resumeDir)) : workflow.name, runId);
    dir.writeJson('run.json', { ...provenance, status: 'running' });
    options.onRunDirectory?.(dir.path);
    // Every mode writes the store: it is what makes a killed run resumable.
    store = new ResultsStore(dir.path);
  } catch (error) {
    await remote?.close('failed');
    throw error;
  }
  let interrupted = false;
  const outputs = new Map<string, PhaseOutput>();
  const skipped = new Set<string>();
  const phasesJson: PhaseJson[] = [];
  const ran: { name: string; config: Config; data: MarketData; dataSpec: Config['data']; bestRun: BestRun | null }[] = [];
  const dataCache = new Map<string, Promise<MarketData>>();
  const log = options.log ?? (() => {});
  // Created last before the try: its worker threads are always shut down by the finally.
  const executor = remote ?? executorFor(executorName as 'inline' | 'pool', workers, workflow, options);
  let end: RunEnd = 'failed';

  /**
   * Runs one phase config's sequence and stores its trials under `label` (the phase name, or for a
   * composed phase its iteration or branch): the unit a composable workflow repeats and branches.
   */
  const runStage = async (decl: PhaseDeclaration, label: string, phase: ValidatedPhase, storage: Storage, live: boolean): Promise<Stage> => {
    const config = phase.config;
    const sampler = samplerOf(phase);
    const topology = decl.topology ?? (sampler.grid.size > 1 ? 'optimization' : 'backtest');
    if (topology === 'backtest' && sampler.grid.size > 1) {
      const sink = new IssueSink(decl.tree, workflow.file);
      sink.at([], `phase '${decl.name}' uses the backtest topology (one parameter set) but its parameter space has ${sampler.grid.size} points`);
      throw new ConfigError(sink.issues);
    }
    const accepted = sampler.countAccepted();
    log(`phase ${label}: ${sampler.grid.size} point${sampler.grid.size === 1 ? '' : 's'} in the parameter space${accepted !== sampler.grid.size ? `, ${accepted ?? 'an unknown number'} within the constraints` : ''}${config.search?.method === 'random' ? `, drawing ${config.search.trials}` : ''}`);
    const dataSpec = resolveDataPaths(decl, workflow, config.data);
    const dataKey = canonicalJson(dataSpec);
    if (!dataCache.has(dataKey)) dataCache.set(dataKey, loadMarketData(dataSpec, workflow.baseDir));
    const data = await dataCache.get(dataKey)!;
    const trace = traceSettings(config, runId, label);
    if (trace) {
      if (executor.name === 'redis') throw new UserError(redisRefusesTracing(decl.name));
      const containers = TOPOLOGIES.find((t) => t.name === topology)!.containers;
      for (const [pattern] of trace.containers ?? []) {
        if (!patternMatchesAny(pattern, containers)) log(`phase ${label}: trace_settings.container_settings: '${pattern}' matches no container of the ${topology} topology (${containers.map(containerLabel).join(', ')})`);
      }
    }
    // Signals are stored per window: those the phase's sequence searches (a replay with the same sequence finds them).
    const windows = topology === 'signal_generation' || topology === 'signal_replay' ? searchedWindows(phase, data) : [];
    if (topology === 'signal_generation') {
      const gen = await runGeneration(phase, data, windows, executor, { dir: signalsDir, force: options.force ?? false, trace, log, signal: options.signal });
      const rows = gen.signals.map((s) => ({ ...s, file: join(signalsDir, `${s.key}.msgpack`) }));
      store.addSignals(label, rows);
      const created = rows.filter((r) => r.status === 'created').length;
      log(`phase ${label}: ${rows.length} signal set${rows.length === 1 ? '' : 's'} in ${signalsDir}: ${created} generated, ${rows.length - created} reused${gen.failures.length > 0 ? `, ${gen.failures.length} failed` : ''}`);
      const json: PhaseJson = {
        name: label,
        topology,
        sequence: sequenceName(config.sequence),
        storage,
        trials: gen.trials,
        failed: gen.failures.length,
        signals: rows.map((r) => ({ key: r.key, params: r.params, strategy: r.strategy, window: r.window, changes: r.changes, bytes: r.bytes, status: r.status, file: r.file })),
        ...(gen.failures.length > 0 ? { failures: gen.failures.map((f) => ({ params: f.params, error: `bars ${f.window[0]}–${f.window[1] - 1}: ${f.error}` })) } : {}),
      };
      return { json, config, data, dataSpec, phase, bestRun: null, signals: rows.map((r) => r.key), failedSignals: Object.fromEntries(gen.failures.map((f) => [f.key, `its generation in phase '${decl.name}' failed: ${f.error}`])), interrupted: options.signal?.aborted ?? false };
    }
    // signal_replay: what the `inputs.signals` phase stored, and why its failed keys failed.
    const source = topology === 'signal_replay' && decl.signalsFrom !== null ? outputs.get(decl.signalsFrom) : undefined;
    if (topology === 'signal_replay') {
      const from = decl.signalsFrom === null ? null : { name: decl.signalsFrom, keys: new Set(source?.signals ?? []), failed: source?.failedSignals ?? {} };
      const strategies = checkReplaySignals(phase, data, windows, signalsDir, from);
      log(`phase ${label}: replaying the stored signals of ${strategies} strateg${strategies === 1 ? 'y' : 'ies'}${windows.length > 1 ? ` in ${windows.length} windows` : ''}`);
    }
    const storeTrades = config.results.store_trades;
    const sink = storeSink(store, label, storage, storeTrades);
    const stored = resumeDir !== null ? store.stored(label) : undefined;
    if (stored && stored.size > 0) log(`phase ${label}: ${stored.size} trials already stored, not recomputed`);
    const bar = live && options.progress && process.stderr.isTTY ? progressLine(label, config.search?.method === 'random' ? Math.min(config.search.trials ?? 0, accepted ?? Infinity) : accepted, objectiveOf(config).metric) : null;
    const run = await runSequence(phase, data, executor, {
      storeTrades,
      topK: config.results.top_k,
      keepAll: storage === 'memory',
      sink,
      stored,
      signal: options.signal,
      maxBatch: options.maxBatch,
      trace,
      replay: topology === 'signal_replay' ? { dir: signalsDir, failed: source?.failedSignals } : undefined,
      progress: bar ? (done, failed, best) => bar.update(done, failed, best) : undefined,
    });
    bar?.end();
    if (storage === 'hybrid' && storeTrades) keepTopTrades(store, phase, label, data, run);
    const best = run.leaderboard.best?.item ?? null;
    const kept = storage === 'memory' ? run.results : storage === 'hybrid' ? run.leaderboard.ranked.map((r) => r.item) : null;
    const json: PhaseJson = {
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
      ...(kept ? { runs: kept.map((r) => ({ params: r.params, metrics: r.metrics, ...(r.trades ? { trades: r.trades } : {}) })) } : {}),
      ...(run.failures.length > 0 ? { failures: run.failures.map((f) => ({ params: f.params, error: f.error })) } : {}),
    };
    return { json, config, data, dataSpec, phase, bestRun: best && !run.kFold ? bestRunOf(label, phase, best.trial, run, data, dataSpec) : null, interrupted: run.interrupted };
  };
  /** run.json at the end of a run: provenance, status, timings and what the phases that ran produced. */
  const ending = (status: 'completed' | 'interrupted' | 'failed', result: ResultJson): Record<string, unknown> => {
    const finished = new Date();
    return {
      ...provenance,
      status,
      finished: finished.toISOString(),
      seconds: (finished.getTime() - started.getTime()) / 1000,
      workers: executor.concurrency,
      data: ran.map((r) => ({ phase: r.name, ...describeData(r.data), spec: r.dataSpec })),
      // What a report re-runs to draw the best set's equity curve (not part of the --json contract).
      best_runs: ran.flatMap((r) => (r.bestRun ? [{ phase: r.name, ...r.bestRun }] : [])),
      result,
    };
  };
  try {
    for (const decl of workflow.phases) {
      const blockedBy = decl.dependsOn.find((d) => skipped.has(d));
      const failedCondition = blockedBy ? undefined : decl.conditions.find((c) => !evaluateCondition(c, conditionLookup(outputs)));
      const storage = options.storage ?? decl.validated?.config.results.storage ?? base?.results.storage ?? 'memory';
      if (blockedBy !== undefined || failedCondition !== undefined) {
        skipped.add(decl.name);
        const reason = blockedBy !== undefined ? `depends on skipped phase '${blockedBy}'` : `condition '${failedCondition!.source}' is false`;
        log(`phase ${decl.name}: skipped (${reason})`);
        phasesJson.push({ name: decl.name, topology: decl.topology ?? 'optimization', sequence: '', storage, trials: 0, failed: 0, skipped: reason });
        continue;
      }
      const { phase, plain } = resolvePhase(decl, outputs, workflow.file);
      const stage = decl.compose ? await runComposed(decl, plain, phase, storage, workflow.file, runStage) : await runStage(decl, decl.name, phase, storage, true);
      outputs.set(decl.name, { best: stage.json.best ?? null, trials: stage.json.trials, failed: stage.json.failed, ...(stage.signals ? { signals: stage.signals, failedSignals: stage.failedSignals } : {}) });
      phasesJson.push({ ...stage.json, name: decl.name });
      ran.push({ name: decl.name, config: stage.config, data: stage.data, dataSpec: stage.dataSpec, bestRun: stage.bestRun });
      if (stage.interrupted) {
        interrupted = true;
        break;
      }
    }
    const result: ResultJson = { workflow: workflow.name, run_id: runId, results_dir: dir.path, phases: phasesJson };
    store.flush();
    dir.writeJson('run.json', ending(interrupted ? 'interrupted' : 'completed', result));
    end = interrupted ? 'interrupted' : 'completed';
    return { result, phases: ran, interrupted };
  } catch (error) {
    // The phases that finished keep their results (a report of the failed run shows them).
    const partial: ResultJson = { workflow: workflow.name, run_id: runId, results_dir: dir.path, phases: phasesJson };
    dir.writeJson('run.json', { ...ending('failed', partial), error: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    store.close();
    await executor.close(end);
  }
}

/** hybrid storage: the top-k trials of a phase get their trades blob (the store holds every summary). */
function keepTopTrades(store: ResultsStore, phase: ValidatedPhase, name: string, data: MarketData, run: PhaseRun): void {
  // Walk-forward: the leaderboard is the last window's.
  const trained = run.windows?.[run.windows.length - 1]?.train;
  const window = trained ? { start: trained[0], end: trained[1] } : { start: 0, end: data.time.length };
  store.ensureIndex();
  for (const { item } of run.leaderboard.ranked) {
    if (!item.trades) continue;
    const key = trialKey(trialSet(phase, item.trial), data.hash, window);
    const tradesFile = store.writeBlob('trades', key, item.trades);
    store.add({ trialKey: key, phase: name, window: [window.start, window.end], trial: item.trial, params: item.params, metrics: item.metrics, error: null, tradesFile });
  }
  store.flush();
}

/** The resolved parameter set of a stage's best trial, where it is stored and the window it was chosen on. */
function bestRunOf(label: string, phase: ValidatedPhase, trial: number, run: PhaseRun, data: MarketData, spec: Config['data']): BestRun {
  // Windowed sequences choose on a train window; walk-forward's leaderboard is its last window's.
  const train = run.windows?.[run.windows.length - 1]?.train;
  return { label, trial, window: train ? [train[0], train[1]] : [0, data.time.length], periods_per_year: phase.config.periods_per_year ?? null, set: trialSet(phase, trial), data: { spec, hash: data.hash } };
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
    traceDir: resolve(t?.trace_dir ?? './traces'),
    maxEvents: t?.max_events ?? 10_000,
    part: [phase],
    containers: Object.entries(t?.container_settings ?? {}).map(([pattern, s]) => [pattern, { enabled: s.enabled, events: s.events, maxEvents: s.max_events }] as const),
  };
}

function conditionLookup(outputs: ReadonlyMap<string, PhaseOutput>): (name: string) => ExprValue | undefined {
  return (name) => {
    const [phase, ...field] = name.split('.');
    const out = outputs.get(phase);
    if (!out) return undefined;
    const v = outputValue(out, field);
    return v === undefined || (typeof v === 'object' && v !== null) ? undefined : (v as ExprValue);
  };
}

function describeData(data: MarketData): Record<string, unknown> {
  const n = data.time.length;
  return {
    source: data.source,
    hash: data.hash,
    symbols: data.symbols.map((s) => s.symbol),
    bars: n,
    first: new Date(data.time[0]).toISOString(),
    last: new Date(data.time[n - 1]).toISOString(),
  };
}
