/**
 * Parameter importance as the share of the objective's variance each parameter's main effect
 * explains: for parameter p, η²_p = Σ_g n_g (ȳ_g − ȳ)² / Σ_i (y_i − ȳ)² over the completed trials
 * with a defined objective, grouped by the parameter's value — at most `bins` groups: a parameter
 * with more distinct values is cut into `bins` groups of consecutive values holding about equal
 * numbers of trials (trials with one value stay in one group). This is the first-order term of a
 * functional ANOVA estimated from the trials themselves (no surrogate model, unlike fANOVA's
 * random forest). `share` normalises the η² to sum to 1 (as Optuna reports importances); both are
 * null when the objective does not vary.
 */
export function mainEffects(
  values: readonly Int32Array[],
  y: ArrayLike<number>,
  names: readonly string[],
  bins = 10,
): { name: string; eta_squared: number | null; share: number | null }[] {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i];
  mean /= n;
  let total = 0;
  for (let i = 0; i < n; i++) total += (y[i] - mean) ** 2;
  const eta = names.map((_, p) => {
    if (n < 2 || !(total > 0)) return null;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a][p] - values[b][p] || a - b);
    const group = new Int32Array(n);
    let groups = 0;
    const distinct = new Set(order.map((i) => values[i][p])).size;
    if (distinct <= bins) {
      for (let r = 0; r < n; r++) group[order[r]] = r > 0 && values[order[r]][p] !== values[order[r - 1]][p] ? ++groups : groups;
      groups++;
    } else {
      // Bin r/n·bins, never splitting a value across two bins.
      let bin = 0;
      for (let r = 0; r < n; r++) {
        const target = Math.floor((r * bins) / n);
        if (target > bin && values[order[r]][p] !== values[order[r - 1]][p]) bin = target;
        group[order[r]] = bin;
      }
      groups = bin + 1;
    }
    const sum = new Float64Array(groups);
    const count = new Float64Array(groups);
    for (let i = 0; i < n; i++) {
      sum[group[i]] += y[i];
      count[group[i]]++;
    }
    let between = 0;
    for (let g = 0; g < groups; g++) if (count[g] > 0) between += count[g] * (sum[g] / count[g] - mean) ** 2;
    return between / total;
  });
  const sumEta = eta.reduce<number>((a, e) => a + (e ?? 0), 0);
  return names.map((name, p) => ({ name, eta_squared: eta[p], share: eta[p] === null || !(sumEta > 0) ? null : eta[p] / sumEta }));
}
