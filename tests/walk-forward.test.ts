import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../src/config/workflow.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { InlineExecutor } from '../src/executor/inline.js';
import { registerStrategy } from '../src/strategies/registry.js';
import type { StrategyDefinition } from '../src/strategies/strategy.js';
import { runSearch } from '../src/sequencer/run-search.js';
import { barsOf, walkForwardWindows } from '../src/sequencer/windows.js';
import { runBacktest } from '../src/topology/run-sets.js';
import { parameterSetOf } from '../src/config/resolve.js';
import { withStrategy } from './support/config.js';

const tmp = mkdtempSync(join(tmpdir(), 'fanfold-wf-'));

describe('walk-forward windows', () => {
  it('rolling windows tile the data by the test length', () => {
    expect(walkForwardWindows(300, { train: 100, test: 50 }, 252)).toEqual([
      { train: [0, 100], test: [100, 150] },
      { train: [50, 150], test: [150, 200] },
      { train: [100, 200], test: [200, 250] },
      { train: [150, 250], test: [250, 300] },
    ]);
  });

  it('a step other than the test length, anchored windows and a gap', () => {
    expect(walkForwardWindows(300, { train: 100, test: 50, step: 100 }, 252)).toEqual([
      { train: [0, 100], test: [100, 150] },
      { train: [100, 200], test: [200, 250] },
    ]);
    expect(walkForwardWindows(300, { train: 100, test: 50, anchored: true }, 252)).toEqual([
      { train: [0, 100], test: [100, 150] },
      { train: [0, 150], test: [150, 200] },
      { train: [0, 200], test: [200, 250] },
      { train: [0, 250], test: [250, 300] },
    ]);
    // gap 10: test starts 10 bars after the train end; the 4th window would end at 310 > 300.
    expect(walkForwardWindows(300, { train: 100, test: 50, gap: 10 }, 252)).toEqual([
      { train: [0, 100], test: [110, 160] },
      { train: [50, 150], test: [160, 210] },
      { train: [100, 200], test: [210, 260] },
    ]);
  });

  it('durations convert with the periods per year (252 for daily bars)', () => {
    expect(barsOf('2y', 252, 'train')).toBe(504);
    expect(barsOf('6mo', 252, 'test')).toBe(126);
    expect(barsOf('30d', 252, 'test')).toBe(21); // 30 / 365.25 × 252 = 20.698
    expect(barsOf('3w', 252, 'step')).toBe(14); // 21 / 365.25 × 252 = 14.489
    expect(barsOf('1y', 52, 'train')).toBe(52);
    expect(() => barsOf('2 years', 252, 'train')).toThrow(/cannot read '2 years' as a duration/);
    expect(() => walkForwardWindows(100, { train: 90, test: 20 }, 252)).toThrow(/no walk-forward window fits in 100 bars/);
  });
});

// A strategy that records every bar it is shown, to prove a search never sees past its window.
const seen: number[] = [];
const peek: StrategyDefinition<{ n: number }> = {
  kind: 'strategy',
  name: 'test_peek',
  description: 'records the bars it sees',
  params: [{ name: 'n', type: 'int', default: 3, min: 1, description: 'n' }],
  stateSize: 0,
  prepare: (raw) => ({ n: (raw.n as number | undefined) ?? 3 }),
  features: (p) => [`sma(${p.n})`],
  signal(f, cols, bar) {
    seen.push(bar.index);
    return bar.close > f[cols[0]] ? 1 : 0;
  },
};
registerStrategy(peek);

describe('walk-forward optimisation', () => {
  it('a train search never sees a bar of its test window', async () => {
    const config = join(tmp, 'peek.yaml');
    writeFileSync(config, 'name: peek\ndata: {synthetic: {bars: 300, seed: 1}}\nstrategy: {type: test_peek, n: [3, 5]}\n');
    const phase = loadWorkflow(config).phases[0].validated!;
    const data = generateSynthetic({ bars: 300, seed: 1 });
    seen.length = 0;
    await runSearch(phase, data, { start: 100, end: 200 }, new InlineExecutor(), {
      results: null,
      label: 'peek',
      resume: false,
      storeTrades: false,
      topK: 1,
      keepAll: false,
    });
    expect(Math.max(...seen)).toBe(199);
    expect(Math.min(...seen)).toBe(0); // warm-up on the bars before the window
  });

  const wfConfig = (): string => {
    const file = join(tmp, 'wf.yaml');
    writeFileSync(
      file,
      `name: wf
data: {synthetic: {bars: 1600, symbols: [A], seed: 8}}
strategy: {type: sma_crossover, fast: [5, 10, 20], slow: [40, 80]}
broker: {commission: {percent: 0.001}}
search: {objective: sharpe, min_trades: 2}
sequence: {type: walk_forward, train: 500, test: 250, gap: 5}
results: {store_trades: false}
`,
    );
    return file;
  };

  it('the pool gives exactly the inline result', async () => {
    const file = wfConfig();
    const strip = (r: { run_id: string; results_dir: string }): unknown => ({ ...r, run_id: null, results_dir: null });
    const inline = await runWorkflow(loadWorkflow(file), { out: tmp, executor: 'inline', storage: 'memory' });
    const pool = await runWorkflow(loadWorkflow(file), { out: tmp, executor: 'pool', workers: 2, maxBatch: 2, storage: 'memory' });
    expect(strip(pool.result)).toEqual(strip(inline.result));
  });

  it('stitches each window’s test run onto the previous one’s end; efficiency and stability follow from the windows', async () => {
    const file = wfConfig();
    const { result, phases } = await runWorkflow(loadWorkflow(file), { out: tmp, executor: 'inline', storage: 'memory' });
    const phase = result.phases[0];
    const wf = phase.walk_forward as {
      oos_equity: number[];
      oos_metrics: Record<string, number | null>;
      efficiency: number | null;
      stability: Record<string, { values: unknown[] }>;
      unused: { bars: number; from: string; to: string } | null;
    };
    // 1600 bars, train 500, gap 5, test 250, step 250: test windows start at 505, 755, 1005, 1255 (1505 + 250 > 1600).
    expect(phase.windows!.map((w) => w.test)).toEqual([
      [505, 755],
      [755, 1005],
      [1005, 1255],
      [1255, 1505],
    ]);
    // Bars 1505..1599 come after the last full test window: reported, not silently dropped.
    const day = (i: number): string => new Date(phases[0].data.time[i]).toISOString().slice(0, 10);
    expect(wf.unused).toEqual({ bars: 95, from: day(1505), to: day(1599) });
    expect(phase.trials).toBe(4 * 6);
    const data = phases[0].data;
    const config = phases[0].config;
    let level = config.capital;
    const expected: number[] = [];
    for (const w of phase.windows!) {
      expect(w.best).not.toBeNull();
      const set = parameterSetOf(withStrategy(config, { fast: w.best!.params['strategy.fast'], slow: w.best!.params['strategy.slow'] }));
      const r = runBacktest(data, set, { window: { start: w.test[0], end: w.test[1] }, recordCurves: true });
      expect(w.test_metrics!.final_equity).toBe(r.metrics.final_equity);
      const scale = level / config.capital;
      for (const e of r.curve!.equity) expected.push(e * scale);
      level = r.curve!.equity[r.curve!.equity.length - 1] * scale;
    }
    expect(wf.oos_equity).toEqual(expected);
    expect(wf.oos_metrics.final_equity).toBe(level);
    expect(wf.oos_metrics.total_return).toBe(level / config.capital - 1);
    const isCagr = phase.windows!.map((w) => w.best!.metrics.cagr as number);
    const meanIs = isCagr.reduce((a, b) => a + b, 0) / isCagr.length;
    expect(wf.efficiency).toBe(meanIs > 0 ? (wf.oos_metrics.cagr as number) / meanIs : null);
    expect(wf.stability['strategy.fast'].values).toEqual(phase.windows!.map((w) => w.best!.params['strategy.fast']));
  });
});
