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
import { PoolExecutor, type PoolOptions } from '../executor/pool.js';
import { progressLine } from '../reduce/progress.js';
import type { PhaseJson, ResultJson } from '../results/contract.js';
import { newRunId, RunDirectory } from '../results/run-dir.js';
import { evaluateCondition, type ExprValue } from '../search/expression.js';
import { canonicalJson } from '../search/trial-key.js';
import { runSequence, sequenceName, type PhaseRun } from '../sequencer/sequences.js';
import { checkReplaySignals, runGeneration } from '../sequencer/signals.js';
import type { TraceSettings } from '../tracing/settings.js';
import { TOPOLOGIES } from '../topology/topology.js';
import picomatch from 'picomatch';
import { objectiveOf, samplerOf, trialSet } from '../sequencer/search.js';
import { ResultsStore } from '../results/store.js';
import { storeSink } from '../results/sink.js';
import { setAt } from '../search/space.js';
import { trialKey } from '../search/trial-key.js';
import { VERSION } from '../version.js';

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
  /** Pool executor settings (tests and benchmarks). */
  readonly pool?: Omit<PoolOptions, 'workers' | 'plugins'>;
  /** Largest batch of sets per task. */
  readonly maxBatch?: number;
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

/** A phase's config with earlier outputs substituted: templates, then `inputs.params`. */
function resolvePhase(decl: PhaseDeclaration, outputs: ReadonlyMap<string, PhaseOutput>, file: string): ValidatedPhase {
  if (decl.validated !== null && decl.paramsFrom === null) return decl.validated;
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
  return validated;
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
  if (executorName === 'redis') throw new UserError("executor 'redis' is not available in this version; use --executor pool or inline");
  const workers = options.workers ?? base?.execution.workers ?? 'auto';
  const started = new Date();
  const resumeDir = options.resume === undefined ? null : resolve(options.resume);
  if (resumeDir !== null && !existsSync(join(resumeDir, 'run.json'))) throw new UserError(`--resume: ${resumeDir} is not a run directory (no run.json)`);
  const runId = resumeDir !== null ? basename(resumeDir) : (options.runId ?? newRunId(started));
  const outRoot = resumeDir !== null ? dirname(dirname(resumeDir)) : resolve(options.out ?? 'runs');
  const dir = new RunDirectory(outRoot, resumeDir !== null ? basename(dirname(resumeDir)) : workflow.name, runId);
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
    started: started.toISOString(),
    resumed: resumeDir !== null,
  };
  dir.writeJson('run.json', { ...provenance, status: 'running' });
  // Every mode writes the store: it is what makes a killed run resumable.
  const store = new ResultsStore(dir.path);
  let interrupted = false;
  const outputs = new Map<string, PhaseOutput>();
  const skipped = new Set<string>();
  const phasesJson: PhaseJson[] = [];
  const ran: { name: string; config: Config; data: MarketData }[] = [];
  const dataCache = new Map<string, Promise<MarketData>>();
  const log = options.log ?? (() => {});
  // Created last before the try: its worker threads are always shut down by the finally.
  const executor = executorFor(executorName, workers, workflow, options);
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
      const phase = resolvePhase(decl, outputs, workflow.file);
      const config = phase.config;
      const sampler = samplerOf(phase);
      const topology = decl.topology ?? (sampler.grid.size > 1 ? 'optimization' : 'backtest');
      if (topology === 'backtest' && sampler.grid.size > 1) {
        const sink = new IssueSink(decl.tree, workflow.file);
        sink.at([], `phase '${decl.name}' uses the backtest topology (one parameter set) but its parameter space has ${sampler.grid.size} points`);
        throw new ConfigError(sink.issues);
      }
      if ((topology === 'signal_generation' || topology === 'signal_replay') && sequenceName(config.sequence) !== 'single_pass') {
        const sink = new IssueSink(decl.tree, workflow.file);
        sink.at(['sequence'], `the ${topology} topology runs over the whole data (sequence: single_pass); '${sequenceName(config.sequence)}' is not supported with it`);
        throw new ConfigError(sink.issues);
      }
      const accepted = sampler.countAccepted();
      log(`phase ${decl.name}: ${sampler.grid.size} point${sampler.grid.size === 1 ? '' : 's'} in the parameter space${accepted !== sampler.grid.size ? `, ${accepted ?? 'an unknown number'} within the constraints` : ''}${config.search?.method === 'random' ? `, drawing ${config.search.trials}` : ''}`);
      const dataSpec = resolveDataPaths(decl, workflow, config.data);
      const dataKey = canonicalJson(dataSpec);
      if (!dataCache.has(dataKey)) dataCache.set(dataKey, loadMarketData(dataSpec, workflow.baseDir));
      const data = await dataCache.get(dataKey)!;
      const trace = traceSettings(config, runId, decl.name);
      if (trace) {
        const containers = TOPOLOGIES.find((t) => t.name === topology)!.containers;
        for (const [pattern] of trace.containers ?? []) {
          if (!containers.some((c) => c === pattern || picomatch(pattern, { dot: true })(c))) log(`phase ${decl.name}: trace_settings.container_settings: '${pattern}' matches no container of the ${topology} topology (${containers.join(', ')})`);
        }
      }
      const whole = { start: 0, end: data.time.length };
      if (topology === 'signal_generation') {
        const gen = await runGeneration(phase, data, whole, executor, { dir: signalsDir, force: options.force ?? false, trace, log, signal: options.signal });
        const rows = gen.signals.map((s) => ({ ...s, file: join(signalsDir, `${s.key}.msgpack`) }));
        store.addSignals(decl.name, rows);
        const created = rows.filter((r) => r.status === 'created').length;
        log(`phase ${decl.name}: ${rows.length} signal set${rows.length === 1 ? '' : 's'} in ${signalsDir}: ${created} generated, ${rows.length - created} reused`);
        outputs.set(decl.name, { best: null, trials: gen.trials, failed: 0, signals: rows.map((r) => r.key) });
        phasesJson.push({
          name: decl.name,
          topology,
          sequence: 'single_pass',
          storage,
          trials: gen.trials,
          failed: 0,
          signals: rows.map((r) => ({ key: r.key, params: r.params, strategy: r.strategy, changes: r.changes, bytes: r.bytes, status: r.status, file: r.file })),
        });
        ran.push({ name: decl.name, config, data });
        if (options.signal?.aborted) {
          interrupted = true;
          break;
        }
        continue;
      }
      if (topology === 'signal_replay') {
        const from = decl.signalsFrom === null ? null : { name: decl.signalsFrom, keys: new Set(outputs.get(decl.signalsFrom)?.signals ?? []) };
        const strategies = checkReplaySignals(phase, data, whole, signalsDir, from);
        log(`phase ${decl.name}: replaying the stored signals of ${strategies} strateg${strategies === 1 ? 'y' : 'ies'}`);
      }
      const storeTrades = config.results.store_trades;
      const sink = storeSink(store, decl.name, storage, storeTrades);
      const stored = resumeDir !== null ? store.stored(decl.name) : undefined;
      if (stored && stored.size > 0) log(`phase ${decl.name}: ${stored.size} trials already stored, not recomputed`);
      const bar = options.progress && process.stderr.isTTY ? progressLine(decl.name, config.search?.method === 'random' ? Math.min(config.search.trials ?? 0, accepted ?? Infinity) : accepted, objectiveOf(config).metric) : null;
      const run = await runSequence(phase, data, executor, {
        storeTrades,
        topK: config.results.top_k,
        keepAll: storage === 'memory',
        sink,
        stored,
        signal: options.signal,
        maxBatch: options.maxBatch,
        trace,
        replay: topology === 'signal_replay' ? { dir: signalsDir } : undefined,
        progress: bar ? (done, failed, best) => bar.update(done, failed, best) : undefined,
      });
      bar?.end();
      if (storage === 'hybrid' && storeTrades) keepTopTrades(store, phase, decl.name, data, run);
      const best = run.leaderboard.best?.item ?? null;
      outputs.set(decl.name, { best: best && { params: best.params, metrics: best.metrics }, trials: run.trials, failed: run.failures.length });
      const kept = storage === 'memory' ? run.results : storage === 'hybrid' ? run.leaderboard.ranked.map((r) => r.item) : null;
      phasesJson.push({
        name: decl.name,
        topology,
        sequence: run.sequence,
        storage,
        trials: run.trials,
        failed: run.failures.length,
        ...(best ? { best: { params: best.params, metrics: best.metrics } } : {}),
        ...(run.windows ? { windows: run.windows } : {}),
        ...(run.walkForward ? { walk_forward: run.walkForward } : {}),
        ...(run.monteCarlo ? { monte_carlo: run.monteCarlo } : {}),
        ...(kept ? { runs: kept.map((r) => ({ params: r.params, metrics: r.metrics, ...(r.trades ? { trades: r.trades } : {}) })) } : {}),
        ...(run.failures.length > 0 ? { failures: run.failures.map((f) => ({ params: f.params, error: f.error })) } : {}),
      });
      ran.push({ name: decl.name, config, data });
      if (run.interrupted) {
        interrupted = true;
        break;
      }
    }
    const result: ResultJson = { workflow: workflow.name, run_id: runId, results_dir: dir.path, phases: phasesJson };
    const finished = new Date();
    store.flush();
    dir.writeJson('run.json', {
      ...provenance,
      status: interrupted ? 'interrupted' : 'completed',
      finished: finished.toISOString(),
      seconds: (finished.getTime() - started.getTime()) / 1000,
      data: ran.map((r) => ({ phase: r.name, ...describeData(r.data) })),
      result,
    });
    return { result, phases: ran, interrupted };
  } catch (error) {
    dir.writeJson('run.json', { ...provenance, status: 'failed', error: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    store.close();
    await executor.close();
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
