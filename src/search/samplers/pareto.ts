/**
 * Pareto dominance over losses (every objective minimised; a maximised objective is negated
 * before). A trial with a NaN loss is infeasible: every feasible trial dominates it, and infeasible
 * trials do not dominate each other.
 */
export function dominates(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  const fa = feasible(a);
  const fb = feasible(b);
  if (fa !== fb) return fa;
  if (!fa) return false;
  let better = false;
  for (let j = 0; j < a.length; j++) {
    if (a[j] > b[j]) return false;
    if (a[j] < b[j]) better = true;
  }
  return better;
}

export function feasible(x: ArrayLike<number>): boolean {
  for (let j = 0; j < x.length; j++) if (Number.isNaN(x[j])) return false;
  return true;
}

/** Fast non-dominated sort (Deb et al. 2002): the fronts as index lists, best first, each in index order. */
export function nondominatedFronts(losses: readonly ArrayLike<number>[]): number[][] {
  const n = losses.length;
  const dominatedBy = new Int32Array(n);
  const dominating: number[][] = losses.map(() => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dominates(losses[i], losses[j])) {
        dominating[i].push(j);
        dominatedBy[j]++;
      } else if (dominates(losses[j], losses[i])) {
        dominating[j].push(i);
        dominatedBy[i]++;
      }
    }
  }
  const fronts: number[][] = [];
  let current: number[] = [];
  for (let i = 0; i < n; i++) if (dominatedBy[i] === 0) current.push(i);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) for (const j of dominating[i]) if (--dominatedBy[j] === 0) next.push(j);
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/** The non-dominated feasible trials among `losses` (indices, in index order); duplicates of a point's losses all stay. */
export function paretoFront(losses: readonly ArrayLike<number>[]): number[] {
  const front = nondominatedFronts(losses)[0] ?? [];
  return front.filter((i) => feasible(losses[i]));
}

/** Crowding distance of each member of one front (Deb et al.): ∞ at each objective's extremes. */
export function crowding(losses: readonly ArrayLike<number>[], front: readonly number[]): Float64Array {
  const d = new Float64Array(front.length);
  if (front.length === 0) return d;
  const m = losses[front[0]].length;
  for (let j = 0; j < m; j++) {
    const order = front.map((_, i) => i).sort((a, b) => losses[front[a]][j] - losses[front[b]][j] || a - b);
    const lo = losses[front[order[0]]][j];
    const hi = losses[front[order[order.length - 1]]][j];
    d[order[0]] = d[order[order.length - 1]] = Infinity;
    if (!(hi > lo)) continue;
    for (let r = 1; r < order.length - 1; r++) d[order[r]] += (losses[front[order[r + 1]]][j] - losses[front[order[r - 1]]][j]) / (hi - lo);
  }
  return d;
}

/**
 * The hypervolume dominated by two-objective losses up to a reference point (both minimised):
 * the area of the union of the boxes [a, ref]. Points not strictly better than the reference in
 * both objectives add nothing.
 */
export function hypervolume2d(points: readonly ArrayLike<number>[], ref: readonly [number, number]): number {
  const inside = points.filter((p) => p[0] < ref[0] && p[1] < ref[1]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let area = 0;
  let bestY = ref[1];
  for (const p of inside) {
    if (p[1] >= bestY) continue;
    area += (ref[0] - p[0]) * (bestY - p[1]);
    bestY = p[1];
  }
  return area;
}
