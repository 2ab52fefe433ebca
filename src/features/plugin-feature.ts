import type { Feature, FeatureKind } from './feature.js';

/** One argument of a plugin feature: a positive integer (`int`) or a positive number, within its bounds. */
export interface FeatureArgSpec {
  readonly name: string;
  readonly type: 'int' | 'number';
  readonly default: number;
  readonly min?: number;
  readonly max?: number;
  readonly description?: string;
}

/** The bar a plugin feature's update sees (fields, not a fresh object per bar: the adapter reuses one). */
export interface FeatureBar {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/**
 * A user's own indicator, exported by a plugin module with `kind: 'feature'` (README, "Own
 * indicators"). Its state is a Float64Array of `stateSize(args)` slots the engine allocates once per
 * symbol and zeroes on reset; `update` reads the next bar, updates the state and writes one value
 * per output into `out` from `offset` (NaN while not ready). It must not allocate per bar.
 */
export interface FeatureDefinition {
  readonly kind: 'feature';
  readonly name: string;
  readonly description: string;
  readonly args: readonly FeatureArgSpec[];
  /** Output suffixes (`kama(10,2,30).er`); absent: one output. */
  readonly outputs?: readonly string[];
  /** 0-based index of the first bar at which the first output exists. */
  warmup(args: readonly number[]): number;
  stateSize(args: readonly number[]): number;
  update(state: Float64Array, args: readonly number[], bar: FeatureBar, out: Float64Array, offset: number): void;
}

/** The registry's view of a plugin feature: keys, arguments and bounds checked like a built-in's. */
export function pluginFeatureKind(def: FeatureDefinition): FeatureKind {
  return {
    name: def.name,
    description: def.description,
    args: def.args.map((a) => a.name),
    realArgs: def.args.filter((a) => a.type === 'number').map((a) => a.name),
    defaults: def.args.map((a) => a.default),
    bounds: def.args.map((a) => ({ min: a.min, max: a.max })),
    outputs: def.outputs,
    warmup: (args) => def.warmup(args),
    create: (key, args) => new PluginFeature(key, def, args),
  };
}

/** A plugin feature as the hub runs it: its state allocated once, one bar object reused. */
class PluginFeature implements Feature {
  readonly outputs: readonly string[];
  private readonly state: Float64Array;
  private readonly bar: FeatureBar = { open: 0, high: 0, low: 0, close: 0, volume: 0 };

  constructor(
    readonly key: string,
    private readonly def: FeatureDefinition,
    private readonly args: readonly number[],
  ) {
    this.outputs = def.outputs ? def.outputs.map((o) => `${key}.${o}`) : [key];
    this.state = new Float64Array(def.stateSize(args));
  }

  update(open: number, high: number, low: number, close: number, volume: number, out: Float64Array, offset: number): void {
    const bar = this.bar;
    bar.open = open;
    bar.high = high;
    bar.low = low;
    bar.close = close;
    bar.volume = volume;
    this.def.update(this.state, this.args, bar, out, offset);
  }

  reset(): void {
    this.state.fill(0);
  }
}
