// A plugin strategy: an ES module exporting objects with kind 'strategy' or 'classifier' and the
// shape of src/strategies/strategy.ts. Long when the close is `entry` standard deviations below its
// mean, out when it is back above `exit`; the hub computes zscore(n) once for every set using it.
export const zscoreReversion = {
  kind: 'strategy',
  name: 'zscore_reversion',
  description: 'z-score mean reversion: buy when zscore(n) < −entry, sell when it rises above −exit',
  params: [
    { name: 'n', type: 'int', default: 20, min: 2, description: 'z-score window' },
    { name: 'entry', type: 'number', default: 2, min: 0, description: 'enter below −entry' },
    { name: 'exit', type: 'number', default: 0, min: 0, description: 'exit above −exit' },
  ],
  stateSize: 0,
  prepare(raw) {
    for (const key of Object.keys(raw)) if (!['n', 'entry', 'exit'].includes(key)) throw new Error(`unknown parameter '${key}'`);
    return { n: raw.n ?? 20, entry: raw.entry ?? 2, exit: raw.exit ?? 0 };
  },
  features: (p) => [`zscore(${p.n})`],
  signal(features, cols, _bar, p) {
    const z = features[cols[0]];
    if (z < -p.entry) return 1;
    if (z > -p.exit) return 0;
    return Number.NaN;
  },
};
