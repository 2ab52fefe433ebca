import { affordableQuantity } from '../src/engine/sizing.js';
import type { Commission, Metrics } from '../src/types.js';
import { ExactSum } from '../src/features/exact-sum.js';
import { MetricsAccumulator } from '../src/metrics/accumulator.js';

export interface BaselineSpec {
  readonly fast: number;
  readonly slow: number;
  readonly capital: number;
  /** Percent commission, e.g. 0.001. */
  readonly commission: number;
  readonly periodsPerYear: number;
}

/**
 * The SMA crossover of DESIGN.md section 5 as one hand-written loop over the columns: the speed the
 * engine is measured against. It must reproduce `runBacktest` bit for bit (the benchmark checks), so
 * every floating-point expression mirrors the engine's order of operations: the exact window sums add
 * the entering close before removing the leaving one, cash moves by `quantity·price + commission`
 * with the signed fill quantity, and pnl nets both commissions after the price difference.
 * Long-only, percent_equity 1.0, next-open fills, no stops.
 */
export function baselineSmaCrossover(open: Float64Array, close: Float64Array, spec: BaselineSpec): Metrics {
  const { fast, slow, capital } = spec;
  const c = spec.commission;
  // affordableQuantity's closed form wants the spec object; built once, not per fill.
  const commission: Commission = { kind: 'percent', value: c };
  const fastSum = new ExactSum();
  const slowSum = new ExactSum();
  const metrics = new MetricsAccumulator(capital);
  const ready = Math.max(fast, slow) - 1;
  const n = close.length;

  let cash = capital;
  let qty = 0;
  let entryPrice = NaN;
  let entryCommission = 0;
  let nz = NaN;
  let target = 0;
  let pending = NaN; // target waiting for the next open; NaN = none

  for (let t = 0; t < n; t++) {
    if (pending === pending) {
      const want = pending;
      pending = NaN;
      const price = open[t];
      // A long held while the target is again +1 is already where it should be (the engine's no-op).
      if (!(qty !== 0 && want === 1)) {
        if (qty !== 0) {
          const fee = c * Math.abs(qty * price);
          cash -= -qty * price + fee;
          metrics.onTrade(qty * (price - entryPrice) - (entryCommission + fee));
          qty = 0;
        }
        if (want !== 0) {
          const q = affordableQuantity(cash, price, commission, false);
          if (q > 0) {
            const fee = c * Math.abs(q * price);
            cash -= q * price + fee;
            qty = q;
            entryPrice = price;
            entryCommission = fee;
          }
        }
      }
    }

    const x = close[t];
    fastSum.add(x);
    if (t >= fast) fastSum.add(-close[t - fast]);
    slowSum.add(x);
    if (t >= slow) slowSum.add(-close[t - slow]);

    if (t >= ready) {
      const d = fastSum.value() / fast - slowSum.value() / slow;
      const prev = nz;
      // A tie neither crosses nor resets the last non-zero difference.
      if (d !== 0) nz = d;
      const out = prev < 0 && d > 0 ? 1 : prev > 0 && d < 0 ? 0 : NaN;
      if (out === out && out !== target) {
        target = out;
        pending = out;
      }
    }

    metrics.onBar(qty === 0 ? cash : cash + qty * x, qty !== 0);
  }
  return metrics.finish(spec.periodsPerYear);
}
