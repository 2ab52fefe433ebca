import { encodePlan, type PlanRef, type SearchPlan } from '../batch/plan.js';
import { reportedValues, type TopEntry } from '../batch/work.js';
import type { Config } from '../config/schema.js';
import type { ValidatedPhase } from '../config/validate.js';
import { inferPeriodsPerYear } from '../data/load.js';
import type { MarketData } from '../data/series.js';
import type { Executor } from '../executor/executor.js';
import { SearchReducer } from '../reduce/reducer.js';
import type { MetricsJson } from '../contract.js';
import { axesOf } from '../search/samplers/axes.js';
import { CmaEsSampler } from '../search/samplers/cmaes.js';
import { CohortSampler } from '../search/samplers/cohort.js';
import { Nsga2Sampler } from '../search/samplers/nsga2.js';
import { PointSpace, type Proposer, type Told } from '../search/samplers/proposer.js';
import { TpeSampler } from '../search/samplers/tpe.js';
import { samplerOf, trialPoint } from '../search/template.js';
import type { BarWindow, FailedTrial, MetricName } from '../types.js';
import { Dispatcher } from './dispatch.js';
import { failureOf, InFlight, isolating } from './isolate.js';
import { BatchSizer, MAX_BATCH, objectiveOf, planOf, plannedPoints } from './plan-of.js';
import { prefixWindows, timeoutSeconds } from './prefix.js';
import { robustnessSettings, searchRobustness } from './robustness.js';
import { searchJson, type SearchJson, type TrialLog } from './search-json.js';
import type { SearchOptions, SearchOutcome } from './search-options.js';

export type { SearchJson };

/** Whether a phase's search proposes its points as it goes (tpe, cmaes, nsga2) or prunes them. */
export function isAdaptive(config: Config): boolean {
  const s = config.search;
  return s !== undefined && (s.method === 'tpe' || s.method === 'cmaes' || s.method === 'nsga2' || (s.pruner ?? null) !== null);
}

/** tpe's batch without `search.batch`: fixed, so the proposals do not depend on the machine. */
export const DEFAULT_TPE_BATCH = 32;

/** The objectives of a phase: `search.objectives`, else its one objective. */
export function objectivesOf(config: Config): { metric: MetricName; direction: 'max' | 'min' }[] {
  const o = objectiveOf(config);
  return (config.search?.objectives as { metric: MetricName; direction: 'max' | 'min' }[] | undefined) ?? [{ metric: o.metric, direction: o.direction }];
}

function proposerOf(phase: ValidatedPhase, budget: number, stream: number): { proposer: Proposer; space: PointSpace } {
  const search = phase.config.search!;
  const sampler = samplerOf(phase, phase.constraints);
  const space = new PointSpace(sampler.grid, axesOf(phase.dimensions), (k) => sampler.accepts(k));
  const seed = search.seed;
  if (search.method === 'tpe')
    return {
      space,
      proposer: new TpeSampler(
        space,
        { seed, startup: search.tpe.startup_trials, candidates: search.tpe.candidates, multivariate: search.tpe.multivariate },
        stream,
      ),
    };
  if (search.method === 'cmaes')
    return { space, proposer: new CmaEsSampler(space, { seed, population: search.batch ?? search.cmaes.population, sigma0: search.cmaes.sigma0 }, stream) };
  if (search.method === 'nsga2') {
    const n = search.nsga2;
    return {
      space,
      proposer: new Nsga2Sampler(
        space,
        { seed, population: search.batch ?? n.population, crossover: n.crossover, swap: n.swap, mutation: n.mutation },
        stream,
        objectivesOf(phase.config).length,
      ),
    };
  }
  return { space, proposer: new CohortSampler(sampler, budget) };
}

/** One rung of the search (the whole window when there is no pruner). */
interface Rung {
  readonly fraction: number;
  readonly windows: readonly BarWindow[];
  readonly search: SearchPlan;
  readonly ref: PlanRef;
  readonly reducer: SearchReducer;
  /** Resume: metrics of the points the store holds for this rung's plan. */
  known: Map<number, MetricsJson> | null;
  seq: number;
  /** Every trial evaluated on this rung so far: loss of the first objective (+∞ infeasible), point. */
  readonly ranked: { loss: number; point: number }[];
  promoted: number;
  /** Points evaluated on this rung (stored ones included). */
  count: number;
}

/**
 * A search that proposes its points in batches from what earlier batches found (tpe, cmaes, nsga2)
 * or prunes them over history prefixes (successive halving, also over a grid or random sample).
 * Each batch's proposals depend only on the seed, the window's index, the batch number and size
 * and the trials of earlier batches — never on timing — so every executor and worker count give
 * the same trials. A batch runs rung by rung: its points on the rung's prefix, the best `keep` share
 * of every trial that reached the rung so far (ties to the lower grid index) promoted, the rest
 * stored as `pruned`. A resume replays the same proposals and takes each stored point's metrics
 * from the store instead of computing it again.
 */
export async function runAdaptiveSearch(
  phase: ValidatedPhase,
  data: MarketData,
  list: readonly BarWindow[],
  executor: Executor,
  options: SearchOptions,
  combine: boolean,
): Promise<SearchOutcome> {
  const search = new AdaptiveSearch(phase, data, list, executor, options, combine);
  if (options.resume && options.results !== null) await search.restore(options.results);
  await search.proposeAll();
  return search.outcome();
}

/** The rungs of a search: each fraction's history prefix, plan and reducer (one rung, the whole window, without a pruner). */
function rungsOf(
  phase: ValidatedPhase,
  data: MarketData,
  list: readonly BarWindow[],
  executor: Executor,
  options: SearchOptions,
  combine: boolean,
  report: readonly MetricName[],
): Rung[] {
  const config = phase.config;
  const objective = objectiveOf(config);
  const periodsPerYear = config.periods_per_year ?? inferPeriodsPerYear(data.time);
  const fractions = config.search!.pruner?.rungs ?? [1];
  const last = fractions.length - 1;
  return fractions.map((fraction, r) => {
    const windows = r === last ? list : prefixWindows(list, fraction);
    const base = planOf(phase, data.hash, windows, combine, options, periodsPerYear);
    const plan: SearchPlan = { ...base, blocks: r === last ? base.blocks : null, report };
    return {
      fraction,
      windows,
      search: plan,
      ref: encodePlan(plan, executor.name === 'pool'),
      reducer: new SearchReducer(objective, r === last ? options.topK : 1, options.results, windows.length),
      known: null,
      seq: 0,
      ranked: [],
      promoted: 0,
      count: 0,
    };
  });
}

/** One adaptive search's state, from its first proposal to its outcome. */
class AdaptiveSearch {
  private readonly started = performance.now();
  private readonly search: NonNullable<Config['search']>;
  private readonly objective: ReturnType<typeof objectiveOf>;
  private readonly objectives: { metric: MetricName; direction: 'max' | 'min' }[];
  private readonly report: MetricName[];
  private readonly keep: number;
  private readonly rungs: Rung[];
  private readonly last: number;
  private readonly final: Rung;
  private readonly budget: number;
  private readonly proposer: Proposer;
  private readonly space: PointSpace;
  private readonly size: number;
  private readonly dispatcher: Dispatcher;
  private readonly sizer: BatchSizer;
  private readonly deadline: number;
  private readonly log: TrialLog = { trial: [], losses: [], status: [] };
  private readonly marks: Promise<void>[] = [];
  private evaluated = 0;
  private restoredPoints = 0;
  private restoredRows = 0;
  private interrupted = false;
  private stopped: SearchJson['stopped'] = 'budget';
  private batches = 0;

  constructor(
    private readonly phase: ValidatedPhase,
    private readonly data: MarketData,
    private readonly list: readonly BarWindow[],
    private readonly executor: Executor,
    private readonly options: SearchOptions,
    combine: boolean,
  ) {
    const config = phase.config;
    const search = config.search!;
    this.search = search;
    this.objective = objectiveOf(config);
    this.objectives = objectivesOf(config);
    this.report = this.objectives.map((o) => o.metric);
    this.keep = search.pruner?.keep ?? 1;
    this.rungs = rungsOf(phase, data, list, executor, options, combine, this.report);
    this.last = this.rungs.length - 1;
    this.final = this.rungs[this.last];
    this.budget = plannedPoints(phase);
    const { proposer, space } = proposerOf(phase, this.budget, options.window ?? 0);
    this.proposer = proposer;
    this.space = space;
    this.size = proposer.batch ?? (search.method === 'tpe' ? (search.batch ?? DEFAULT_TPE_BATCH) : this.budget);
    this.dispatcher = options.dispatcher ?? Dispatcher.for(executor.concurrency);
    this.sizer = options.sizer ?? new BatchSizer();
    this.deadline = search.timeout === undefined ? Infinity : this.started + 1000 * timeoutSeconds(search.timeout);
  }

  /** Resume: the metrics the store holds for each rung's plan. */
  async restore(results: NonNullable<SearchOptions['results']>): Promise<void> {
    for (const rung of this.rungs) {
      const restored = await results.restore(rung.ref, this.data.hash);
      if (restored.stored !== null && restored.stored.length > 0) rung.known = new Map(restored.stored.map((s) => [s.trial, s.metrics]));
    }
  }

  /** Batch after batch until the budget, the deadline, convergence or an interrupt. */
  async proposeAll(): Promise<void> {
    const { options, proposer, search, log } = this;
    for (let done = 0; ;) {
      if (options.signal?.aborted) {
        this.interrupted = true;
        this.stopped = 'interrupted';
        break;
      }
      if (done >= this.budget) break;
      if (performance.now() >= this.deadline) {
        this.stopped = 'timeout';
        break;
      }
      if (proposer.converged) {
        this.stopped = search.method === 'grid' || search.method === 'random' ? 'budget' : 'converged';
        break;
      }
      const points = proposer.propose(this.batches++, Math.min(this.size, this.budget - done));
      if (points.length === 0) continue;
      const told = await this.cohort(points);
      if (told === null) {
        this.interrupted = true;
        this.stopped = 'interrupted';
        break;
      }
      // Told in proposal order, so the history does not depend on which rung decided a trial.
      const order = new Map(points.map((k, i) => [k, i]));
      told.sort((a, b) => order.get(a.point)! - order.get(b.point)!);
      proposer.tell(told);
      for (const t of told) {
        log.trial.push(t.point);
        log.losses.push(t.losses);
        log.status.push(t.losses === null ? 'failed' : t.prunedAt !== null ? 'pruned' : Number.isNaN(t.losses[0]) ? 'infeasible' : 'complete');
      }
      done += told.length;
    }
  }

  /** Settles the rungs and puts the phase's outcome together: results, robustness, the search's JSON. */
  async outcome(): Promise<SearchOutcome> {
    const { options, phase, search, rungs, final, list } = this;
    const failures: FailedTrial[] = [];
    await Promise.all(this.marks);
    for (const rung of rungs) await rung.reducer.settle();
    for (const rung of rungs) failures.push(...rung.reducer.failures);
    if (this.restoredRows > 0) options.onRestored?.(this.restoredRows);
    const reducer = final.reducer;
    const results = options.keepAll && options.results !== null ? await options.results.runs(options.label, list, options.storeTrades) : null;
    const settings = robustnessSettings(phase.config);
    const robustness =
      settings !== null && options.results !== null && !this.interrupted && reducer.trials >= 2
        ? await searchRobustness(
            final.ref,
            final.search,
            this.data,
            settings,
            options.results,
            reducer.leaderboard,
            this.executor,
            this.dispatcher,
            options.priority ?? 0,
          )
        : null;
    const json = searchJson({
      method: search.method,
      budget: this.budget,
      batch: this.proposer.batch ?? (search.method === 'tpe' ? this.size : null),
      batches: this.batches,
      seed: search.seed,
      stream: options.window ?? 0,
      stopped: this.stopped,
      objectives: this.objectives,
      rungs: search.pruner
        ? rungs.map((r) => ({ fraction: r.fraction, bars: r.windows.reduce((a, w) => a + w.end - w.start, 0), trials: r.count, promoted: r.promoted }))
        : null,
      log: this.log,
      space: this.space,
      params: (k) => trialPoint(phase, k).params,
    });
    return {
      results,
      trials: this.log.trial.length * list.length,
      failures,
      leaderboard: reducer.leaderboard,
      interrupted: this.interrupted,
      plan: final.ref,
      robustness,
      search: json,
    };
  }

  private progress(failures: readonly FailedTrial[]): void {
    const failed = this.rungs.reduce((a, r) => a + r.reducer.failures.length, 0);
    const perPoint = this.list.length;
    const counts = { done: this.evaluated * perPoint, failed, restored: this.restoredPoints * perPoint, perPoint };
    this.options.progress?.update(this.options.window ?? 0, counts, this.final.reducer.leaderboard.best, failures);
  }

  private valuesOf(metrics: MetricsJson): Float64Array {
    const out = new Float64Array(this.report.length);
    reportedValues(metrics, this.report, this.objective, out, 0);
    return out;
  }

  private lossesOf(values: Float64Array | null): Float64Array | null {
    return values === null ? null : Float64Array.from(values, (v, j) => (this.objectives[j].direction === 'max' ? -v : v));
  }

  /** A rung's points evaluated (stored ones read), by point: reported values, or null: failed; null when interrupted. */
  private async evaluate(rung: Rung, r: number, points: readonly number[]): Promise<Map<number, Float64Array | null> | null> {
    const { phase, data, executor, options, sizer, dispatcher } = this;
    const m = this.report.length;
    const out = new Map<number, Float64Array | null>();
    const toRun: number[] = [];
    rung.count += points.length;
    for (const k of points) {
      const metrics = rung.known?.get(k);
      if (metrics === undefined) {
        toRun.push(k);
        continue;
      }
      out.set(k, this.valuesOf(metrics));
      this.restoredRows += rung.windows.length;
      if (r === this.last) rung.reducer.restore(1, [{ trial: k, params: trialPoint(phase, k).params, metrics } satisfies TopEntry]);
      if (r === 0) {
        this.evaluated++;
        this.restoredPoints++;
      }
    }
    const barsPerPoint = rung.windows.reduce((a, w) => a + w.end, 0);
    const run = isolating(
      (range) => executor.run({ plan: rung.ref, data, range, skip: null }, toRun.length * barsPerPoint),
      (k, error) => failureOf(phase, data, rung.windows, options.label, k, error),
      () => false,
      (count, ms) => sizer.observe(count, barsPerPoint, ms),
    );
    const chunk = Math.min(options.maxBatch ?? MAX_BATCH, Math.max(1, Math.ceil(toRun.length / (2 * executor.concurrency))));
    const inFlight = new InFlight();
    let stop = false;
    for (let i = 0; i < toRun.length && !inFlight.failed; i += chunk) {
      await rung.reducer.room();
      const release = await dispatcher.acquire(options.priority ?? 0);
      if (options.signal?.aborted) {
        release();
        stop = true;
        break;
      }
      const seq = rung.seq++;
      const task = run({ from: 0, to: 0, points: Float64Array.from(toRun.slice(i, i + chunk)) }).then(
        (outcome) => {
          release();
          rung.reducer.accept(seq, outcome);
          for (const reply of outcome.replies) {
            const ids = reply.evaluated!;
            for (let j = 0; j < ids.length; j++) out.set(ids[j], reply.values!.slice(j * m, (j + 1) * m));
            if (r === 0) this.evaluated += ids.length;
          }
          for (const f of outcome.failures) {
            if (!out.has(f.trial) && r === 0) this.evaluated++;
            out.set(f.trial, null);
          }
          this.progress(outcome.failures);
        },
        (error: unknown) => {
          release();
          throw error;
        },
      );
      inFlight.add(task);
    }
    await inFlight.drain();
    return stop ? null : out;
  }

  /** One batch through every rung: its trials as the sampler is told them, or null when interrupted. */
  private async cohort(points: readonly number[]): Promise<Told[] | null> {
    const { rungs, last, options } = this;
    const told: Told[] = [];
    let alive = points;
    for (let r = 0; r <= last; r++) {
      const rung = rungs[r];
      const values = await this.evaluate(rung, r, alive);
      if (values === null) return null;
      if (r === last) {
        for (const k of alive) told.push({ point: k, losses: this.lossesOf(values.get(k) ?? null), prunedAt: null });
        break;
      }
      const next: number[] = [];
      const pruned: number[] = [];
      for (const k of alive) {
        const v = values.get(k) ?? null;
        if (v === null) told.push({ point: k, losses: null, prunedAt: null });
        else rung.ranked.push({ loss: Number.isNaN(v[0]) ? Infinity : this.lossesOf(v)![0], point: k });
      }
      rung.ranked.sort((a, b) => a.loss - b.loss || a.point - b.point);
      const cut = Math.ceil(this.keep * rung.ranked.length);
      const top = new Set<number>();
      for (let i = 0; i < cut; i++) top.add(rung.ranked[i].point);
      for (const k of alive) {
        const v = values.get(k) ?? null;
        if (v === null) continue;
        if (top.has(k)) next.push(k);
        else {
          pruned.push(k);
          told.push({ point: k, losses: this.lossesOf(v), prunedAt: r });
        }
      }
      rung.promoted += next.length;
      if (pruned.length > 0 && options.results !== null) this.marks.push(options.results.markPruned(options.label, rung.windows, Float64Array.from(pruned)));
      alive = next;
    }
    return told;
  }
}
