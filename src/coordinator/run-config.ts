import { join, resolve } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { parameterSetOf } from '../config/resolve.js';
import type { Config } from '../config/schema.js';
import { loadMarketData } from '../data/load.js';
import type { MarketData } from '../data/series.js';
import { UserError } from '../errors.js';
import type { Executor } from '../executor/executor.js';
import { InlineExecutor } from '../executor/inline.js';
import { metricsJson, type PhaseJson, type ResultJson } from '../results/contract.js';
import { newRunId, RunDirectory } from '../results/run-dir.js';
import { VERSION } from '../version.js';

export interface RunOptions {
  /** Command-line flags; they win over the config (and so over --set). */
  readonly executor?: 'inline' | 'pool' | 'redis';
  readonly workers?: number | 'auto';
  readonly storage?: 'memory' | 'disk' | 'hybrid';
  /** Parent of the results directories; default `runs`. */
  readonly out?: string;
  readonly runId?: string;
}

export interface RunOutcome {
  readonly result: ResultJson;
  readonly data: MarketData;
  readonly config: Config;
}

function executorFor(name: 'inline' | 'pool' | 'redis'): Executor {
  if (name !== 'inline') throw new UserError(`executor '${name}' is not available in this version; use --executor inline`);
  return new InlineExecutor();
}

/**
 * Runs a one-phase workflow: loads its data, runs its parameter set through the executor and writes
 * `run.json` (resolved config, versions, data hash, timings, status, result) to the run directory.
 */
export async function runConfig(loaded: LoadedConfig, options: RunOptions = {}): Promise<RunOutcome> {
  const base = loaded.config;
  const config: Config = {
    ...base,
    execution: { ...base.execution, executor: options.executor ?? base.execution.executor, workers: options.workers ?? base.execution.workers },
    results: { ...base.results, storage: options.storage ?? base.results.storage },
  };
  if (config.results.storage !== 'memory') throw new UserError(`storage '${config.results.storage}' is not available in this version; use --storage memory`);
  const executor = executorFor(config.execution.executor);
  const started = new Date();
  const runId = options.runId ?? newRunId(started);
  const dir = new RunDirectory(resolve(options.out ?? 'runs'), config.name, runId);
  const provenance = { run_id: runId, fanfold: VERSION, node: process.version, config_file: resolve(loaded.file), config, started: started.toISOString() };
  dir.writeJson('run.json', { ...provenance, status: 'running' });
  try {
    const data = await loadMarketData(config.data, loaded.baseDir);
    const set = parameterSetOf(config);
    const tracing = config.execution.trace_settings;
    const [outcome] = await executor.runBatch(data, [set], {
      periodsPerYear: config.periods_per_year,
      storeTrades: config.results.store_trades,
      ...(config.execution.enable_event_tracing
        ? {
            trace: {
              traceId: tracing?.trace_id ?? runId,
              traceDir: tracing?.trace_dir ? resolve(tracing.trace_dir) : join(dir.path, 'traces'),
              maxEvents: tracing?.max_events ?? 10_000,
            },
          }
        : {}),
    });
    const metrics = metricsJson(outcome.metrics);
    const phase: PhaseJson = {
      name: config.name,
      topology: 'backtest',
      sequence: 'single_pass',
      storage: config.results.storage,
      trials: 1,
      failed: 0,
      ...(config.search ? { best: { params: {}, metrics } } : {}),
      runs: [{ params: {}, metrics, ...(outcome.trades ? { trades: outcome.trades } : {}) }],
    };
    const result: ResultJson = { workflow: config.name, run_id: runId, results_dir: dir.path, phases: [phase] };
    const finished = new Date();
    dir.writeJson('run.json', {
      ...provenance,
      status: 'completed',
      finished: finished.toISOString(),
      seconds: (finished.getTime() - started.getTime()) / 1000,
      data: describeData(data),
      result,
    });
    return { result, data, config };
  } catch (error) {
    dir.writeJson('run.json', { ...provenance, status: 'failed', error: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    await executor.close();
  }
}

export function describeData(data: MarketData): Record<string, unknown> {
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
