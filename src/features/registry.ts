import { UserError } from '../errors.js';
import type { Feature, FeatureKind } from './feature.js';
import { Atr, Bollinger, Change, Ema, Extreme, Macd, Rsi, Sma, Stdev, TrueRange, ZScore } from './indicators.js';

const n = ['n'] as const;

function kind(spec: FeatureKind): FeatureKind {
  return spec;
}

/** Every feature kind, by name: the built-ins, then those plugins register (registerFeatureKind). */
const kinds = new Map<string, FeatureKind>(
  [
    kind({
      name: 'sma',
      description: 'simple moving average of close: exact window sum / n',
      args: n,
      warmup: ([p]) => p - 1,
      create: (k, [p]) => new Sma(k, p),
    }),
    kind({
      name: 'ema',
      description: 'exponential moving average of close, k = 2/(n+1), seeded with SMA(n)',
      args: n,
      warmup: ([p]) => p - 1,
      create: (k, [p]) => new Ema(k, p),
    }),
    kind({ name: 'rsi', description: "Wilder's RSI of close-to-close changes, 0..100", args: n, warmup: ([p]) => p, create: (k, [p]) => new Rsi(k, p) }),
    kind({
      name: 'atr',
      description: 'average true range, Wilder smoothing seeded with the mean of n true ranges',
      args: n,
      warmup: ([p]) => p,
      create: (k, [p]) => new Atr(k, p),
    }),
    kind({
      name: 'tr',
      description: 'true range max(H, prev C) − min(L, prev C); undefined at the first bar',
      args: [],
      warmup: () => 1,
      create: (k) => new TrueRange(k),
    }),
    kind({
      name: 'stdev',
      description: 'rolling sample standard deviation of close (divisor n−1)',
      args: n,
      minN: 2,
      warmup: ([p]) => p - 1,
      create: (k, [p]) => new Stdev(k, p, false),
    }),
    kind({
      name: 'stdev_pop',
      description: 'rolling population standard deviation of close (divisor n)',
      args: n,
      warmup: ([p]) => p - 1,
      create: (k, [p]) => new Stdev(k, p, true),
    }),
    kind({ name: 'roc', description: 'rate of change C_t / C_{t−n} − 1, a fraction', args: n, warmup: ([p]) => p, create: (k, [p]) => new Change(k, p, true) }),
    kind({ name: 'mom', description: 'momentum C_t − C_{t−n}', args: n, warmup: ([p]) => p, create: (k, [p]) => new Change(k, p, false) }),
    kind({
      name: 'highest',
      description: 'highest high of the last n bars (current bar included)',
      args: n,
      warmup: ([p]) => p - 1,
      create: (k, [p]) => new Extreme(k, p, true),
    }),
    kind({
      name: 'lowest',
      description: 'lowest low of the last n bars (current bar included)',
      args: n,
      warmup: ([p]) => p - 1,
      create: (k, [p]) => new Extreme(k, p, false),
    }),
    kind({
      name: 'zscore',
      description: '(C − SMA(n)) / sample sd(n) of close',
      args: n,
      minN: 2,
      warmup: ([p]) => p - 1,
      create: (k, [p]) => new ZScore(k, p),
    }),
    kind({
      name: 'macd',
      description: 'EMA(fast) − EMA(slow); signal = EMA(signal) of MACD seeded with its SMA; hist = macd − signal',
      args: ['fast', 'slow', 'signal'],
      defaults: [12, 26, 9],
      outputs: ['macd', 'signal', 'hist'],
      warmup: ([, slow]) => slow - 1,
      create: (k, [f, s, g]) => new Macd(k, f, s, g),
    }),
    kind({
      name: 'bbands',
      description: 'Bollinger bands SMA(n) ± k·population sd, and %b',
      args: ['n', 'k'],
      realArgs: ['k'],
      defaults: [20, 2],
      outputs: ['lower', 'middle', 'upper', 'pctb'],
      warmup: ([p]) => p - 1,
      create: (k, [p, w]) => new Bollinger(k, p, w),
    }),
  ].map((k) => [k.name, k]),
);

export const FEATURE_KINDS: ReadonlyMap<string, FeatureKind> = kinds;

/** A plugin's feature kind; a taken name is refused by the caller (plugins/load.ts). */
export function registerFeatureKind(kind: FeatureKind): void {
  kinds.set(kind.name, kind);
}

export interface ParsedFeatureKey {
  readonly kind: FeatureKind;
  readonly args: readonly number[];
  /** Canonical feature key, e.g. `bbands(20,2)`. */
  readonly key: string;
  /** The requested output suffix (`signal` in `macd(12,26,9).signal`), or null for the first/only one. */
  readonly output: string | null;
}

const KEY = /^\s*([a-z_]+)\s*(?:\(([^)]*)\))?\s*(?:\.([a-z]+))?\s*$/;

/** Parses `sma(20)`, `macd(12, 26, 9).signal`, `tr`, `bbands` into a canonical key. */
export function parseFeatureKey(text: string): ParsedFeatureKey {
  // Every set of every batch names its features: parse each key text once per thread.
  let parsed = parsedKeys.get(text);
  if (parsed === undefined) {
    parsed = parseKey(text);
    if (parsedKeys.size >= 100_000) parsedKeys.clear();
    parsedKeys.set(text, parsed);
  }
  return parsed;
}

const parsedKeys = new Map<string, ParsedFeatureKey>();

function parseKey(text: string): ParsedFeatureKey {
  const m = KEY.exec(text);
  if (!m) throw new UserError(`invalid feature '${text}': expected name(args), e.g. sma(20)`);
  const [, name, argText, output] = m;
  const kind = FEATURE_KINDS.get(name);
  if (!kind) throw new UserError(`unknown feature '${name}' in '${text}'; known: ${[...FEATURE_KINDS.keys()].join(', ')}`);
  const raw = argText === undefined || argText.trim() === '' ? [] : argText.split(',').map((s) => s.trim());
  const args = raw.length === 0 && kind.defaults ? [...kind.defaults] : raw.map(Number);
  if (args.length !== kind.args.length) {
    throw new UserError(`feature '${text}': ${name} takes ${kind.args.length} argument(s) (${kind.args.join(', ')}), got ${args.length}`);
  }
  args.forEach((a, i) => {
    const argName = kind.args[i];
    const real = kind.realArgs?.includes(argName) ?? false;
    if (!Number.isFinite(a) || a <= 0 || (!real && !Number.isInteger(a))) {
      throw new UserError(`feature '${text}': ${argName} must be a positive ${real ? 'number' : 'integer'}, got '${raw[i]}'`);
    }
  });
  kind.bounds?.forEach((b, i) => {
    if ((b.min !== undefined && args[i] < b.min) || (b.max !== undefined && args[i] > b.max))
      throw new UserError(`feature '${text}': ${kind.args[i]} must be within [${b.min ?? '…'}, ${b.max ?? '…'}], got ${args[i]}`);
  });
  if (kind.minN !== undefined && args[0] < kind.minN) throw new UserError(`feature '${text}': ${kind.args[0]} must be at least ${kind.minN}`);
  if (output !== undefined && !kind.outputs?.includes(output)) {
    throw new UserError(`feature '${text}': ${name} has ${kind.outputs ? `outputs ${kind.outputs.join(', ')}` : 'a single output'}`);
  }
  const key = args.length === 0 ? name : `${name}(${args.map(String).join(',')})`;
  return { kind, args, key, output: output ?? null };
}

/** The canonical column key of one output: `sma(20)` or `macd(12,26,9).signal`. */
export function outputKey(parsed: ParsedFeatureKey): string {
  if (!parsed.kind.outputs) return parsed.key;
  return `${parsed.key}.${parsed.output ?? parsed.kind.outputs[0]}`;
}

export function createFeature(parsed: ParsedFeatureKey): Feature {
  return parsed.kind.create(parsed.key, parsed.args);
}
