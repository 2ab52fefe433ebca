import type { Argv } from 'yargs';
import { EXECUTOR_NAMES, STORAGE_MODES, type ExecutorName, type StorageMode } from '../common/names.js';
import { UserError } from '../errors.js';

/** `fanfold run`'s options (cli/commands.ts registers the command). */
export function runOptions<T>(y: Argv<T>) {
  return y
    .positional('config', { type: 'string', demandOption: true, describe: 'workflow YAML file' })
    .option('workers', { type: 'string', describe: "worker count or 'auto'" })
    .option('executor', { choices: EXECUTOR_NAMES, describe: 'how parameter sets execute' })
    .option('redis', { type: 'string', describe: 'Redis URL for --executor redis (redis://user:password@host:6379, rediss:// for TLS)' })
    .option('in-flight', { type: 'number', describe: 'batches the redis executor keeps queued (about the worker threads of all machines)' })
    .option('out', { type: 'string', describe: 'parent folder of results directories', default: 'runs' })
    .option('storage', { choices: STORAGE_MODES })
    .option('set', { type: 'string', array: true, describe: 'override a config key: path.to.key=value' })
    .option('resume', { type: 'string', describe: 'resume the run in this results directory' })
    .option('json', { type: 'boolean', default: false, describe: 'print the result as one JSON document' })
    .option('quiet', { type: 'boolean', default: false, describe: 'no progress output' })
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
  readonly report: boolean;
  readonly force: boolean;
}

/** `fanfold run CONFIG`: runs the workflow, prints its summary or JSON; Ctrl-C stops it resumably. */
export async function runCommand(argv: RunArgs): Promise<void> {
  const { openWorkflow } = await import('../coordinator/open.js');
  const workflow = await openWorkflow(argv.config, argv.set ?? []);
  const { runWorkflow } = await import('../coordinator/run-workflow.js');
  const stop = stopOnInterrupt();
  let runDir: string | null = null;
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
      log: argv.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
      onRunDirectory: (path) => {
        runDir = path;
      },
    });
    if (interrupted) {
      process.stderr.write(
        `interrupted: every finished trial is stored in ${result.results_dir}\nresume with: fanfold run ${argv.config}${(argv.set ?? []).map((x) => ` --set '${x}'`).join('')} --resume ${result.results_dir}\n`,
      );
      process.exitCode = 130;
      return;
    }
    if (argv.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else process.stdout.write(`${(await import('./summary.js')).formatSummary(result, phases)}\n`);
  } finally {
    stop.dispose();
    if (argv.report && runDir !== null) await reportAfterRun(runDir);
  }
}

/**
 * Ctrl-C (or SIGTERM) stops dispatching and lets batches in flight finish; a second Ctrl-C, or
 * the grace period running out, abandons them — the store keeps every batch already committed.
 */
function stopOnInterrupt(graceMs = 30_000): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | null = null;
  const abandon = (): void => {
    process.stderr.write('\nabandoning the batches in flight; finished trials are stored\n');
    process.exit(130);
  };
  const onSignal = (): void => {
    if (controller.signal.aborted) return abandon();
    process.stderr.write(`\nstopping: finishing the batches in flight (Ctrl-C again to abandon them; at most ${graceMs / 1000} s)\n`);
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
