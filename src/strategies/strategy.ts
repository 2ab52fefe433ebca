/**
 * Strategies and classifiers are pure functions over the feature hub's current values, the bar, the
 * parameters and a small per-(parameter set, symbol) state array. They allocate nothing per bar.
 */

import type { ParamValue, RawParams } from '../types.js';

export type { ParamValue, RawParams };

export interface ParamSpec {
  readonly name: string;
  readonly type: 'int' | 'number' | 'bool' | 'enum';
  readonly default: ParamValue;
  readonly min?: number;
  readonly max?: number;
  readonly choices?: readonly string[];
  readonly description: string;
}

/** The bar a strategy sees, after it closed. One mutable instance per symbol, reused every bar. */
export interface BarView {
  index: number;
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/**
 * `features[cols[i]]` is the current value of the i-th key the definition asked for (NaN = not ready).
 * The return value is the new target (−1 short … 0 flat … +1 long, or a weight) or NaN for "no
 * signal this bar" (features not ready, or nothing to change).
 */
export type SignalFunction<P> = (features: Float64Array, cols: Int32Array, bar: BarView, params: P, state: Float64Array) => number;

interface Definition<P> {
  readonly name: string;
  readonly description: string;
  readonly params: readonly ParamSpec[];
  /** Turns validated raw parameters into the typed form the hot path reads. */
  prepare(raw: RawParams): P;
  /** Feature output keys read, in the order of `cols`. */
  features(params: P): string[];
  /** Float64 slots of state per symbol (initialised to NaN). */
  readonly stateSize: number;
}

export interface StrategyDefinition<P = unknown> extends Definition<P> {
  readonly kind: 'strategy';
  // Method syntax (not a property) so definitions of different P share one registry type.
  signal(features: Float64Array, cols: Int32Array, bar: BarView, params: P, state: Float64Array): number;
  /**
   * Optional (the built-in crossovers have it): many instances stepped together in one loop over
   * flat arrays, giving for each exactly what `signal` gives it. A sweep runs hundreds of
   * instances of one strategy per bar; one call per instance is most of their cost.
   */
  group?(instances: readonly { readonly params: P; readonly cols: readonly Int32Array[] }[], symbols: number): SignalGroup;
}

/** Instances of one strategy, stepped together (see StrategyDefinition.group). */
export interface SignalGroup {
  /** Every instance's output for symbol s at this bar into out[j] (NaN = no signal); instances keep their state. */
  step(features: Float64Array, s: number, out: Float64Array): void;
  reset(): void;
}

export interface ClassifierDefinition<P = unknown> extends Definition<P> {
  readonly kind: 'classifier';
  /** Regime names; `classify` returns an index into them, or NaN while not ready. */
  readonly labels: readonly string[];
  classify(features: Float64Array, cols: Int32Array, bar: BarView, params: P, state: Float64Array): number;
}

export const ALLOW_SHORT: ParamSpec = {
  name: 'allow_short',
  type: 'bool',
  default: false,
  description: 'go short on sell signals instead of flat',
};
