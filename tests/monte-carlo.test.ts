import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../src/config/workflow.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';
import { monteCarlo, percentile } from '../src/sequencer/monte-carlo.js';

const tmp = mkdtempSync(join(tmpdir(), 'fanfold-mc-'));
const spec = { paths: 200, seed: 3, block: 5, percentiles: [5, 50, 95] };

describe('monte carlo', () => {
  it('percentiles interpolate linearly between order statistics (numpy default)', () => {
    const xs = Float64Array.from([1, 2, 3, 4, 10]);
    expect(percentile(xs, 0)).toBe(1);
    expect(percentile(xs, 50)).toBe(3);
    expect(percentile(xs, 100)).toBe(10);
    expect(percentile(xs, 90)).toBeCloseTo(7.6, 12); // h = 4 × 0.9 = 3.6 → 4 + 0.6 × (10 − 4)
    expect(percentile(xs, 25)).toBe(2);
  });

  it('a curve of one constant return gives every path the same result: the bands collapse on it', () => {
    // 1% a bar for 20 bars from 100: every resampled path is 100 × 1.01^20, drawdown 0.
    const equity = Float64Array.from({ length: 21 }, (_, t) => 100 * 1.01 ** t);
    const r = monteCarlo({ equity, exposed: new Uint8Array(21) }, [], [], 100, 252, spec);
    for (const p of ['p5', 'p50', 'p95']) {
      expect(r.bars.final_equity[p]).toBeCloseTo(100 * 1.01 ** 20, 9);
      expect(r.bars.max_drawdown[p]).toBe(0);
    }
    expect(r.trades).toBeNull();
  });

  it('is reproducible by seed and changes with it', () => {
    const equity = Float64Array.from({ length: 200 }, (_, t) => 100 + 10 * Math.sin(t / 7) + t / 10);
    const curve = { equity, exposed: new Uint8Array(200) };
    const trades = [{ pnl: 5 }, { pnl: -3 }, { pnl: 8 }].map((t) => ({
      symbol: 'T',
      side: 'long' as const,
      qty: 1,
      entry_time: '',
      entry_price: 1,
      exit_time: '',
      exit_price: 1,
      commission: 0,
      pnl: t.pnl,
    }));
    const a = monteCarlo(curve, trades, [100, 100, 100], 100, 252, spec);
    const b = monteCarlo(curve, trades, [100, 100, 100], 100, 252, spec);
    const c = monteCarlo(curve, trades, [100, 100, 100], 100, 252, { ...spec, seed: 4 });
    expect(a).toEqual(b);
    expect(c.bars.final_equity).not.toEqual(a.bars.final_equity);
    // Three trades of +5%, −3%, +8% compounded three times: the best path is 1.08³, the worst 0.97³.
    expect(a.trades!.final_equity.p95).toBeLessThanOrEqual(100 * 1.08 ** 3 + 1e-9);
    expect(a.trades!.final_equity.p5).toBeGreaterThanOrEqual(100 * 0.97 ** 3 - 1e-9);
    expect(a.bars.final_equity.p5).toBeLessThanOrEqual(a.bars.final_equity.p50 as number);
    expect(a.bars.final_equity.p50).toBeLessThanOrEqual(a.bars.final_equity.p95 as number);
  });

  it('runs from a config after the search, on the best set, the same on the pool as inline', async () => {
    const file = join(tmp, 'mc.yaml');
    writeFileSync(
      file,
      `name: mc\ndata: {synthetic: {bars: 1200, seed: 5}}\nstrategy: {type: sma_crossover, fast: [5, 10], slow: [30, 60]}\nsequence: {type: monte_carlo, paths: 300, seed: 11, block: 10}\n`,
    );
    const inline = await runWorkflow(loadWorkflow(file), { out: tmp, executor: 'inline', storage: 'memory' });
    const pool = await runWorkflow(loadWorkflow(file), { out: tmp, executor: 'pool', workers: 2, storage: 'memory' });
    const a = inline.result.phases[0];
    expect(a.sequence).toBe('monte_carlo');
    expect(a.trials).toBe(4);
    const mc = a.monte_carlo as { paths: number; bars: { final_equity: Record<string, number> }; trades: unknown };
    expect(mc.paths).toBe(300);
    expect(Object.keys(mc.bars.final_equity)).toEqual(['p5', 'p25', 'p50', 'p75', 'p95']);
    expect(mc.trades).not.toBeNull();
    expect(pool.result.phases[0].monte_carlo).toEqual(a.monte_carlo);
  });
});
