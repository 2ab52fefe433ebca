import type { Config } from '../config/schema.js';
import type { Workflow } from '../config/workflow.js';
import { UserError } from '../errors.js';
import type { Executor } from '../executor/executor.js';
import { InlineExecutor } from '../executor/inline.js';
import { PoolExecutor, type PoolOptions } from '../executor/pool.js';
import { REDIS_URL_PATTERN, redactedUrl } from '../common/redis-url.js';
import { Grid } from '../space/space.js';
import { DEFAULT_BUDGET } from '../sequencer/plan-of.js';
import { LocalColumns } from '../features/columns.js';
import { useColumns } from '../topology/run-sets.js';
import type { ExecutorName } from '../common/names.js';

/**
 * A search this small (points × bars streamed) runs in the coordinator's thread while no worker is
 * started — when the executor was left to its default. About 40 ms of work: less than starting
 * the worker threads would cost.
 */
export const INLINE_SET_BARS = 2_000_000;

/** A run expected to hold more points than this starts its workers at once (they boot while the data loads). */
export const EAGER_POOL_ABOVE = 200;

/**
 * Trials a run must be expected to store for its results to get a thread of their own (on the pool
 * or redis): below, writing every row costs the coordinator's thread less than 25 ms in all (4–5 µs
 * a row), less than starting another isolate that loads and compiles the store.
 */
export const THREADED_RESULTS_ABOVE = 5_000;

export interface ExecutionChoice {
  readonly name: ExecutorName;
  readonly workers: number | 'auto';
  /** The executor was named by a flag or the config (else the default: the pool, tiny work inline). */
  readonly explicit: boolean;
}

export function executionOf(workflow: Workflow, base: Config | null, options: { executor?: ExecutorName; workers?: number | 'auto' }): ExecutionChoice {
  const plain = workflow.phases[0]?.plain.execution as { executor?: unknown; workers?: unknown } | undefined;
  const explicit = options.executor !== undefined || options.workers !== undefined || plain?.executor !== undefined || plain?.workers !== undefined;
  return { name: options.executor ?? base?.execution.executor ?? 'pool', workers: options.workers ?? base?.execution.workers ?? 'auto', explicit };
}

export function localExecutor(
  choice: ExecutionChoice,
  workflow: Workflow,
  featureBytes: number,
  pool: Omit<PoolOptions, 'workers' | 'plugins'> = {},
): Executor {
  // The coordinator's own thread (inline, and the pool's tiny searches) keeps columns within the same bound.
  useColumns(new LocalColumns(featureBytes));
  if (choice.name === 'inline') return new InlineExecutor();
  const small = !choice.explicit && expectedTrials(workflow) <= EAGER_POOL_ABOVE;
  return new PoolExecutor({
    inlineBelow: small ? INLINE_SET_BARS : 0,
    eager: !small,
    featureBytes,
    ...pool,
    workers: choice.workers,
    plugins: workflow.plugins,
  });
}

/** The redis executor's URL: --redis, else execution.redis.url; a clear error when neither is given. */
export function redisUrlOf(workflow: Workflow, base: Config | null, flag: string | undefined): string {
  const url = flag ?? base?.execution.redis?.url;
  if (url === undefined) {
    throw new UserError(`executor 'redis' needs a Redis URL: pass --redis redis://host:6379 or set execution.redis.url in ${workflow.file}`);
  }
  if (!REDIS_URL_PATTERN.test(url))
    throw new UserError(
      `${flag !== undefined ? '--redis' : `execution.redis.url in ${workflow.file}`}: expected a redis:// or rediss:// URL, got '${redactedUrl(url)}'`,
    );
  return url;
}

export function redisRefusesTracing(phase: string): string {
  return `phase '${phase}': event tracing writes traces where the topology runs; the redis executor's workers run on other machines. Trace with --executor pool or inline`;
}

/**
 * Trials a workflow is expected to store, from its phases' declared spaces (a windowed sequence
 * counts ten windows, a composed phase its iterations; a phase resolved only at run time counts as
 * large): decides whether the store gets a thread of its own.
 */
export function expectedTrials(workflow: Workflow): number {
  let total = 0;
  for (const decl of workflow.phases) {
    const phase = decl.validated;
    if (phase === null) return Infinity;
    const search = phase.config.search;
    const size = new Grid(phase.dimensions).size;
    const points = search === undefined || search.method === 'grid' ? size : Math.min(search.trials ?? (search.method === 'random' ? 0 : DEFAULT_BUDGET), size);
    const sequence = typeof phase.config.sequence === 'string' ? phase.config.sequence : phase.config.sequence.type;
    const windows = sequence === 'walk_forward' || sequence === 'k_fold' || sequence === 'cpcv' ? 10 : 1;
    total += points * windows * (decl.compose?.maxIterations ?? 1);
  }
  return total;
}
