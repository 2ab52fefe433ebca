import type { TestReply } from '../batch/work.js';
import type { MetricsAccumulator } from '../metrics/accumulator.js';
import type { BarWindow } from '../types.js';

/**
 * Appends one test run (a walk-forward test window, a k_fold test fold) to a stitched
 * out-of-sample account, compounded on `level` (the previous run's end); without a run (no set
 * qualified) the account stays in cash over the window. Returns the level the window ends at.
 */
export function stitchTestRun(oos: MetricsAccumulator, oosEquity: number[], level: number, capital: number, r: TestReply | null, test: BarWindow): number {
  if (r === null) {
    for (let i = test.start; i < test.end; i++) {
      oos.onBar(level, false);
      oosEquity.push(level);
    }
    return level;
  }
  const curve = r.curve!;
  const scale = level / capital;
  // Trades close inside the window, so their pnl scales with the level the window starts from.
  for (const t of r.trades ?? []) oos.onTrade(t.pnl * scale);
  for (let i = 0; i < curve.equity.length; i++) {
    const e = curve.equity[i] * scale;
    oos.onBar(e, curve.exposed[i] === 1);
    oosEquity.push(e);
  }
  return curve.equity[curve.equity.length - 1] * scale;
}
