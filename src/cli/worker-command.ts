import { availableParallelism } from 'node:os';
import { UserError } from '../errors.js';
import { runWorkerService } from '../executor/redis/worker-service.js';
import { REDIS_URL_PATTERN, redactedUrl } from '../common/redis-url.js';

export interface WorkerArgs {
  readonly redis: string;
  readonly workers?: string;
  readonly lockMs?: number;
  readonly stalledMs?: number;
  readonly pollMs?: number;
  /** Seconds Redis may stay unreachable before the worker ends with an error. */
  readonly unreachableTimeout?: number;
}

/**
 * `fanfold worker --redis URL`: serves runs until SIGINT/SIGTERM, which lets running batches finish
 * and return their results; a second signal exits at once (BullMQ then requeues those batches when
 * their locks expire).
 */
export async function workerCommand(args: WorkerArgs): Promise<void> {
  if (!REDIS_URL_PATTERN.test(args.redis)) throw new UserError(`--redis: expected a redis:// or rediss:// URL, got '${redactedUrl(args.redis)}'`);
  const workers = args.workers === undefined || args.workers === 'auto' ? availableParallelism() : Number(args.workers);
  if (!Number.isInteger(workers) || workers < 1) throw new UserError(`--workers: expected 'auto' or a positive integer, got '${args.workers}'`);
  for (const [flag, v] of [
    ['--lock-ms', args.lockMs],
    ['--stalled-ms', args.stalledMs],
    ['--poll-ms', args.pollMs],
  ] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new UserError(`${flag}: expected a positive integer, got '${v}'`);
  }
  if (args.unreachableTimeout !== undefined && !(args.unreachableTimeout > 0))
    throw new UserError(`--unreachable-timeout: expected a positive number of seconds, got '${args.unreachableTimeout}'`);
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) {
      process.stderr.write('worker: exiting now; the batches it held go back to the queue when their locks expire\n');
      process.exit(130);
    }
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await runWorkerService({
      url: args.redis,
      workers,
      lockMs: args.lockMs,
      stalledMs: args.stalledMs,
      pollMs: args.pollMs,
      unreachableMs: args.unreachableTimeout === undefined ? undefined : 1000 * args.unreachableTimeout,
      signal: controller.signal,
      log: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
