/**
 * An incremental indicator over one symbol's bars. `update` consumes the next bar and writes the
 * feature's outputs into `out` starting at `offset`; an output that is not ready yet is NaN.
 * Implementations keep preallocated state only: no allocation per bar.
 */
export interface Feature {
  /** Canonical key, e.g. `sma(20)`, `macd(12,26,9)`. */
  readonly key: string;
  /** One column key per output: `sma(20)`, or `macd(12,26,9).macd`, `.signal`, `.hist`. */
  readonly outputs: readonly string[];
  update(open: number, high: number, low: number, close: number, volume: number, out: Float64Array, offset: number): void;
  reset(): void;
}

/** What the registry knows about a feature kind, for `fanfold list features` and key parsing. */
export interface FeatureKind {
  readonly name: string;
  readonly description: string;
  /** Argument names in order; each must be a positive integer unless listed in `realArgs`. */
  readonly args: readonly string[];
  readonly realArgs?: readonly string[];
  /** Smallest allowed value of the first argument (default 1), e.g. 2 for a sample sd. */
  readonly minN?: number;
  /** Per-argument bounds beyond "positive" (plugin features). */
  readonly bounds?: readonly { readonly min?: number; readonly max?: number }[];
  /** Default arguments when the key is written bare (e.g. `macd` means `macd(12,26,9)`). */
  readonly defaults?: readonly number[];
  /** Output suffixes for multi-output features (`macd`, `signal`, `hist`); absent for one output. */
  readonly outputs?: readonly string[];
  /** Index (0-based) of the first bar at which the first output exists, for these arguments. */
  warmup(args: readonly number[]): number;
  create(key: string, args: readonly number[]): Feature;
}
