import { expandRange, isLogRange, isRangeText } from './range.js';

/**
 * A parameter space: the config with every list or `range(...)` in a sweepable section (capital,
 * strategy, risk, broker) taken out as a dimension. A list of maps is a choice between variants
 * (`sizing: [{percent_equity: 1}, {fixed: 100}]`); `regime_filter.allow` is a list of labels, so
 * only a list of lists sweeps it. Dimensions are kept in document order.
 */
export interface Dimension {
  /** Key path into the config, e.g. ['strategy', 'fast']. */
  readonly path: readonly string[];
  /** Dotted name used in results: `strategy.fast`. */
  readonly name: string;
  readonly values: readonly unknown[];
  /** Whether the values came from a `range(...)` (else a list). */
  readonly range: boolean;
  /** A `range(…, log)`: model-based samplers work in log space (the grid is the same). */
  readonly log?: boolean;
}

export const SWEEPABLE = ['capital', 'strategy', 'risk', 'broker'] as const;

export interface DimensionProblem {
  readonly path: readonly string[];
  readonly message: string;
}

/** Finds the dimensions of a plain config; problems (malformed ranges, empty lists) are returned, not thrown. */
export function findDimensions(config: Readonly<Record<string, unknown>>): { dimensions: Dimension[]; problems: DimensionProblem[] } {
  const dimensions: Dimension[] = [];
  const problems: DimensionProblem[] = [];
  const visit = (value: unknown, path: string[]): void => {
    const isAllow = path.length === 3 && path[0] === 'strategy' && path[1] === 'regime_filter' && path[2] === 'allow';
    if (Array.isArray(value)) {
      if (isAllow && !value.some(Array.isArray)) return;
      if (value.length === 0) problems.push({ path, message: 'an empty list gives a dimension with no value' });
      else dimensions.push({ path, name: path.join('.'), values: value, range: false });
      return;
    }
    if (typeof value === 'string' && /^\s*range\s*\(/.test(value) && !isRangeText(value)) {
      problems.push({
        path,
        message: `'${value}' is a range(...) cut at its first comma: inside a flow map {…} YAML splits on commas, so quote the whole range, e.g. "${String(value).trim()}, …)"`,
      });
      return;
    }
    if (isRangeText(value)) {
      const values = expandRange(value);
      if (typeof values === 'string') problems.push({ path, message: values });
      else dimensions.push({ path, name: path.join('.'), values, range: true, ...(isLogRange(value) ? { log: true } : {}) });
      return;
    }
    if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, [...path, k]);
    }
  };
  // Document order: the order the sections were written in, so the grid reads like the file.
  for (const root of Object.keys(config)) if ((SWEEPABLE as readonly string[]).includes(root)) visit(config[root], [root]);
  return { dimensions, problems };
}

/**
 * `config` with each dimension set to the value at the matching index, copy-on-write: only the maps
 * on a dimension's path are copied, everything else is shared with `config` (which is never
 * modified). Runs once per parameter set, so it avoids a deep clone.
 */
export function assign<T extends Readonly<Record<string, unknown>>>(config: T, dimensions: readonly Dimension[], indices: ArrayLike<number>): T {
  const out: Record<string, unknown> = { ...config };
  const copied = new Set<object>([out]);
  for (let d = 0; d < dimensions.length; d++) {
    const path = dimensions[d].path;
    let node = out;
    for (let i = 0; i < path.length - 1; i++) {
      const next = node[path[i]];
      let child: Record<string, unknown>;
      if (next !== null && typeof next === 'object' && !Array.isArray(next)) {
        child = copied.has(next) ? (next as Record<string, unknown>) : { ...(next as Record<string, unknown>) };
      } else child = {};
      copied.add(child);
      node[path[i]] = child;
      node = child;
    }
    node[path[path.length - 1]] = dimensions[d].values[indices[d]];
  }
  // The same keys as `config`, a dimension's path set to one of its values: validation has checked
  // every value of every dimension against the schema, so the copy is still a T.
  return out as T;
}

/** The swept parameters of one point (dimensions with more than one value), by dotted name. */
export function sweptParams(dimensions: readonly Dimension[], indices: ArrayLike<number>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let d = 0; d < dimensions.length; d++) if (dimensions[d].values.length > 1) out[dimensions[d].name] = dimensions[d].values[indices[d]];
  return out;
}

/**
 * The grid over dimensions, enumerated lazily in a fixed order: like nested loops in document order,
 * the last dimension varies fastest. Point k is decoded from k in mixed radix, so no list of points
 * ever exists.
 */
export class Grid {
  readonly size: number;
  private readonly radix: Int32Array;

  constructor(readonly dimensions: readonly Dimension[]) {
    this.radix = Int32Array.from(dimensions, (d) => d.values.length);
    let size = 1;
    for (const r of this.radix) size *= r;
    if (!Number.isSafeInteger(size)) throw new RangeError(`the grid has ${size} points, more than can be enumerated`);
    this.size = size;
  }

  /** The grid index of a point given by its value index on each dimension. */
  indexOf(indices: ArrayLike<number>): number {
    let k = 0;
    for (let d = 0; d < this.radix.length; d++) k = k * this.radix[d] + indices[d];
    return k;
  }

  /** Writes the value indices of point k into `out` (length = number of dimensions). */
  indicesAt(k: number, out: Int32Array): Int32Array {
    let rest = k;
    for (let d = this.radix.length - 1; d >= 0; d--) {
      const r = this.radix[d];
      out[d] = rest % r;
      rest = (rest - out[d]) / r;
    }
    return out;
  }
}
