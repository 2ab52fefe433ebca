import type { PointSpace } from '../search/samplers/proposer.js';
import { mainEffects } from '../search/samplers/importance.js';
import { paretoFront } from '../search/samplers/pareto.js';
import type { MetricName } from '../types.js';

/** What an adaptive search told its sampler, trial by trial in proposal order. */
export interface TrialLog {
  readonly trial: number[];
  readonly losses: (Float64Array | null)[];
  readonly status: ('complete' | 'pruned' | 'failed' | 'infeasible')[];
}

/** Histories longer than this keep their figures but not the per-trial lists (run.json stays small). */
export const HISTORY_LIMIT = 100_000;

/** How a tpe, cmaes, nsga2 or pruned search went (phase JSON `search`). */
export interface SearchJson {
  readonly method: string;
  /** Distinct sets the search may evaluate (search.trials, at most the grid). */
  readonly budget: number;
  readonly trials: number;
  readonly complete: number;
  readonly pruned: number;
  readonly failed: number;
  readonly infeasible: number;
  /** Proposals per batch (tpe), the population (cmaes, nsga2), or null: one cohort (grid or random under a pruner). */
  readonly batch: number | null;
  readonly batches: number;
  readonly seed: number;
  /** The window (fold, split) index mixed into the seed. */
  readonly stream: number;
  /** budget: spent; converged: the sampler proposes nothing new; timeout: search.timeout; interrupted: a signal (resume continues). */
  readonly stopped: 'budget' | 'converged' | 'timeout' | 'interrupted';
  readonly objectives: readonly { readonly metric: MetricName; readonly direction: 'max' | 'min' }[];
  /** The pruner's rungs: history fraction, bars, trials evaluated there, trials promoted from there. */
  readonly rungs?: readonly { fraction: number; bars: number; trials: number; promoted: number }[];
  /** Per trial in proposal order: grid index, first objective (null unless complete; a pruned trial's is its rung's), running best of the complete ones. */
  readonly history?: { readonly trial: number[]; readonly value: (number | null)[]; readonly best: (number | null)[]; readonly status: string[] };
  /** Several objectives: the non-dominated complete trials, by the first objective. */
  readonly pareto?: { readonly trial: number; readonly params: Record<string, unknown>; readonly values: number[] }[];
  readonly importance?: {
    readonly method: 'eta_squared';
    readonly bins: number;
    readonly trials: number;
    readonly parameters: { name: string; eta_squared: number | null; share: number | null }[];
  };
}

/** A window's (fold's, split's) search in a windowed sequence's JSON: the counts, without the per-trial lists. */
export function compactSearch(json: SearchJson): Omit<SearchJson, 'history' | 'pareto'> & { best: number | null } {
  const { history, pareto: _pareto, ...rest } = json;
  return { ...rest, best: history?.best[history.best.length - 1] ?? null };
}

export interface SearchJsonInput {
  readonly method: string;
  readonly budget: number;
  readonly batch: number | null;
  readonly batches: number;
  readonly seed: number;
  readonly stream: number;
  readonly stopped: SearchJson['stopped'];
  readonly objectives: SearchJson['objectives'];
  readonly rungs: SearchJson['rungs'] | null;
  readonly log: TrialLog;
  readonly space: PointSpace;
  readonly params: (trial: number) => Record<string, unknown>;
}

export function searchJson(input: SearchJsonInput): SearchJson {
  const { log, objectives } = input;
  const n = log.trial.length;
  const sign = (j: number): number => (objectives[j].direction === 'max' ? -1 : 1);
  const count = (s: string): number => log.status.reduce((a, x) => a + (x === s ? 1 : 0), 0);
  const value: (number | null)[] = new Array(n);
  const best: (number | null)[] = new Array(n);
  let running: number | null = null;
  const complete: number[] = [];
  for (let i = 0; i < n; i++) {
    const l = log.losses[i];
    const v = l === null || Number.isNaN(l[0]) ? null : sign(0) * l[0];
    value[i] = log.status[i] === 'complete' || log.status[i] === 'pruned' ? v : null;
    if (log.status[i] === 'complete' && v !== null) {
      complete.push(i);
      if (running === null || (objectives[0].direction === 'max' ? v > running : v < running)) running = v;
    }
    best[i] = running;
  }
  const out: SearchJson = {
    method: input.method,
    budget: input.budget,
    trials: n,
    complete: count('complete'),
    pruned: count('pruned'),
    failed: count('failed'),
    infeasible: count('infeasible'),
    batch: input.batch,
    batches: input.batches,
    seed: input.seed,
    stream: input.stream,
    stopped: input.stopped,
    objectives,
    ...(input.rungs ? { rungs: input.rungs } : {}),
    ...(n <= HISTORY_LIMIT ? { history: { trial: log.trial, value, best, status: log.status } } : {}),
  };
  const parts: { pareto?: SearchJson['pareto']; importance?: SearchJson['importance'] } = {};
  if (objectives.length > 1) {
    const front = paretoFront(complete.map((i) => log.losses[i]!)).map((j) => complete[j]);
    parts.pareto = front
      .map((i) => ({ trial: log.trial[i], params: input.params(log.trial[i]), values: Array.from(log.losses[i]!, (l, j) => sign(j) * l) }))
      .sort((a, b) => sign(0) * (a.values[0] - b.values[0]) || a.trial - b.trial);
  }
  if (complete.length >= 2 && input.space.axes.length > 0) {
    const bins = 10;
    const values = complete.map((i) => input.space.valuesOf(log.trial[i]));
    const y = complete.map((i) => sign(0) * log.losses[i]![0]);
    parts.importance = {
      method: 'eta_squared',
      bins,
      trials: complete.length,
      parameters: mainEffects(
        values,
        y,
        input.space.axes.map((a) => a.name),
        bins,
      ),
    };
  }
  return { ...out, ...parts };
}
