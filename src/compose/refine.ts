import type { Objective } from '../metrics/leaderboard.js';
import { findDimensions } from '../space/space.js';
import { applyChanges } from './changes.js';
import { OptionError, type ComposableWorkflow, type IterationResult, type PlainConfig } from './protocol.js';

interface NumericDimension {
  readonly lo: number;
  readonly hi: number;
  readonly integer: boolean;
  readonly minStep: number;
}

interface RefineState {
  readonly factor: number;
  readonly patience: number;
  readonly tolerance: number;
  /** Numeric dimensions of the first iteration's space, by dotted name: bounds and smallest step. */
  readonly dimensions: ReadonlyMap<string, NumericDimension>;
  best: number | null;
  stale: number;
}

const distinctSorted = (values: readonly unknown[]): number[] => [...new Set(values as number[])].sort((a, b) => a - b);

/** Smallest gap between consecutive values: the dimension's current step. */
function stepOf(values: readonly number[]): number {
  let step = Infinity;
  for (let i = 1; i < values.length; i++) step = Math.min(step, values[i] - values[i - 1]);
  return step;
}

/** Decimal noise of b ± j·s is rounded away: values are kept to 12 significant digits. */
const tidy = (v: number): number => Number(v.toPrecision(12));

function improved(value: number, previous: number, objective: Objective, tolerance: number): boolean {
  return objective.direction === 'max' ? value > previous + tolerance : value < previous - tolerance;
}

/**
 * The next values of every dimension: a numeric one is re-centred on the best value with its step
 * divided by `factor` (b − s … b + s in steps of s / factor, clipped to the first iteration's
 * bounds; integers keep whole steps), or fixed at the best value once its step would fall below its
 * minimum; any other dimension is fixed at the best value. Null when nothing can be refined.
 */
function nextValues(config: PlainConfig, best: Record<string, unknown>, state: RefineState): Record<string, unknown> | null {
  const changes: Record<string, unknown> = {};
  let refined = false;
  for (const dim of findDimensions(config).dimensions) {
    const spec = state.dimensions.get(dim.name);
    const b = best[dim.name];
    if (spec === undefined || typeof b !== 'number') {
      if (dim.name in best) changes[dim.name] = best[dim.name];
      continue;
    }
    const step = stepOf(distinctSorted(dim.values));
    let next = step / state.factor;
    if (spec.integer) next = Math.floor(next);
    if (!(next >= spec.minStep) || !Number.isFinite(next)) {
      changes[dim.name] = b;
      continue;
    }
    const values: number[] = [];
    for (let j = -state.factor; j <= state.factor; j++) {
      const v = tidy(b + j * next);
      if (v >= spec.lo && v <= spec.hi) values.push(v);
    }
    const distinct = distinctSorted(values);
    changes[dim.name] = distinct.length === 1 ? distinct[0] : distinct;
    refined ||= distinct.length > 1;
  }
  return refined ? changes : null;
}

function positive(options: Readonly<Record<string, unknown>>, key: string, fallback: number, integer = false): number {
  const v = options[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !(v > 0) || (integer && !Number.isInteger(v)))
    throw new OptionError(key, `expected a positive ${integer ? 'whole number' : 'number'}, found ${JSON.stringify(v)}`);
  return v;
}

/**
 * refine: search the grid, then repeatedly re-centre on the best set with a finer step (like an
 * Euler search), until no numeric dimension can be refined (its step would fall below `min_step`:
 * 1 for integer dimensions, the first step / 64 otherwise unless given), or `patience` (default 2)
 * iterations in a row did not improve the objective by more than `tolerance`, or `max_iterations`.
 */
export const refine: ComposableWorkflow<RefineState> = {
  kind: 'workflow',
  name: 'refine',
  description: 'grid, then re-centre on the best set with a step / factor until the minimum step or no improvement',
  prepare(options, config) {
    for (const key of Object.keys(options))
      if (!['factor', 'min_step', 'patience', 'tolerance'].includes(key))
        throw new OptionError(key, `unknown refine option '${key}'; options are factor, min_step, patience, tolerance`);
    const factor = positive(options, 'factor', 2, true);
    if (factor < 2) throw new OptionError('factor', `expected a whole number of at least 2, found ${factor}`);
    const minStep = options.min_step === undefined ? null : positive(options, 'min_step', 0);
    const dimensions = new Map<string, NumericDimension>();
    for (const dim of findDimensions(config).dimensions) {
      if (!dim.values.every((v) => typeof v === 'number')) continue;
      const values = distinctSorted(dim.values);
      if (values.length < 2) continue;
      const integer = values.every(Number.isInteger);
      dimensions.set(dim.name, {
        lo: values[0],
        hi: values[values.length - 1],
        integer,
        minStep: integer ? Math.max(1, minStep ?? 1) : (minStep ?? stepOf(values) / 64),
      });
    }
    if (dimensions.size === 0) throw new OptionError('type', 'refine needs at least one numeric dimension with two or more values in the parameter space');
    return {
      factor,
      patience: positive(options, 'patience', 2, true),
      tolerance: options.tolerance === undefined ? 0 : positive(options, 'tolerance', 0),
      dimensions,
      best: null,
      stale: 0,
    };
  },
  shouldContinue(result: IterationResult, _iteration, state) {
    const value = result.best?.metrics[result.objective.metric] ?? null;
    if (value === null) return false;
    if (state.best === null || improved(value, state.best, result.objective, state.tolerance)) {
      state.best = value;
      state.stale = 0;
    } else if (++state.stale >= state.patience) {
      return false;
    }
    return nextValues(result.config, result.best!.params, state) !== null;
  },
  modifyConfigForNext(config, result, _iteration, state) {
    return applyChanges(config, nextValues(config, result.best!.params, state) ?? {});
  },
};
