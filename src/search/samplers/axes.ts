import type { Dimension } from '../../space/space.js';

/**
 * A swept dimension as the model-based samplers see it. A `range(...)` is numeric: its grid is
 * first + i·step, i < count, modelled on the range widened by half a step at each end
 * ([first − step/2, last + step/2], so every grid value owns an interval of one step), in log space
 * when the range says `log`. A list (of numbers, strings or maps) is categorical: choices without
 * an order.
 */
export type Axis =
  | {
      readonly kind: 'numeric';
      readonly dim: number;
      readonly name: string;
      readonly count: number;
      readonly first: number;
      readonly step: number;
      readonly log: boolean;
      readonly low: number;
      readonly high: number;
    }
  | { readonly kind: 'categorical'; readonly dim: number; readonly name: string; readonly count: number };

/** The axes of a space: its dimensions with more than one value, in document order. */
export function axesOf(dimensions: readonly Dimension[]): Axis[] {
  const axes: Axis[] = [];
  dimensions.forEach((d, dim) => {
    const count = d.values.length;
    if (count < 2) return;
    if (d.range) {
      const first = d.values[0] as number;
      const step = (d.values[1] as number) - first;
      const last = d.values[count - 1] as number;
      const log = d.log === true;
      const low = log ? Math.log(first - step / 2) : first - step / 2;
      const high = log ? Math.log(last + step / 2) : last + step / 2;
      axes.push({ kind: 'numeric', dim, name: d.name, count, first, step, log, low, high });
    } else axes.push({ kind: 'categorical', dim, name: d.name, count });
  });
  return axes;
}

/** The model's coordinate of value index i on a numeric axis (the grid value, or its log). */
export function coordinate(axis: Axis & { kind: 'numeric' }, i: number): number {
  const v = axis.first + i * axis.step;
  return axis.log ? Math.log(v) : v;
}

/** The value index nearest to a model coordinate on a numeric axis (clipped to the grid). */
export function nearestIndex(axis: Axis & { kind: 'numeric' }, x: number): number {
  const v = axis.log ? Math.exp(x) : x;
  const i = Math.round((v - axis.first) / axis.step);
  return i < 0 ? 0 : i >= axis.count ? axis.count - 1 : i;
}
