import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { IssueSink, validatePhase, type ValidatedPhase } from '../config/validate.js';
import type { PhaseDeclaration, Workflow } from '../config/workflow.js';
import { resolveTemplates, outputValue, type PhaseOutput } from '../config/templates.js';
import type { MarketData } from '../data/series.js';
import { ConfigError, UserError } from '../errors.js';
import type { Executor, RunEnd } from '../executor/executor.js';
import type { PoolOptions } from '../executor/pool.js';
import { queueNameFor } from '../executor/redis/keys.js';
import type { PhaseJson, ResultJson } from '../contract.js';
import { newRunId, RunDirectory } from '../results/run-dir.js';
import { localResults, threadedResults, type Results } from '../results/thread.js';
import { evaluateCondition, type ExprValue } from '../expression/expression.js';
import { setAt } from '../common/value-path.js';
import { Dispatcher } from '../sequencer/dispatch.js';
import { VERSION } from '../version.js';
import { runComposed, type BestRun } from './run-composed.js';
import { executionOf, expectedTrials, localExecutor, redisRefusesTracing, redisUrlOf, THREADED_RESULTS_ABOVE } from './execution.js';
import { stageRunner } from './stage.js';
import type { EventStream } from '../reduce/events.js';
import { recordingStages, type StageRecord } from './stage-records.js';
import type { ExecutorName, StorageMode } from '../common/names.js';

export interface RunOptions {
  /** Command-line flags; they win over the config (and so over --set). */
  readonly executor?: ExecutorName;
  readonly workers?: number | 'auto';
  readonly storage?: StorageMode;
  /** Parent of the results directories; default `runs`. */
  readonly out?: string;
  readonly runId?: string;
  /** Resume the run in this results directory: every trial it stored is reused, not recomputed. */
  readonly resume?: string;
  /** Aborting stops dispatching; batches in flight finish, everything is flushed (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** Messages for the user (space sizes, skipped phases); default: none. */
  readonly log?: (line: string) => void;
  /** Warnings, shown even when `log` is not (default: `log`). */
  readonly warn?: (line: string) => void;
  /** The live event stream (`--events`): run_start and each phase's events; the caller writes run_end. */
  readonly events?: EventStream;
  /** Show a live progress line on stderr (when it is a TTY). */
  readonly progress?: boolean;
  /** Told the run directory as soon as it exists (so a report can be written even after a failure). */
  readonly onRunDirectory?: (path: string) => void;
  /** Pool executor settings (tests and benchmarks). */
  readonly pool?: Omit<PoolOptions, 'workers' | 'plugins'>;
  /** Largest batch of points per task. */
  readonly maxBatch?: number;
  /** Redis URL for the redis executor (wins over execution.redis.url). */
  readonly redis?: string;
  /** Batches the redis executor keeps queued (wins over execution.redis.in_flight). */
  readonly inFlight?: number;
  /** How often the redis executor checks that its batches in flight still exist (tests). */
  readonly redisWatchMs?: number;
  /** signal_generation recomputes and overwrites signal sets the store already holds. */
  readonly force?: boolean;
  /** Where the results store lives: its own thread, or this one; default: a thread for big runs on the pool or redis. */
  readonly resultsThread?: boolean;
}

export interface RunOutcome {
  readonly result: ResultJson;
  /** The run stopped early (signal); `--resume` completes it. */
  readonly interrupted: boolean;
  /** Per phase that ran: its resolved config and data (for summaries). */
  readonly phases: readonly { name: string; config: Config; data: MarketData }[];
}

/** A phase's config with earlier outputs substituted: templates, then `inputs.params`. */
function resolvePhase(
  decl: PhaseDeclaration,
  outputs: ReadonlyMap<string, PhaseOutput>,
  file: string,
): { phase: ValidatedPhase; plain: Record<string, unknown> } {
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

/** Opens the executor: the redis one checks Redis (reachable, credentials, eviction policy) before the run directory exists. */
async function openExecutor(workflow: Workflow, base: Config | null, runId: string, options: RunOptions): Promise<Executor> {
  const choice = executionOf(workflow, base, options);
  if (choice.name !== 'redis') return localExecutor(choice, workflow, (base?.execution.feature_memory_mb ?? 512) * 1024 * 1024, options.pool);
  const url = redisUrlOf(workflow, base, options.redis);
  // Refused before a phase runs: a later traced phase must not end a long distributed run.
  const traced = workflow.phases.find((d) => d.validated?.config.execution.enable_event_tracing);
  if (traced !== undefined) throw new UserError(redisRefusesTracing(traced.name));
  // Loaded only here: BullMQ and ioredis add a quarter of a second to every start.
  const { RedisExecutor } = await import('../executor/redis/executor.js');
  return RedisExecutor.open({
    url,
    queue: queueNameFor(workflow.name, runId),
    inFlight: options.inFlight ?? base?.execution.redis?.in_flight ?? 8,
    plugins: workflow.plugins,
    log: options.log,
    watchMs: options.redisWatchMs,
    unreachableMs: 1000 * (base?.execution.redis?.unreachable_timeout ?? 300),
  });
}

/**
 * Runs a workflow: phases in dependency order, each skipped when a dependency was skipped or one of
 * its conditions is false; each phase's parameter space is searched by its sequence through the
 * executor, its trials stored by the results store. Writes `run.json` (resolved config, versions,
 * data hashes, timings, status, result).
 */
export async function runWorkflow(workflow: Workflow, options: RunOptions = {}): Promise<RunOutcome> {
  const base = workflow.phases[0].validated?.config ?? null;
  const started = new Date();
  const resumeDir = options.resume === undefined ? null : resolve(options.resume);
  if (resumeDir !== null && !existsSync(join(resumeDir, 'run.json'))) throw new UserError(`--resume: ${resumeDir} is not a run directory (no run.json)`);
  const runId = resumeDir !== null ? basename(resumeDir) : (options.runId ?? newRunId(started));
  const executor = await openExecutor(workflow, base, runId, options);
  const outRoot = resumeDir !== null ? dirname(dirname(resumeDir)) : resolve(options.out ?? 'runs');
  const provenance = provenanceOf(workflow, runId, executor, started, resumeDir !== null);
  const { dir, results } = await openRun(workflow, executor, options, outRoot, resumeDir, runId, provenance);
  options.events?.emit('run_start', {
    run_id: runId,
    workflow: workflow.name,
    config_file: provenance.config_file,
    results_dir: dir.path,
    resumed: resumeDir !== null,
    executor: executor.name,
    workers: executor.concurrency,
    phases: workflow.phases.map((p) => p.name),
  });
  const outputs = new Map<string, PhaseOutput>();
  const skipped = new Set<string>();
  const phasesJson: PhaseJson[] = [];
  const ran: { name: string; config: Config; data: MarketData; dataSpec: Config['data']; bestRun: BestRun | null }[] = [];
  const log = options.log ?? (() => {});
  const stages: StageRecord[] = [];
  const runStage = recordingStages(
    stageRunner({
      workflow,
      executor,
      results,
      resume: resumeDir !== null,
      runId,
      signalsDir: join(outRoot, 'signals'),
      outputs,
      dispatcher: Dispatcher.for(executor.concurrency),
      log,
      warn: options.warn ?? log,
      signal: options.signal,
      progress: options.progress ?? false,
      events: options.events ?? null,
      maxBatch: options.maxBatch,
      force: options.force ?? false,
    }),
    stages,
  );
  const ending = (status: 'completed' | 'interrupted' | 'failed', result: ResultJson): Record<string, unknown> =>
    runRecord(provenance, started, executor, ran, stages, status, result);
  let end: RunEnd = 'failed';
  let interrupted = false;
  try {
    for (const decl of workflow.phases) {
      const storage = options.storage ?? decl.validated?.config.results.storage ?? base?.results.storage ?? 'hybrid';
      const reason = skipReason(decl, skipped, outputs);
      if (reason !== null) {
        skipped.add(decl.name);
        log(`phase ${decl.name}: skipped (${reason})`);
        phasesJson.push({ name: decl.name, topology: decl.topology ?? 'optimization', sequence: '', storage, trials: 0, failed: 0, skipped: reason });
        continue;
      }
      const { phase, plain } = resolvePhase(decl, outputs, workflow.file);
      const stage = decl.compose
        ? await runComposed(decl, plain, phase, storage, workflow.file, runStage)
        : await runStage(decl, decl.name, phase, storage, true);
      outputs.set(decl.name, {
        best: stage.json.best ?? null,
        trials: stage.json.trials,
        failed: stage.json.failed,
        ...(stage.signals ? { signals: stage.signals, failedSignals: stage.failedSignals } : {}),
      });
      phasesJson.push({ ...stage.json, name: decl.name });
      ran.push({ name: decl.name, config: stage.config, data: stage.data, dataSpec: stage.dataSpec, bestRun: stage.bestRun });
      if (stage.interrupted) {
        interrupted = true;
        break;
      }
    }
    const result: ResultJson = { workflow: workflow.name, run_id: runId, results_dir: dir.path, phases: phasesJson };
    await results.close();
    dir.writeJson('run.json', ending(interrupted ? 'interrupted' : 'completed', result));
    end = interrupted ? 'interrupted' : 'completed';
    return { result, phases: ran, interrupted };
  } catch (error) {
    // The phases that finished keep their results (a report of the failed run shows them).
    const partial: ResultJson = { workflow: workflow.name, run_id: runId, results_dir: dir.path, phases: phasesJson };
    dir.writeJson('run.json', { ...ending('failed', partial), error: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    await results.close().catch(() => {});
    await executor.close(end);
  }
}

type Provenance = ReturnType<typeof provenanceOf>;

/** What run.json says of a run from its start: ids, versions, config, executor. */
function provenanceOf(workflow: Workflow, runId: string, executor: Executor, started: Date, resumed: boolean) {
  return {
    run_id: runId,
    workflow: workflow.name,
    fanfold: VERSION,
    node: process.version,
    config_file: resolve(workflow.file),
    phases: workflow.phases.map((p) => ({ name: p.name, config: p.plain })),
    executor: executor.name,
    plugins: workflow.plugins.map((p) => resolve(p)),
    started: started.toISOString(),
    resumed,
  };
}

/** The run directory (run.json at `running`) and its results store; the executor is closed if either cannot be made. */
async function openRun(
  workflow: Workflow,
  executor: Executor,
  options: RunOptions,
  outRoot: string,
  resumeDir: string | null,
  runId: string,
  provenance: Provenance,
): Promise<{ dir: RunDirectory; results: Results }> {
  let dir: RunDirectory | null = null;
  let results: Results | null = null;
  try {
    dir = new RunDirectory(outRoot, resumeDir !== null ? basename(dirname(resumeDir)) : workflow.name, runId);
    dir.writeJson('run.json', { ...provenance, status: 'running' });
    options.onRunDirectory?.(dir.path);
    // Every mode writes the store: it is what makes a killed run resumable.
    const threaded = options.resultsThread ?? (executor.name !== 'inline' && expectedTrials(workflow) > THREADED_RESULTS_ABOVE);
    const store = threaded ? await threadedResults(dir.path) : localResults(dir.path);
    results = store;
    await executor.adopt?.((rows) => store.commit(rows));
    return { dir, results: store };
  } catch (error) {
    await results?.close().catch(() => {});
    // A run directory that exists says how its run ended (not `running` for ever).
    if (dir !== null) dir.writeJson('run.json', { ...provenance, status: 'failed', error: error instanceof Error ? error.message : String(error) });
    await executor.close('failed');
    throw error;
  }
}

/** run.json at the end of a run: provenance, status, timings and what the phases that ran produced. */
function runRecord(
  provenance: Provenance,
  started: Date,
  executor: Executor,
  ran: readonly { name: string; data: MarketData; dataSpec: Config['data']; bestRun: BestRun | null }[],
  stages: readonly StageRecord[],
  status: 'completed' | 'interrupted' | 'failed',
  result: ResultJson,
): Record<string, unknown> {
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
    // What `fanfold show` rebuilds any stored trial from (not part of the --json contract).
    stages,
    result,
  };
}

/** Why a phase is skipped (a dependency was skipped, a condition is false), or null: it runs. */
function skipReason(decl: PhaseDeclaration, skipped: ReadonlySet<string>, outputs: ReadonlyMap<string, PhaseOutput>): string | null {
  const blockedBy = decl.dependsOn.find((d) => skipped.has(d));
  if (blockedBy !== undefined) return `depends on skipped phase '${blockedBy}'`;
  const failedCondition = decl.conditions.find((c) => !evaluateCondition(c, conditionLookup(outputs)));
  return failedCondition !== undefined ? `condition '${failedCondition.source}' is false` : null;
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
