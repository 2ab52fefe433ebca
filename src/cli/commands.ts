import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ConfigError, LifecycleError, UserError, userFacing } from '../errors.js';
import { VERSION } from '../version.js';
import { LIST_KINDS } from './list-kinds.js';
import { runCommand, runOptions } from './run-command.js';
import { exportOptions, queuesOptions, showOptions, traceOptions, workerOptions } from './options.js';

// Each command imports what it uses when it runs: `fanfold list` need not load the engine, and no
// command but `report` loads the charting library.

/** Prints a failure the way a user needs it and returns the exit code (2 = fix your input, 1 = runtime). */
function report(error: unknown): number {
  const root = userFacing(error);
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

export async function main(): Promise<void> {
  await yargs(stdinDash(hideBin(process.argv)))
    .scriptName('fanfold')
    .version(VERSION)
    .strict()
    .demandCommand(1, 'choose a command')
    .fail((message, error) => {
      if (error) throw error;
      process.stderr.write(`error: ${message}\n(run fanfold --help for usage)\n`);
      process.exit(2);
    })
    .command('run <config>', 'run a workflow config', runOptions, (argv) => guarded(() => runCommand(argv)))
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
    .command('show <run_dir>', 'run one stored trial again and check it reproduces what the run stored (--trial N or --best)', showOptions, (argv) =>
      guarded(async () => {
        const { showCommand } = await import('./show-command.js');
        process.exitCode = await showCommand({
          runDir: argv.run_dir,
          trial: argv.trial,
          best: argv.best,
          phase: argv.phase,
          window: argv.window,
          test: argv.test,
          segment: argv.segment,
          json: argv.json,
          csv: argv.csv,
        });
      }),
    )
    .command('export <run_dir>', 'write the trials, trades, equity curves and windows of a run directory as CSV or Parquet files', exportOptions, (argv) =>
      guarded(async () =>
        (await import('./export-command.js')).exportCommand({
          runDir: argv.run_dir,
          phase: argv.phase,
          format: argv.format,
          out: argv.out,
          tables: argv.tables,
        }),
      ),
    )
    .command(
      'worker',
      'run batches of redis-executor runs (any machine; until Ctrl-C)',
      workerOptions,
      // Imported on use: BullMQ and ioredis are slow to load and only workers need them.
      (argv) =>
        guarded(async () =>
          (await import('./worker-command.js')).workerCommand({
            redis: argv.redis,
            workers: argv.workers,
            lockMs: argv.lockMs,
            stalledMs: argv.stalledMs,
            pollMs: argv.pollMs,
            unreachableTimeout: argv.unreachableTimeout,
          }),
        ),
    )
    .command('queues', 'list the redis-executor runs registered in Redis; --clean QUEUE or --stale removes them', queuesOptions, (argv) =>
      guarded(async () => {
        const text = await (await import('./queues-command.js')).queuesCommand({ redis: argv.redis, clean: argv.clean, stale: argv.stale });
        process.stdout.write(`${text}\n`);
      }),
    )
    .command(
      'validate <config>',
      'check a config and that its data files exist; errors name file:line:col and the key path',
      (y) =>
        y
          .positional('config', { type: 'string', demandOption: true })
          .option('set', { type: 'string', array: true })
          .option('data', { type: 'boolean', default: false, describe: 'also read every data file and list its bad rows (up to 20 per file)' }),
      (argv) =>
        guarded(async () => {
          const line = await (await import('./validate-command.js')).validateCommand(argv.config, argv.set ?? [], argv.data);
          process.stdout.write(`${line}\n`);
        }),
    )
    .command(
      'features <data>',
      'compute features of a bar file (CSV, Parquet, Arrow IPC) and write them as CSV',
      (y) =>
        y
          .positional('data', { type: 'string', demandOption: true })
          .option('feature', { type: 'string', array: true, demandOption: true, describe: "e.g. 'sma(10)', 'macd(12,26,9)'" })
          .option('out', { type: 'string', describe: 'output CSV file (default: stdout)' })
          .option('plugins', { type: 'string', array: true, describe: "plugin folders whose features (kind: 'feature') may be named" }),
      (argv) =>
        guarded(async () => {
          if (argv.plugins !== undefined) await (await import('../coordinator/plugins.js')).loadPlugins(argv.plugins);
          await (await import('./features-command.js')).featuresCommand(argv.data, argv.feature, argv.out);
        }),
    )
    .command('trace <dir>', 'print an event trace (<trace_dir>/<trace_id>) as a table or JSON lines', traceOptions, (argv) =>
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
      (argv) => guarded(async () => (await import('./list-command.js')).listCommand(argv.kind, argv.config)),
    )
    .help()
    .parseAsync();
}

/** yargs reads a lone `-` as a stray positional, not as an option's value: `--events -` is given as `--events=-`. */
function stdinDash(args: string[]): string[] {
  return args.flatMap((a, i) => (a === '-' && args[i - 1] === '--events' ? [] : a === '--events' && args[i + 1] === '-' ? ['--events=-'] : [a]));
}
