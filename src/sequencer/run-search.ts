import { encodePlan, type PointRange } from '../batch/plan.js';
import type { WorkReply } from '../batch/work.js';
import type { ValidatedPhase } from '../config/validate.js';
import type { MarketData } from '../data/series.js';
import { inferPeriodsPerYear } from '../data/load.js';
import type { Executor } from '../executor/executor.js';
import { SearchReducer } from '../reduce/reducer.js';
import type { BarWindow, FailedTrial, TrialResult } from '../types.js';
import type { Sampler } from '../search/sampler.js';
import { samplerOf } from '../search/template.js';
import { Dispatcher } from './dispatch.js';
import { BatchSizer, MAX_BATCH, objectiveOf, planOf } from './plan-of.js';

export { BatchSizer, objectiveOf, planOf, plannedPoints, DEFAULT_BUDGET } from './plan-of.js';
import { failureOf, InFlight, isolating } from './isolate.js';
import { robustnessSettings, searchRobustness } from './robustness.js';
import { isAdaptive, runAdaptiveSearch } from './adaptive.js';

export type { FailedTrial, TrialResult };
export type { SearchOptions, SearchOutcome } from './search-options.js';
import type { SearchOptions, SearchOutcome } from './search-options.js';

/**
 * Evaluates every point of a phase's parameter space on a window (or, with `combine`, on one k_fold
 * fold's train segments, their metrics combined), in batches through the executor. The coordinator
 * sends compact work — the plan once, then ranges of grid indices (a random sample: packed point
 * indices) — and workers build the sets, their trial keys and the rows to store. Batches are
 * committed in dispatch order whatever order they finish in, so the output never depends on
 * timing. A failing batch is retried once, then split in halves until the failing sets stand alone
 * and are recorded as failed; the others complete. A resumed run skips what the store holds. An
 * aborted `signal` stops dispatching; batches in flight finish and are committed.
 */
export async function runSearch(
  phase: ValidatedPhase,
  data: MarketData,
  windows: BarWindow | readonly BarWindow[],
  executor: Executor,
  options: SearchOptions,
  combine = false,
): Promise<SearchOutcome> {
  const list = Array.isArray(windows) ? (windows as readonly BarWindow[]) : [windows as BarWindow];
  if (isAdaptive(phase.config)) return runAdaptiveSearch(phase, data, list, executor, options, combine);
  // Inferred here once: a worker sees each task's data afresh and would infer it per task.
  const searchPlan = planOf(phase, data.hash, list, combine, options, phase.config.periods_per_year ?? inferPeriodsPerYear(data.time));
  const plan = encodePlan(searchPlan, executor.name === 'pool');
  const reducer = new SearchReducer(objectiveOf(phase.config), options.topK, options.results, list.length, progressOf(options));
  const dispatcher = options.dispatcher ?? Dispatcher.for(executor.concurrency);
  const sizer = options.sizer ?? new BatchSizer();
  const barsPerPoint = list.reduce((a, w) => a + w.end, 0);
  const source = new PointSource(phase);
  let skip: Float64Array | null = null;
  if (options.resume && options.results !== null) {
    const restored = await options.results.restore(plan, data.hash);
    reducer.restore(restored.skip.length, restored.top);
    options.onRestored?.(restored.skip.length * list.length);
    if (restored.skip.length > 0) skip = shared(restored.skip, executor.name === 'pool');
  }
  const run = (range: PointRange): Promise<WorkReply> => executor.run({ plan, data, range, skip }, source.trials * barsPerPoint);
  const isolate = isolating(
    run,
    (k, error) => failureOf(phase, data, list, options.label, k, error),
    (k) => (skip !== null && skip.includes(k)) || !source.accepts(k),
    (count, ms) => sizer.observe(count, barsPerPoint, ms),
  );
  const inFlight = new InFlight();
  let interrupted = false;
  for (let seq = 0; !inFlight.failed; seq++) {
    await reducer.room();
    const release = await dispatcher.acquire(options.priority ?? 0);
    if (options.signal?.aborted) {
      release();
      interrupted = !source.done;
      break;
    }
    const range = source.next(
      sizer.size(
        barsPerPoint,
        executor.concurrency === 1 || dispatcher.contended ? null : source.remaining,
        executor.concurrency,
        options.maxBatch ?? MAX_BATCH,
      ),
    );
    if (range === null) {
      release();
      break;
    }
    const task = isolate(range).then(
      (outcome) => {
        release();
        reducer.accept(seq, outcome);
      },
      (error: unknown) => {
        release();
        throw error;
      },
    );
    inFlight.add(task);
  }
  await inFlight.drain();
  await reducer.settle();
  const results = options.keepAll && options.results !== null ? await options.results.runs(options.label, list, options.storeTrades) : null;
  const settings = robustnessSettings(phase.config);
  const robustness =
    settings !== null && options.results !== null && !interrupted && reducer.trials >= 2
      ? await searchRobustness(plan, searchPlan, data, settings, options.results, reducer.leaderboard, executor, dispatcher, options.priority ?? 0)
      : null;
  return { results, trials: reducer.trials, failures: reducer.failures, leaderboard: reducer.leaderboard, interrupted, plan, robustness };
}

/** A search's reducer tells the phase's progress as the search it is (its window index). */
function progressOf(options: SearchOptions): ConstructorParameters<typeof SearchReducer>[4] {
  const progress = options.progress;
  if (progress === undefined) return undefined;
  const search = options.window ?? 0;
  return (counts, best, failures) => progress.update(search, counts, best, failures);
}

/**
 * The points of a phase's space in evaluation order, handed out in ranges: grid order (every
 * index; the workers apply the constraints), or a random sample drawn here (packed indices).
 */
class PointSource {
  readonly trials: number;
  private readonly sampler: Sampler;
  private readonly size: number;
  private readonly sampled: Generator<number> | null;
  private cursor = 0;

  constructor(phase: ValidatedPhase) {
    this.sampler = samplerOf(phase, phase.constraints);
    this.size = this.sampler.grid.size;
    const method = phase.config.search?.method ?? 'grid';
    this.trials = method === 'random' ? Math.min(phase.config.search?.trials ?? this.size, this.size) : this.size;
    this.sampled = method === 'random' && this.trials < this.size ? this.sampler.points() : null;
  }

  get remaining(): number {
    return this.exhausted ? 0 : this.trials - this.cursor;
  }

  /** Every point handed out (a constrained random sample may end before `trials` points). */
  get done(): boolean {
    return this.cursor >= this.trials || this.exhausted;
  }

  private exhausted = false;

  accepts(k: number): boolean {
    return this.sampler.accepts(k);
  }

  next(n: number): PointRange | null {
    if (this.sampled === null) {
      if (this.cursor >= this.size) return null;
      const from = this.cursor;
      this.cursor = Math.min(this.size, this.cursor + n);
      return { from, to: this.cursor, points: null };
    }
    const points: number[] = [];
    while (points.length < n) {
      const r = this.sampled.next();
      if (r.done) {
        this.exhausted = true;
        break;
      }
      points.push(r.value);
    }
    this.cursor += points.length;
    return points.length === 0 ? null : { from: 0, to: 0, points: Float64Array.from(points) };
  }
}

/** A sorted list of grid indices, on shared memory for a pool (every task of the search names it). */
function shared(values: Float64Array, onShared: boolean): Float64Array {
  if (!onShared) return values;
  const out = new Float64Array(new SharedArrayBuffer(values.byteLength));
  out.set(values);
  return out;
}
