import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ConfigError, LifecycleError, UserError } from '../errors.js';
import { VERSION } from '../version.js';
import { LIST_KINDS } from './list-kinds.js';
import { EXECUTOR_NAMES, STORAGE_MODES } from '../common/names.js';

// Each command imports what it uses when it runs: `fanfold list` need not load the engine, and no
// command but `report` loads the charting library.
const openWorkflow = async (...args: Parameters<typeof import('../coordinator/open.js').openWorkflow>) =>
  (await import('../coordinator/open.js')).openWorkflow(...args);

/** Prints a failure the way a user needs it and returns the exit code (2 = fix your input, 1 = runtime). */
function report(error: unknown): number {
  const root = error instanceof LifecycleError && error.cause instanceof UserError ? error.cause : error;
  if (root instanceof ConfigError) {
    process.stderr.write(
      `error: invalid config (${root.issues.length} problem${root.issues.length === 1 ? '' : 's'}):\n${root.message.replace(/^/gm, '  ')}\n`,
    );
    return 2;
  }
  if (root instanceof UserError) {
    process.stderr.write(`error: ${root.message}\n`);
    return 2;
  }
  const message = root instanceof Error ? (process.env.FANFOLD_DEBUG ? (root.stack ?? root.message) : root.message) : String(root);
  process.stderr.write(`error: ${message}\n`);
  if (root instanceof LifecycleError) for (const s of root.suppressed) process.stderr.write(`  also: ${s.message}\n`);
  return 1;
}

// A closed pipe (`fanfold features x.csv ... | head`) is the reader's choice, not a failure.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

async function guarded(action: () => Promise<void> | void): Promise<void> {
  try {
    await action();
  } catch (error) {
    process.exitCode = report(error);
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

export async function main(): Promise<void> {
  await yargs(hideBin(process.argv))
    .scriptName('fanfold')
    .version(VERSION)
    .strict()
    .demandCommand(1, 'choose a command')
    .fail((message, error) => {
      if (error) throw error;
      process.stderr.write(`error: ${message}\n(run fanfold --help for usage)\n`);
      process.exit(2);
    })
    .command(
      'run <config>',
      'run a workflow config',
      (y) =>
        y
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
          .option('force', { type: 'boolean', default: false, describe: 'signal_generation: recompute signal sets already in the signal store' }),
      (argv) =>
        guarded(async () => {
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
        }),
    )
    .command(
      'report <run_dir>',
      'write a self-contained HTML report of a run directory',
      (y) =>
        y
          .positional('run_dir', { type: 'string', demandOption: true, describe: 'a results directory <out>/<workflow>/<run_id>' })
          .option('out', { type: 'string', describe: 'output HTML file (default: <run_dir>/report.html)' }),
      (argv) =>
        guarded(async () => {
          const written = await (await import('../report/index.js')).writeReport(argv.run_dir, argv.out);
          process.stdout.write(`report: ${written.file} (${(written.bytes / 1024).toFixed(0)} KiB)\n`);
        }),
    )
    .command(
      'worker',
      'run batches of redis-executor runs (any machine; until Ctrl-C)',
      (y) =>
        y
          .option('redis', { type: 'string', demandOption: true, describe: 'Redis URL (redis://user:password@host:6379, rediss:// for TLS)' })
          .option('workers', { type: 'string', describe: "threads of this machine's pool, or 'auto'" })
          .option('lock-ms', { type: 'number', describe: "job lock duration; a dead worker's batch is requeued after about this long (default 30000)" })
          .option('stalled-ms', { type: 'number', describe: 'how often to look for batches of dead workers (default 30000)' })
          .option('poll-ms', { type: 'number', describe: 'how often to look for new and ended runs (default 250)' }),
      // Imported on use: BullMQ and ioredis are slow to load and only workers need them.
      (argv) =>
        guarded(async () =>
          (await import('./worker-command.js')).workerCommand({
            redis: argv.redis,
            workers: argv.workers,
            lockMs: argv.lockMs,
            stalledMs: argv.stalledMs,
            pollMs: argv.pollMs,
          }),
        ),
    )
    .command(
      'validate <config>',
      'check a config; errors name file:line:col and the key path',
      (y) => y.positional('config', { type: 'string', demandOption: true }).option('set', { type: 'string', array: true }),
      (argv) =>
        guarded(async () => {
          const workflow = await openWorkflow(argv.config, argv.set ?? []);
          process.stdout.write(
            `${argv.config}: ok — workflow ${workflow.name}, ${workflow.phases.length} phase${workflow.phases.length === 1 ? '' : 's'}: ${workflow.phases.map((p) => p.name).join(' → ')}\n`,
          );
        }),
    )
    .command(
      'features <data>',
      'compute features of a CSV file and write them as CSV',
      (y) =>
        y
          .positional('data', { type: 'string', demandOption: true })
          .option('feature', { type: 'string', array: true, demandOption: true, describe: "e.g. 'sma(10)', 'macd(12,26,9)'" })
          .option('out', { type: 'string', describe: 'output CSV file (default: stdout)' }),
      (argv) => guarded(async () => (await import('./features-command.js')).featuresCommand(argv.data, argv.feature, argv.out)),
    )
    .command(
      'trace <dir>',
      'print an event trace (<trace_dir>/<trace_id>) as a table or JSON lines',
      (y) =>
        y
          .positional('dir', { type: 'string', demandOption: true, describe: 'trace folder' })
          .option('type', { type: 'string', array: true, describe: 'keep these event types (FILL, ORDER, ...)' })
          .option('container', { type: 'string', describe: "glob over container names, e.g. 'portfolio*'" })
          .option('limit', { type: 'number', describe: 'print at most N events' })
          .option('json', { type: 'boolean', default: false, describe: 'JSON lines instead of a table' }),
      (argv) =>
        guarded(async () => {
          const { traceCommand } = await import('./trace-command.js');
          const text = traceCommand(argv.dir, { types: argv.type, container: argv.container, limit: argv.limit }, argv.json);
          process.stdout.write(text === '' ? '' : `${text}\n`);
        }),
    )
    .command('schema', 'print the config schema as JSON Schema', {}, () =>
      guarded(async () => {
        const { configJsonSchema } = await import('../config/schema.js');
        process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
      }),
    )
    .command(
      'list [kind]',
      'list registered components',
      (y) => y.positional('kind', { choices: LIST_KINDS }).option('config', { type: 'string', describe: 'also list the plugins this config loads' }),
      (argv) =>
        guarded(async () => {
          if (argv.config) {
            const [{ loadPlugins }, { readWorkflow }] = await Promise.all([import('../coordinator/plugins.js'), import('../config/workflow.js')]);
            await loadPlugins(readWorkflow(argv.config).plugins);
          }
          const { listText } = await import('./list-command.js');
          process.stdout.write(`${listText(argv.kind)}\n`);
        }),
    )
    .help()
    .parseAsync();
}
