import type { Argv } from 'yargs';
import { EXECUTOR_NAMES, STORAGE_MODES, type ExecutorName, type StorageMode } from '../common/names.js';
import { ConfigError, UserError, userFacing } from '../errors.js';
import { markInterrupted } from '../results/run-dir.js';
import type { EventStream } from '../reduce/events.js';

/** `fanfold run`'s options (cli/commands.ts registers the command). */
export function runOptions<T>(y: Argv<T>) {
  return y
    .positional('config', { type: 'string', demandOption: true, describe: 'workflow YAML file' })
    .option('workers', { type: 'string', describe: "worker count or 'auto'" })
    .option('executor', { choices: EXECUTOR_NAMES, describe: 'how parameter sets execute' })
    .option('redis', { type: 'string', describe: 'Redis URL for --executor redis (redis://user:password@host:6379, rediss:// for TLS)' })
    .option('in-flight', { type: 'number', describe: 'batches the redis executor keeps queued (about the worker threads of all machines)' })
    .option('out', { type: 'string', describe: 'parent folder of results directories', default: 'runs' })
    .option('storage', {
      choices: STORAGE_MODES,
      describe:
        'overrides results.storage: memory returns every run, disk writes every trial to results.db and returns summaries, hybrid returns the top-k runs',
    })
    .option('set', { type: 'string', array: true, describe: 'override a config key: path.to.key=value' })
    .option('resume', { type: 'string', describe: 'resume the run in this results directory' })
    .option('json', { type: 'boolean', default: false, describe: 'print the result as one JSON document' })
    .option('quiet', { type: 'boolean', default: false, describe: 'no progress output' })
    .option('events', {
      type: 'string',
      describe: "write live events as NDJSON to this file ('-': standard output; the summary then goes to stderr): see README, Live events",
    })
    .option('report', { type: 'boolean', default: false, describe: 'write <run dir>/report.html at the end (also after a failure)' })
    .option('force', { type: 'boolean', default: false, describe: 'signal_generation: recompute signal sets already in the signal store' });
}

export interface RunArgs {
  readonly config: string;
  readonly set?: string[];
  readonly executor?: ExecutorName;
  readonly redis?: string;
  readonly inFlight?: number;
  readonly workers?: string;
  readonly storage?: StorageMode;
  readonly out: string;
  readonly resume?: string;
  readonly json: boolean;
  readonly quiet: boolean;
  readonly events?: string;
  readonly report: boolean;
  readonly force: boolean;
}

/** `fanfold run CONFIG`: runs the workflow, prints its summary or JSON; Ctrl-C stops it resumably. */
export async function runCommand(argv: RunArgs): Promise<void> {
  let runDir: string | null = null;
  let events: EventStream | null = null;
  const started = performance.now();
  try {
    if (argv.events === '-' && argv.json)
      throw new UserError(
        '--events - and --json both write to standard output: give --events a file, or leave out --json (the run_end event names the results directory)',
      );
    if (argv.events !== undefined) events = (await import('../reduce/events.js')).EventStream.open(argv.events);
    await runAndPrint(argv, events, (path) => (runDir = path));
    const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
    events?.emit('run_end', {
      status: code === 130 ? 'interrupted' : code === 0 ? 'completed' : 'failed',
      exit_code: code,
      results_dir: runDir,
      seconds: secondsSince(started),
    });
  } catch (error) {
    // --json promises one JSON document on stdout whatever happens; the error also goes to stderr (exit code as usual).
    const json = errorJson(error, runDir);
    if (argv.json) process.stdout.write(`${JSON.stringify(json)}\n`);
    events?.emit('run_end', {
      status: 'failed',
      exit_code: json.kind === 'runtime' ? 1 : 2,
      results_dir: runDir,
      seconds: secondsSince(started),
      error: json.error,
      kind: json.kind,
    });
    throw error;
  } finally {
    events?.close();
  }
}

function secondsSince(started: number): number {
  return Math.round(performance.now() - started) / 1000;
}

async function runAndPrint(argv: RunArgs, events: EventStream | null, onRunDirectory: (path: string) => void): Promise<void> {
  const { openWorkflow } = await import('../coordinator/open.js');
  const workflow = await openWorkflow(argv.config, argv.set ?? []);
  const { runWorkflow } = await import('../coordinator/run-workflow.js');
  let runDir: string | null = null;
  const resumeHint = (dir: string): string =>
    `resume with: ${cliName()} run ${argv.config}${(argv.set ?? []).map((x) => ` --set '${x}'`).join('')} --resume ${dir}`;
  const stop = stopOnInterrupt({
    // Told at once: the batches in flight may take a while (or, on redis with no worker, never finish).
    stopping: () => (runDir === null ? null : resumeHint(runDir)),
    abandoned: () => {
      if (runDir === null) return null;
      markInterrupted(runDir);
      return resumeHint(runDir);
    },
  });
  try {
    const { result, phases, interrupted } = await runWorkflow(workflow, {
      executor: argv.executor,
      redis: argv.redis,
      inFlight: parseInFlight(argv.inFlight),
      workers: parseWorkers(argv.workers),
      storage: argv.storage,
      out: argv.out,
      resume: argv.resume,
      force: argv.force,
      signal: stop.signal,
      progress: !argv.quiet,
      events: events ?? undefined,
      log: argv.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
      warn: (line) => process.stderr.write(`${line}\n`),
      onRunDirectory: (path) => {
        runDir = path;
        onRunDirectory(path);
      },
    });
    if (interrupted) {
      process.stderr.write(`interrupted: every finished trial is stored in ${result.results_dir}\n${resumeHint(result.results_dir)}\n`);
      process.exitCode = 130;
      return;
    }
    // With the events on standard output, the summary goes to stderr: stdout stays one NDJSON stream.
    const out = argv.events === '-' ? process.stderr : process.stdout;
    if (argv.json) out.write(`${JSON.stringify(result)}\n`);
    else out.write(`${(await import('./summary.js')).formatSummary(result, phases)}\n`);
    // A phase none of whose trials completed found nothing: that is a failed run, whatever else ran.
    const dead = result.phases.filter((p) => p.skipped === undefined && p.trials > 0 && p.failed === p.trials);
    if (dead.length > 0) {
      for (const p of dead)
        process.stderr.write(`error: every trial of phase ${p.name} failed (${p.failed}); first: ${p.failures?.[0]?.error ?? 'see the failures above'}\n`);
      process.exitCode = 1;
    }
  } finally {
    stop.dispose();
    if (argv.report && runDir !== null) await reportAfterRun(runDir);
  }
}

/**
 * Ctrl-C (or SIGTERM) stops dispatching and lets batches in flight finish; a second Ctrl-C, or
 * the grace period running out, abandons them — the store keeps every batch already committed.
 */
function stopOnInterrupt(tell: { stopping: () => string | null; abandoned: () => string | null }, graceMs = 30_000): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | null = null;
  const abandon = (): void => {
    const hint = tell.abandoned();
    process.stderr.write(`\nabandoning the batches in flight; finished trials are stored${hint === null ? '' : `\n${hint}`}\n`);
    process.exit(130);
  };
  const onSignal = (): void => {
    if (controller.signal.aborted) return abandon();
    const hint = tell.stopping();
    process.stderr.write(
      `\nstopping: finishing the batches in flight (Ctrl-C again to abandon them; at most ${graceMs / 1000} s)${hint === null ? '' : `\n${hint}`}\n`,
    );
    controller.abort();
    timer = setTimeout(abandon, graceMs);
    timer.unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (timer) clearTimeout(timer);
    },
  };
}

/** `run --report`: a report of whatever the run left, even after a failure; its own failure does not hide the run's. */
async function reportAfterRun(runDir: string): Promise<void> {
  try {
    const written = await (await import('../report/index.js')).writeReport(runDir);
    process.stderr.write(`report: ${written.file}\n`);
  } catch (error) {
    process.stderr.write(`report: not written: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.exitCode === undefined || process.exitCode === 0) process.exitCode = error instanceof UserError ? 2 : 1;
  }
}

function parseWorkers(value: unknown): number | 'auto' | undefined {
  if (value === undefined) return undefined;
  if (value === 'auto') return 'auto';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--workers: expected 'auto' or a positive integer, got '${String(value)}'`);
  return n;
}

function parseInFlight(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) throw new UserError(`--in-flight: expected a positive integer, got '${String(value)}'`);
  return value;
}

/** The one JSON document `run --json` prints for a run that stopped on an error. */
function errorJson(error: unknown, runDir: string | null): Record<string, unknown> {
  const root = userFacing(error);
  const kind = root instanceof ConfigError ? 'config' : root instanceof UserError ? 'input' : 'runtime';
  return {
    error: root instanceof Error ? root.message : String(root),
    kind,
    ...(root instanceof ConfigError ? { issues: root.issues } : {}),
    results_dir: runDir,
  };
}

/**
 * How to call this CLI again: `fanfold` when it runs from a global install (npm install -g puts it on
 * the PATH), else `npx fanfold` (after `npm ci` in a project, the bin is in node_modules/.bin).
 */
export function cliName(script = process.argv[1] ?? ''): string {
  return /[\\/]lib[\\/]node_modules[\\/]/.test(script) ? 'fanfold' : 'npx fanfold';
}
