import type { Argv } from 'yargs';

// The options of the commands whose handlers are loaded on use (commands.ts registers them): kept
// here so that registering them loads nothing heavy.

export function workerOptions<T>(y: Argv<T>) {
  return y
    .option('redis', { type: 'string', demandOption: true, describe: 'Redis URL (redis://user:password@host:6379, rediss:// for TLS)' })
    .option('workers', { type: 'string', describe: "threads of this machine's pool, or 'auto'" })
    .option('lock-ms', { type: 'number', describe: "job lock duration; a dead worker's batch is requeued after about this long (default 30000)" })
    .option('stalled-ms', { type: 'number', describe: 'how often to look for batches of dead workers (default 30000)' })
    .option('poll-ms', { type: 'number', describe: 'how often to look for new and ended runs (default 250)' })
    .option('unreachable-timeout', { type: 'number', describe: 'seconds Redis may stay unreachable before the worker ends with an error (default 300)' });
}

export function traceOptions<T>(y: Argv<T>) {
  return y
    .positional('dir', { type: 'string', demandOption: true, describe: 'trace folder' })
    .option('type', { type: 'string', array: true, describe: 'keep these event types (FILL, ORDER, ...)' })
    .option('container', { type: 'string', describe: "glob over container names, e.g. 'portfolio*'" })
    .option('limit', { type: 'number', describe: 'print at most N events' })
    .option('json', { type: 'boolean', default: false, describe: 'JSON lines instead of a table' });
}

export function queuesOptions<T>(y: Argv<T>) {
  return y
    .option('redis', { type: 'string', demandOption: true, describe: 'Redis URL (redis://user:password@host:6379, rediss:// for TLS)' })
    .option('clean', { type: 'string', describe: 'remove this run (its queue name as listed): jobs, market data, registration' })
    .option('stale', { type: 'boolean', default: false, describe: 'remove every registered run no coordinator is connected to' });
}

export function showOptions<T>(y: Argv<T>) {
  return y
    .positional('run_dir', { type: 'string', demandOption: true, describe: 'a results directory <out>/<workflow>/<run_id>' })
    .option('trial', { type: 'number', describe: 'the trial number (grid index) to show' })
    .option('best', { type: 'boolean', default: false, describe: 'the trial the run chose (eligible, best objective) on the window' })
    .option('phase', { type: 'string', describe: "a phase name or a stored stage label (e.g. 'refine#2'); default: the run's only phase" })
    .option('window', { type: 'number', describe: 'window, fold or split number, 1-based as the summary lists them (default: the last)' })
    .option('test', { type: 'boolean', default: false, describe: "the window's test part (the chosen set's out-of-sample run) instead of its train part" })
    .option('segment', { type: 'number', describe: 'which segment of a part that has several (k_fold and cpcv train parts, cpcv test groups), 1-based' })
    .option('json', { type: 'boolean', default: false, describe: 'one JSON document on stdout instead of text' })
    .option('csv', { type: 'string', describe: 'also write trades.csv, equity.csv and metrics.csv into this folder' });
}

export function exportOptions<T>(y: Argv<T>) {
  return y
    .positional('run_dir', { type: 'string', demandOption: true, describe: 'a results directory <out>/<workflow>/<run_id>' })
    .option('phase', { type: 'string', describe: 'export only this phase (default: every phase, one file per phase and table)' })
    .option('format', { choices: ['csv', 'parquet'] as const, default: 'csv' as const, describe: 'file format' })
    .option('out', { type: 'string', describe: 'output folder (default: <run_dir>/export)' })
    .option('tables', { type: 'string', array: true, describe: 'tables to write, comma-separated: trials,trades,equity,windows (default: all)' });
}
