import { UserError } from '../errors.js';
import { REDIS_URL_PATTERN, redactedUrl } from '../common/redis-url.js';
import { checkRedis, commandConnection } from '../executor/redis/connect.js';
import { registeredRuns, removeRun, type RegisteredRun } from '../executor/redis/queues.js';

export interface QueuesArgs {
  readonly redis: string;
  /** Remove this run's queue and keys. */
  readonly clean?: string;
  /** Remove every registered run no coordinator is connected to. */
  readonly stale: boolean;
}

/** How long a removal waits for workers to leave the queue (they poll the registry every 250 ms by default). */
const WORKERS_LEAVE_MS = 5_000;

/**
 * `fanfold queues --redis URL`: the runs registered in Redis with their coordinator, workers and
 * jobs; `--clean QUEUE` removes one, `--stale` every one without a connected coordinator (a run
 * that was interrupted and will not be resumed). A run whose coordinator is connected is never removed.
 */
export async function queuesCommand(args: QueuesArgs): Promise<string> {
  if (!REDIS_URL_PATTERN.test(args.redis)) throw new UserError(`--redis: expected a redis:// or rediss:// URL, got '${redactedUrl(args.redis)}'`);
  if (args.clean !== undefined && args.stale) throw new UserError('queues: give --clean QUEUE or --stale, not both');
  await checkRedis(args.redis, (line) => process.stderr.write(`${line}\n`));
  const connection = commandConnection(args.redis, `fanfold-queues-${process.pid}`);
  connection.on('error', () => {});
  try {
    const runs = await registeredRuns(connection);
    if (args.clean !== undefined) {
      const run = runs.find((r) => r.queue === args.clean);
      if (run === undefined)
        throw new UserError(
          `queues --clean: no run '${args.clean}' is registered in ${redactedUrl(args.redis)}${runs.length > 0 ? ` (registered: ${runs.map((r) => r.queue).join(', ')})` : ''}`,
        );
      if (run.coordinator === true) throw new UserError(`queues --clean: run ${run.queue} has a connected coordinator; stop it first (Ctrl-C), then clean`);
      await removeRun(connection, run.queue, WORKERS_LEAVE_MS);
      return `removed ${run.queue}`;
    }
    if (args.stale) {
      if (runs.some((r) => r.coordinator === null))
        throw new UserError(
          `queues --stale: ${redactedUrl(args.redis)} refuses CLIENT LIST, so which runs have a coordinator cannot be told; remove them by name with --clean`,
        );
      const stale = runs.filter((r) => r.coordinator === false);
      for (const r of stale) await removeRun(connection, r.queue, WORKERS_LEAVE_MS);
      return stale.length === 0 ? 'no stale runs' : stale.map((r) => `removed ${r.queue}`).join('\n');
    }
    return runsTable(runs, redactedUrl(args.redis));
  } finally {
    connection.disconnect();
  }
}

function runsTable(runs: readonly RegisteredRun[], where: string): string {
  if (runs.length === 0) return `no runs registered in ${where}`;
  const yesNo = (v: boolean | null): string => (v === null ? '?' : v ? 'connected' : 'none');
  const rows = [
    ['queue', 'coordinator', 'workers', 'waiting', 'active', 'done', 'failed', 'version'],
    ...runs.map((r) => [
      r.queue,
      yesNo(r.coordinator),
      r.workers === null ? '?' : String(r.workers),
      String(r.jobs.waiting),
      String(r.jobs.active),
      String(r.jobs.completed),
      String(r.jobs.failed),
      r.version ?? '?',
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows
    .map((row) =>
      row
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
