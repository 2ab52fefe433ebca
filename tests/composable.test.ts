import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../src/config/workflow.js';
import { openWorkflow } from '../src/coordinator/open.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';
import type { ComposeJson } from '../src/coordinator/run-composed.js';
import { registerStrategy } from '../src/strategies/registry.js';
import type { StrategyDefinition } from '../src/strategies/strategy.js';
import { parameterSetOf } from '../src/config/resolve.js';
import { metricsJson } from '../src/contract.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { runBacktest } from '../src/topology/run-sets.js';
import type { ParameterSet } from '../src/types.js';
import { aggregate } from '../src/sequencer/aggregate.js';

const tmp = mkdtempSync(join(tmpdir(), 'fanfold-compose-'));
const strip = (r: { run_id: string; results_dir: string }): unknown => ({ ...r, run_id: null, results_dir: null });

/**
 * A synthetic objective with a known optimum: the target flips every p = 1 + |x − 7| + |y − 13| bars,
 * so a round trip takes 2p bars and the number of trades falls as (x, y) moves from (7, 13).
 */
const toggle: StrategyDefinition<{ x: number; y: number }> = {
  kind: 'strategy',
  name: 'test_toggle',
  description: 'flips its target every 1 + |x − 7| + |y − 13| bars',
  params: [
    { name: 'x', type: 'int', default: 0, min: 0, description: 'x' },
    { name: 'y', type: 'int', default: 0, min: 0, description: 'y' },
  ],
  stateSize: 0,
  prepare: (raw) => ({ x: (raw.x as number | undefined) ?? 0, y: (raw.y as number | undefined) ?? 0 }),
  features: () => [],
  signal(_f, _cols, bar, p) {
    const period = 1 + Math.abs(p.x - 7) + Math.abs(p.y - 13);
    return Math.floor(bar.index / period) % 2 === 0 ? 1 : 0;
  },
};
registerStrategy(toggle);

function write(name: string, text: string): string {
  const file = join(tmp, name);
  writeFileSync(file, text);
  return file;
}

describe('refine', () => {
  const config = (max: number): string =>
    write(
      `refine-${max}.yaml`,
      `name: refine_toggle
data: {synthetic: {bars: 600, seed: 3}}
strategy: {type: test_toggle, x: "range(1, 41, 8)", y: "range(1, 41, 8)"}
search: {objective: trades}
results: {store_trades: false}
phases:
  - name: toggle
    compose: {type: refine, max_iterations: ${max}}
`,
    );

  it('reaches the known optimum (7, 13) of a synthetic objective, iteration by iteration as computed by hand', async () => {
    const { result } = await runWorkflow(loadWorkflow(config(10)), { out: tmp, executor: 'inline', storage: 'memory' });
    const phase = result.phases[0];
    const compose = phase.compose as ComposeJson;
    // #0: grid 1, 9, …, 41 on both: best period 1 + 2 + 4 = 7 at (9, 9) (ties go to the lower grid index).
    // #1: step 8 → 4 around (9, 9): x, y ∈ {1, 5, 9, 13, 17}: period 3 at (5, 13) (tied with (9, 13)).
    // #2: step 2 around (5, 13): x ∈ {1, …, 9}, y ∈ {9, …, 17}: period 1 at (7, 13).
    // #3: step 1 around (7, 13): no improvement; a step below 1 cannot be taken: the workflow stops.
    expect(compose.iterations.map((it) => it.best!.params)).toEqual([
      { 'strategy.x': 9, 'strategy.y': 9 },
      { 'strategy.x': 5, 'strategy.y': 13 },
      { 'strategy.x': 7, 'strategy.y': 13 },
      { 'strategy.x': 7, 'strategy.y': 13 },
    ]);
    expect(compose.iterations[1].space).toEqual({ 'strategy.x': [1, 5, 9, 13, 17], 'strategy.y': [1, 5, 9, 13, 17] });
    expect(compose.iterations[3].space).toEqual({ 'strategy.x': [5, 6, 7, 8, 9], 'strategy.y': [11, 12, 13, 14, 15] });
    expect(compose.stopped).toBe('done');
    expect(phase.best!.params).toEqual({ 'strategy.x': 7, 'strategy.y': 13 });
    expect(phase.trials).toBe(36 + 25 * 3);
    // Period 1 over 600 bars: the target flips every bar; its trades equal a direct backtest's.
    const data = generateSynthetic({ bars: 600, seed: 3 });
    const direct = runBacktest(
      data,
      parameterSetOf({ ...loadWorkflow(config(10)).phases[0].validated!.config, strategy: { type: 'test_toggle', x: 7, y: 13 } }),
    );
    expect(phase.best!.metrics.trades).toBe(direct.metrics.trades);
    expect(compose.aggregate.iterations).toEqual(aggregate(compose.iterations.map((it) => it.best!.metrics)));
    // Each iteration reports its own search's robustness: #0 searched 36 points, the others 25.
    expect(compose.iterations.map((it) => (it.robustness as { trials: number }).trials)).toEqual([36, 25, 25, 25]);
    expect(compose.iterations.every((it) => (it.robustness as { pbo: { scatter: unknown[] } }).pbo.scatter.length === 0)).toBe(true);
  });

  it('max_iterations stops it whatever the workflow says', async () => {
    const { result } = await runWorkflow(loadWorkflow(config(2)), { out: tmp, executor: 'inline', storage: 'memory' });
    const compose = result.phases[0].compose as ComposeJson;
    expect(compose.iterations.length).toBe(2);
    expect(compose.stopped).toBe('max_iterations');
    expect(result.phases[0].best!.params).toEqual({ 'strategy.x': 5, 'strategy.y': 13 });
  });
});

const base = `name: composed
data: {synthetic: {bars: 1500, seed: 21}}
strategy: {type: ema_crossover, fast: [5, 10, 20], slow: [50, 100]}
search: {objective: sharpe, min_trades: 3}
results: {store_trades: false}
`;

describe('branches', () => {
  it('each branch gives what its config gives when run on its own; the phase best is the best of phase and branches', async () => {
    const file = write(
      'branch.yaml',
      `${base}phases:
  - name: costs
    compose:
      type: branch
      branches:
        - {name: costly, changes: {broker.commission: {percent: 0.002}}}
        - {name: stopped, changes: {risk.stop_loss: 0.05}}
        - {name: never, condition: "best.metrics.trades > 100000", changes: {capital: 5}}
`,
    );
    const { result } = await runWorkflow(loadWorkflow(file), { out: tmp, executor: 'inline', storage: 'memory' });
    const compose = result.phases[0].compose as ComposeJson;
    const [costly, stopped, never] = compose.iterations[0].branches;
    expect(never.skipped).toBe("condition 'best.metrics.trades > 100000' is false");
    for (const [branch, extra] of [
      [costly, 'broker: {commission: {percent: 0.002}}\n'],
      [stopped, 'risk: {stop_loss: 0.05}\n'],
    ] as const) {
      const own = await runWorkflow(loadWorkflow(write(`own-${branch.name}.yaml`, base + extra)), { out: tmp, executor: 'inline', storage: 'memory' });
      const ownBest = own.result.phases[0].best!;
      expect(branch.best!.metrics).toEqual(ownBest.metrics);
      for (const [k, v] of Object.entries(ownBest.params)) expect(branch.best!.params[k]).toEqual(v);
      expect(branch.trials).toBe(6);
    }
    const candidates = [compose.iterations[0].best!, costly.best!, stopped.best!];
    const top = candidates.reduce((a, b) => ((b.metrics.sharpe as number) > (a.metrics.sharpe as number) ? b : a));
    expect(result.phases[0].best).toEqual(top);
    expect(result.phases[0].trials).toBe(18);
  });

  it('a resumed composed run reuses every stored iteration and branch and gives the same result', async () => {
    const file = write(
      'resume.yaml',
      `${base}phases:\n  - name: regimes\n    compose: {type: regime_adaptive, classifier: {type: trend_regime, fast: 20, slow: 100, threshold: 0.02}}\n`,
    );
    const first = await runWorkflow(loadWorkflow(file), { out: tmp, executor: 'inline', storage: 'disk' });
    const lines: string[] = [];
    const again = await runWorkflow(loadWorkflow(file), { resume: first.result.results_dir, executor: 'inline', storage: 'disk', log: (l) => lines.push(l) });
    expect(strip(again.result)).toEqual(strip(first.result));
    // 6 sets on the whole data, 6 per regime branch, the combination: all reused.
    expect(lines.filter((l) => l.includes('already stored'))).toEqual([
      'phase regimes#0: 6 trials already stored, not recomputed',
      'phase regimes#0/ranging: 6 trials already stored, not recomputed',
      'phase regimes#0/trending: 6 trials already stored, not recomputed',
      'phase regimes#1: 1 trials already stored, not recomputed',
    ]);
  });

  it('the pool gives exactly the inline result for iterations and branches', async () => {
    const file = write(
      'pool.yaml',
      `${base}phases:
  - name: refined
    compose: {type: refine, max_iterations: 3}
  - name: regimes
    compose: {type: regime_adaptive, classifier: {type: trend_regime, fast: 20, slow: 100, threshold: 0.02}}
`,
    );
    const inline = await runWorkflow(loadWorkflow(file), { out: tmp, executor: 'inline', storage: 'memory' });
    const pool = await runWorkflow(loadWorkflow(file), { out: tmp, executor: 'pool', workers: 2, maxBatch: 2, storage: 'memory' });
    expect(strip(pool.result)).toEqual(strip(inline.result));
  });
});

describe('regime switch and regime_adaptive', () => {
  const data = generateSynthetic({ bars: 1500, seed: 21 });
  const config = loadWorkflow(write('plain.yaml', base)).phases[0].validated!.config;
  const setOf = (strategy: Record<string, unknown>): ParameterSet => parameterSetOf({ ...config, strategy: { type: 'ema_crossover', ...strategy } });
  const classifier = { type: 'trend_regime', fast: 20, slow: 100, threshold: 0.02 };

  it('a switch with the same parameters under every label is the plain strategy; with one label it is the regime filter', () => {
    const plain = runBacktest(data, setOf({ fast: 10, slow: 50 }), { storeTrades: true });
    const same = runBacktest(
      data,
      setOf({ fast: 3, slow: 7, regime_switch: { ...classifier, by_label: { ranging: { fast: 10, slow: 50 }, trending: { fast: 10, slow: 50 } } } }),
      { storeTrades: true },
    );
    expect(same.metrics).toEqual(plain.metrics);
    expect(same.trades).toEqual(plain.trades);
    const filtered = runBacktest(data, setOf({ fast: 10, slow: 50, regime_filter: { ...classifier, allow: ['trending'] } }), { storeTrades: true });
    const one = runBacktest(data, setOf({ fast: 10, slow: 50, regime_switch: { ...classifier, by_label: { trending: {} } } }), { storeTrades: true });
    expect(one.metrics).toEqual(filtered.metrics);
    expect(one.trades).toEqual(filtered.trades);
    expect(one.metrics.trades).toBeGreaterThan(0);
  });

  it('optimises on each regime (= the gated sweep on its own), then backtests the switched combination', async () => {
    const file = write(
      'regimes.yaml',
      `${base}phases:\n  - name: regimes\n    compose: {type: regime_adaptive, classifier: {type: trend_regime, fast: 20, slow: 100, threshold: 0.02}}\n`,
    );
    const { result } = await runWorkflow(loadWorkflow(file), { out: tmp, executor: 'inline', storage: 'memory' });
    const compose = result.phases[0].compose as ComposeJson;
    expect(compose.iterations.length).toBe(2);
    const byLabel: Record<string, unknown> = {};
    for (const b of compose.iterations[0].branches) {
      const own = await runWorkflow(
        loadWorkflow(
          write(
            `gate-${b.name}.yaml`,
            base.replace('slow: [50, 100]}', `slow: [50, 100], regime_filter: {type: trend_regime, fast: 20, slow: 100, threshold: 0.02, allow: [${b.name}]}}`),
          ),
        ),
        { out: tmp, executor: 'inline', storage: 'memory' },
      );
      expect(b.best!.metrics).toEqual(own.result.phases[0].best!.metrics);
      byLabel[b.name] = { fast: b.best!.params['strategy.fast'], slow: b.best!.params['strategy.slow'] };
    }
    expect(Object.keys(byLabel)).toEqual(['ranging', 'trending']);
    const combined = runBacktest(data, setOf({ fast: 1, slow: 2, regime_switch: { ...classifier, by_label: byLabel } }));
    expect(result.phases[0].best!.metrics).toEqual(metricsJson(combined.metrics));
    expect(result.phases[0].best!.params['strategy.regime_switch']).toEqual({ ...classifier, by_label: byLabel });
  });
});

describe('plugin workflows and config errors', () => {
  it('a workflow exported by a plugin runs: each iteration raises the fast length by one until 3 iterations', async () => {
    const folder = join(tmp, 'plugins');
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, 'step.mjs'),
      `export const stepFast = {
  kind: 'workflow',
  name: 'step_fast',
  description: 'fast + 1 per iteration',
  prepare: (options) => ({ until: options.until ?? 3 }),
  shouldContinue: (result, iteration, o) => iteration + 1 < o.until,
  modifyConfigForNext: (config) => ({ ...config, strategy: { ...config.strategy, fast: config.strategy.fast + 1 } }),
};
`,
    );
    const file = write(
      'plugin-wf.yaml',
      `name: stepping\nplugins: [./plugins]\ndata: {synthetic: {bars: 800, seed: 2}}\nstrategy: {type: sma_crossover, fast: 5, slow: 30}\nresults: {store_trades: false}\nphases:\n  - name: step\n    compose: {type: step_fast, until: 3}\n`,
    );
    const { result } = await runWorkflow(await openWorkflow(file), { out: tmp, executor: 'inline', storage: 'memory' });
    const compose = result.phases[0].compose as ComposeJson;
    expect(compose.iterations.length).toBe(3);
    const cfg = (await openWorkflow(file)).phases[0].validated!.config;
    const data = generateSynthetic({ bars: 800, seed: 2 });
    compose.iterations.forEach((it, i) => {
      const set = parameterSetOf({ ...cfg, strategy: { type: 'sma_crossover', fast: 5 + i, slow: 30 } });
      expect(it.best!.metrics).toEqual(metricsJson(runBacktest(data, set).metrics));
    });
  });

  it('an unknown workflow or a bad option is a config error at its line and column', () => {
    const unknown = write(
      'bad1.yaml',
      `name: bad\ndata: {synthetic: {bars: 100, seed: 1}}\nstrategy: {type: sma_crossover, fast: [5, 6], slow: 30}\nphases:\n  - name: a\n    compose: {type: refin}\n`,
    );
    expect(() => loadWorkflow(unknown)).toThrow(
      `${unknown}:6:21: phases[0].compose.type: unknown composable workflow 'refin' (did you mean 'refine'?); see \`fanfold list workflows\``,
    );
    const option = write(
      'bad2.yaml',
      `name: bad\ndata: {synthetic: {bars: 100, seed: 1}}\nstrategy: {type: sma_crossover, fast: [5, 6], slow: 30}\nphases:\n  - name: a\n    compose: {type: refine, factor: 1.5}\n`,
    );
    expect(() => loadWorkflow(option)).toThrow(`${option}:6:37: phases[0].compose.factor: expected a positive whole number, found 1.5`);
    const branches = write(
      'bad3.yaml',
      `name: bad\ndata: {synthetic: {bars: 100, seed: 1}}\nstrategy: {type: sma_crossover, fast: 5, slow: 30}\nphases:\n  - name: a\n    compose:\n      type: branch\n      branches:\n        - {name: x, changes: 3}\n`,
    );
    expect(() => loadWorkflow(branches)).toThrow(/bad3\.yaml:9:30: phases\[0\]\.compose\.branches\[0\]\.changes: expected a map of dotted key paths/);
    const signals = write(
      'bad4.yaml',
      `name: bad\ndata: {synthetic: {bars: 100, seed: 1}}\nstrategy: {type: sma_crossover, fast: [5, 6], slow: 30}\nphases:\n  - name: a\n    topology: signal_generation\n    compose: {type: refine}\n`,
    );
    expect(() => loadWorkflow(signals)).toThrow(
      `${signals}:7:14: phases[0].compose: a signal_generation phase cannot be composed: compose iterates and branches searches of the backtest and optimization topologies`,
    );
  });
});
