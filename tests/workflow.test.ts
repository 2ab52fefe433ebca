import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveTemplates } from '../src/config/templates.js';
import { loadWorkflow } from '../src/config/workflow.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';
import { loadMarketData } from '../src/data/load.js';
import type { MarketData } from '../src/data/series.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { type ParameterSet, type Sizing, METRIC_NAMES } from '../src/types.js';
import { ConfigError, UserError } from '../src/errors.js';
import { metricsJson, type MetricsJson, type PhaseJson, type RunJson } from '../src/contract.js';
import { runBacktest, runBatch } from '../src/topology/run-sets.js';
import { makeSet } from './helpers.js';

/**
 * Workflows end to end (DESIGN.md sections 1, 6, 7): the phase DAG, conditions and skipped phases,
 * `inputs.params` and `${...}` templates, the train_test sequence, and the seed's criterion: a grid
 * sweep declared in YAML gives, trial for trial and bit for bit, what the programmatic API gives for
 * the same parameter sets built by hand in the documented grid order.
 */

const WF = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'workflows', 'workflow');
const fx = (name: string): string => join(WF, name);
const TTRC = '/work/shared/data/ttrc.csv';
const TTRC_BARS = 5550;
const out = mkdtempSync(join(tmpdir(), 'fanfold-workflow-'));
let runs = 0;

async function run(
  file: string,
  sets: string[] = [],
  log?: (line: string) => void,
): Promise<{ phases: PhaseJson[]; byName: (n: string) => PhaseJson; dir: string }> {
  const { result } = await runWorkflow(loadWorkflow(fx(file), sets), { out, runId: `r${runs++}`, log });
  const byName = (n: string): PhaseJson => {
    const p = result.phases.find((x) => x.name === n);
    if (!p) throw new Error(`no phase ${n}`);
    return p;
  };
  return { phases: result.phases, byName, dir: result.results_dir };
}

/** Every metric identical (Object.is): bit for bit, null for null. */
function expectSameBits(actual: MetricsJson, expected: MetricsJson, label = ''): void {
  expect(Object.keys(actual).sort(), label).toEqual([...METRIC_NAMES].sort());
  for (const m of METRIC_NAMES) expect(Object.is(actual[m], expected[m]), `${label} ${m}: ${actual[m]} vs ${expected[m]}`).toBe(true);
}

/** Index of the best run: argmax (or argmin) of the objective among runs with a value and enough trades; ties → the earlier run. */
function bestIndex(list: readonly RunJson[], metric: keyof MetricsJson, minTrades = 0, direction: 'max' | 'min' = 'max'): number {
  let best = -1;
  list.forEach((r, i) => {
    const v = r.metrics[metric];
    if (v === null || (r.metrics.trades ?? 0) < minTrades) return;
    const b = best < 0 ? null : (list[best].metrics[metric] as number);
    if (b === null || (direction === 'max' ? v > b : v < b)) best = i;
  });
  return best;
}

let ttrc: MarketData;
beforeAll(async () => {
  ttrc = await loadMarketData({ path: TTRC }, '/');
});

// -------------------------------------------------------------------------------------------------
describe('phase DAG', () => {
  // Rule (checkGraph): phases are taken in file order, and each is preceded by its dependencies not
  // yet placed (depth-first, in depends_on order): dependencies first, otherwise file order.
  it('declared c, a, b with c depending on b: b, c, a', async () => {
    const wf = loadWorkflow(fx('dag.yaml'));
    expect(wf.phases.map((p) => p.name)).toEqual(['b', 'c', 'a']);
    expect(wf.phases.map((p) => p.index)).toEqual([2, 0, 1]);
    const { phases } = await run('dag.yaml');
    expect(phases.map((p) => p.name)).toEqual(['b', 'c', 'a']);
    for (const p of phases) expect(p.trials).toBe(1);
  });

  it('several dependencies are placed in depends_on order, each before the phase that needs it', () => {
    // declared: report(confirm, sweep), other, confirm(sweep), sweep, last(other)
    expect(loadWorkflow(fx('dag2.yaml')).phases.map((p) => p.name)).toEqual(['sweep', 'confirm', 'report', 'other', 'last']);
  });

  it('cycles and unknown dependencies are config errors', () => {
    let error: unknown;
    try {
      loadWorkflow(fx('cycle.yaml'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const messages = (error as ConfigError).issues.map((i) => i.message);
    expect(messages).toContain('depends_on cycle: a → b → a');
    expect(messages.some((m) => m.startsWith("unknown phase 'nope'"))).toBe(true);
  });
});

// -------------------------------------------------------------------------------------------------
describe('conditions', () => {
  it('a false condition skips the phase (with the reason) and every phase depending on it', async () => {
    const lines: string[] = [];
    const { phases, byName, dir } = await run('conditions.yaml', [], (l) => lines.push(l));
    expect(phases.map((p) => p.name)).toEqual(['sweep', 'gate', 'after_gate', 'open']);
    const gate = byName('gate');
    expect(gate.skipped).toBe("condition 'sweep.trials > 100' is false");
    expect(gate.trials).toBe(0);
    expect(gate.failed).toBe(0);
    expect(gate.runs).toBeUndefined();
    expect(gate.best).toBeUndefined();
    const after = byName('after_gate');
    expect(after.skipped).toBe("depends on skipped phase 'gate'");
    expect(after.trials).toBe(0);
    expect(after.runs).toBeUndefined();
    expect(lines).toContain("phase gate: skipped (condition 'sweep.trials > 100' is false)");
    // every condition true: the phase runs
    const open = byName('open');
    expect(open.skipped).toBeUndefined();
    expect(open.trials).toBe(1);
    expect(open.runs![0].params).toEqual({});
    // it ran strategy.fast 10 on the same data: the sweep's second trial, bit for bit
    const sweep = byName('sweep');
    expect(sweep.runs!.map((r) => r.params)).toEqual([{ 'strategy.fast': 5 }, { 'strategy.fast': 10 }]);
    expectSameBits(open.runs![0].metrics, sweep.runs![1].metrics, 'open');
    // and the JSON document is in run.json
    const saved = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    expect(saved.status).toBe('completed');
    expect(saved.result.phases.find((p: PhaseJson) => p.name === 'gate').skipped).toBe("condition 'sweep.trials > 100' is false");
  });
});

// -------------------------------------------------------------------------------------------------
describe('inputs.params and templates', () => {
  let res: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    res = await run('inputs.yaml');
  });

  it('the sweep’s best is the argmax of sharpe over its 6 trials', () => {
    const sweep = res.byName('sweep');
    expect(sweep.trials).toBe(6);
    const i = bestIndex(sweep.runs!, 'sharpe');
    expect(sweep.best).toEqual({ params: sweep.runs![i].params, metrics: sweep.runs![i].metrics });
    expect(sweep.best!.params).toEqual({ 'strategy.fast': 10, 'strategy.slow': 50 });
  });

  it('inputs: {params: "${sweep.best.params}"} runs exactly the sweep’s best parameters', () => {
    const sweep = res.byName('sweep');
    const confirm = res.byName('confirm');
    expect(confirm.topology).toBe('backtest');
    expect(confirm.trials).toBe(1);
    expect(confirm.runs).toHaveLength(1);
    expect(confirm.runs![0].params).toEqual({});
    expectSameBits(confirm.runs![0].metrics, sweep.best!.metrics, 'confirm');
    expect(confirm.best).toEqual({ params: {}, metrics: confirm.runs![0].metrics });
    // and it is what the programmatic backtest of that set gives
    const set = makeSet('sma_crossover', { fast: 10, slow: 50 }, { broker: { commission: { kind: 'percent', value: 0.001 } } });
    expectSameBits(confirm.runs![0].metrics, metricsJson(runBacktest(ttrc, set).metrics), 'runBacktest');
  });

  it('"${sweep.best.params.strategy.fast}" as a value takes the number itself', () => {
    const wf = loadWorkflow(fx('inputs.yaml'));
    const decl = wf.phases.find((p) => p.name === 'by_template')!;
    expect(decl.validated).toBeNull(); // validated only once the templates are resolved
    expect(decl.templated).toEqual([
      ['strategy', 'fast'],
      ['strategy', 'slow'],
    ]);
    const p = res.byName('by_template');
    expect(p.trials).toBe(1);
    expect(p.runs![0].params).toEqual({});
    expectSameBits(p.runs![0].metrics, res.byName('sweep').best!.metrics, 'by_template');
  });

  it('a template inside longer text is replaced by the value’s text (a constraint picking the best fast)', () => {
    const p = res.byName('by_text');
    expect(p.trials).toBe(1);
    expect(p.runs!.map((r) => r.params)).toEqual([{ 'strategy.fast': 10 }]);
    expectSameBits(p.runs![0].metrics, res.byName('sweep').best!.metrics, 'by_text');
    const outputs = new Map([['s', { best: { params: { 'strategy.fast': 10 }, metrics: { sharpe: 0.5 } }, trials: 6, failed: 0 }]]);
    expect(resolveTemplates({ a: 'fast=${s.best.params.strategy.fast}', b: '${s.trials}', c: '${s.best.params}' }, outputs, () => 'missing')).toEqual({
      a: 'fast=10',
      b: 6,
      c: { 'strategy.fast': 10 },
    });
  });

  it('a phase whose input phase found no best set fails with a user error', async () => {
    await expect(run('inputs.yaml', ['search.min_trades=100000'])).rejects.toThrow(UserError);
    await expect(run('inputs.yaml', ['search.min_trades=100000'])).rejects.toThrow("phase 'confirm': inputs.params: phase 'sweep' found no best set");
  });
});

// -------------------------------------------------------------------------------------------------
describe('train_test on ttrc.csv (5,550 bars, 1985-01-02 to 2006-12-29)', () => {
  const setOf = (params: Record<string, unknown>): ParameterSet =>
    makeSet(
      'sma_crossover',
      { fast: params['strategy.fast'] as number, slow: params['strategy.slow'] as number },
      { broker: { commission: { kind: 'percent', value: 0.001 } } },
    );
  const grid: [number, number][] = [5, 10, 20].flatMap((f) => [50, 100].map((s) => [f, s] as [number, number]));

  async function windowOf(sets: string[]): Promise<PhaseJson> {
    const { phases } = await run('train-test.yaml', sets);
    expect(phases).toHaveLength(1);
    expect(phases[0].sequence).toBe('train_test');
    expect(phases[0].windows).toHaveLength(1);
    return phases[0];
  }

  it('split 0.7: 70 % of 5,550 bars is 3,885 train bars', async () => {
    const w = (await windowOf([])).windows![0];
    expect(w.train).toEqual([0, 3885]);
    expect(w.test).toEqual([3885, TTRC_BARS]);
    expect(w.train_dates).toEqual(['1985-01-02', '2000-05-16']);
    expect(w.test_dates).toEqual(['2000-05-17', '2006-12-29']);
    // `sequence: train_test` alone defaults to split 0.7
    expect((await windowOf(['sequence=train_test'])).windows![0].train).toEqual([0, 3885]);
  });

  it('train_bars: 4000', async () => {
    const w = (await windowOf(['sequence={type: train_test, train_bars: 4000}'])).windows![0];
    expect(w.train).toEqual([0, 4000]);
    expect(w.test).toEqual([4000, TTRC_BARS]);
    expect(w.train_dates).toEqual(['1985-01-02', '2000-10-27']);
    expect(w.test_dates).toEqual(['2000-10-30', '2006-12-29']);
  });

  it('train_end (a date): the test window starts at the first bar on or after it', async () => {
    // 2000-01-03 is line 3,793 of the file: bar 3,791
    const w = (await windowOf(['sequence={type: train_test, train_end: "2000-01-03"}'])).windows![0];
    expect(w.train).toEqual([0, 3791]);
    expect(w.test).toEqual([3791, TTRC_BARS]);
    expect(w.train_dates).toEqual(['1985-01-02', '1999-12-31']);
    expect(w.test_dates).toEqual(['2000-01-03', '2006-12-29']);
    // a Saturday: the first bar after it is the same Monday
    expect((await windowOf(['sequence={type: train_test, train_end: "2000-01-01"}'])).windows![0].train).toEqual([0, 3791]);
  });

  for (const [label, sets, split] of [
    ['train_bars: 4000', ['sequence={type: train_test, train_bars: 4000}'], 4000],
    ['train_end: 2000-01-03', ['sequence={type: train_test, train_end: "2000-01-03"}'], 3791],
  ] as const) {
    it(`${label}: the search runs on the train window, test_metrics = runBacktest(best set, test window)`, async () => {
      const phase = await windowOf([...sets]);
      const w = phase.windows![0];
      // the train search, trial for trial, equals the programmatic batch on the train window
      const train = runBatch(
        ttrc,
        grid.map(([f, s]) => setOf({ 'strategy.fast': f, 'strategy.slow': s })),
        { window: { start: 0, end: split } },
      );
      expect(phase.runs!.map((r) => r.params)).toEqual(grid.map(([f, s]) => ({ 'strategy.fast': f, 'strategy.slow': s })));
      phase.runs!.forEach((r, i) => expectSameBits(r.metrics, metricsJson(train[i].metrics), `train ${i}`));
      // best on the train window
      const i = bestIndex(phase.runs!, 'sharpe');
      expect(w.best).toEqual({ params: phase.runs![i].params, metrics: phase.runs![i].metrics });
      expect(phase.best).toEqual(w.best);
      // the best set out of sample
      const test = runBacktest(ttrc, setOf(w.best!.params), { window: { start: split, end: TTRC_BARS } });
      expect(w.test_metrics).not.toBeNull();
      expectSameBits(w.test_metrics!, metricsJson(test.metrics), 'test');
      expect(w.test_metrics!.trades).toBeGreaterThan(0);
    });
  }
});

// -------------------------------------------------------------------------------------------------
describe('parity: a YAML grid sweep equals the programmatic API, trial for trial, bit for bit', () => {
  function expectParity(phase: PhaseJson, expected: { params: Record<string, unknown>; set: ParameterSet }[], data: MarketData): void {
    const api = runBatch(
      data,
      expected.map((e) => e.set),
    );
    expect(phase.trials).toBe(expected.length);
    expect(phase.failed).toBe(0);
    expect(phase.runs).toHaveLength(expected.length);
    expect(phase.runs!.map((r) => r.params)).toEqual(expected.map((e) => e.params));
    phase.runs!.forEach((r, i) => expectSameBits(r.metrics, metricsJson(api[i].metrics), `trial ${i} ${JSON.stringify(r.params)}`));
    // a few spot checks against one backtest per set
    for (const i of [0, expected.length - 1]) expectSameBits(phase.runs![i].metrics, metricsJson(runBacktest(data, expected[i].set).metrics), `backtest ${i}`);
  }

  /** fast range(10, 40, 10) × slow [30, 50] × risk.stop_loss [null, 0.05], fast < slow, in grid order. */
  function ttrcSets(): { params: Record<string, unknown>; set: ParameterSet }[] {
    const list: { params: Record<string, unknown>; set: ParameterSet }[] = [];
    for (const fast of [10, 20, 30, 40])
      for (const slow of [30, 50])
        for (const stopLoss of [null, 0.05]) {
          if (!(fast < slow)) continue;
          list.push({
            params: { 'strategy.fast': fast, 'strategy.slow': slow, 'risk.stop_loss': stopLoss },
            set: makeSet('sma_crossover', { fast, slow }, { risk: { stopLoss }, broker: { commission: { kind: 'percent', value: 0.001 } } }),
          });
        }
    return list;
  }

  it('ttrc.csv: 12 trials (16 points, 4 rejected by fast < slow)', async () => {
    const expected = ttrcSets();
    expect(expected).toHaveLength(12);
    const { phases } = await run('parity-ttrc.yaml');
    expect(phases[0].topology).toBe('optimization');
    expect(phases[0].sequence).toBe('single_pass');
    expectParity(phases[0], expected, ttrc);
    const i = bestIndex(phases[0].runs!, 'sharpe');
    expect(phases[0].best).toEqual({ params: phases[0].runs![i].params, metrics: phases[0].runs![i].metrics });
  });

  it('ttrc.csv: best is the argmax of sharpe among trials with at least search.min_trades trades', async () => {
    const unconstrained = (await run('parity-ttrc.yaml')).phases[0];
    const top = bestIndex(unconstrained.runs!, 'sharpe');
    const topTrades = unconstrained.runs![top].metrics.trades!;
    expect(topTrades).toBeGreaterThan(0);
    // "at least": a trial with exactly min_trades trades can still be best
    const atLeast = (await run('parity-ttrc.yaml', [`search.min_trades=${topTrades}`])).phases[0];
    expect(atLeast.best).toEqual(unconstrained.best);
    // one more trade required excludes the unconstrained best
    const min = topTrades + 1;
    const constrained = (await run('parity-ttrc.yaml', [`search.min_trades=${min}`])).phases[0];
    expectParity(constrained, ttrcSets(), ttrc); // min_trades changes the best, never the trials
    const i = bestIndex(constrained.runs!, 'sharpe', min);
    expect(i).not.toBe(top);
    expect(i).toBeGreaterThanOrEqual(0);
    expect(constrained.runs![i].metrics.trades).toBeGreaterThanOrEqual(min);
    expect(constrained.best).toEqual({ params: constrained.runs![i].params, metrics: constrained.runs![i].metrics });
    expect(constrained.best!.params).not.toEqual(unconstrained.best!.params);
  });

  /** fast [5,10,20] × slow [40,80] × trigger [cross, level] × risk.sizing [{percent_equity: 0.9}, {fixed: 100}]. */
  function syntheticSets(): { params: Record<string, unknown>; set: ParameterSet }[] {
    const list: { params: Record<string, unknown>; set: ParameterSet }[] = [];
    const sizings: [Record<string, number>, Sizing][] = [
      [{ percent_equity: 0.9 }, { kind: 'percent_equity', value: 0.9 }],
      [{ fixed: 100 }, { kind: 'fixed', value: 100 }],
    ];
    for (const fast of [5, 10, 20])
      for (const slow of [40, 80])
        for (const trigger of ['cross', 'level'])
          for (const [json, sizing] of sizings)
            list.push({
              params: { 'strategy.fast': fast, 'strategy.slow': slow, 'strategy.trigger': trigger, 'risk.sizing': json },
              set: makeSet(
                'sma_crossover',
                { fast, slow, trigger },
                { capital: 50_000, risk: { sizing }, broker: { commission: { kind: 'per_share', value: 0.01 }, slippage: { kind: 'percent', value: 0.0005 } } },
              ),
            });
    return list;
  }

  it('synthetic data: 24 trials with a variant dimension (risk.sizing) and a string dimension', async () => {
    const data = generateSynthetic({ bars: 2500, seed: 11 });
    const { phases } = await run('parity-synthetic.yaml');
    expectParity(phases[0], syntheticSets(), data);
    const i = bestIndex(phases[0].runs!, 'sharpe');
    expect(phases[0].best).toEqual({ params: phases[0].runs![i].params, metrics: phases[0].runs![i].metrics });
  });

  it('synthetic data: min_trades picks the argmax among the trials with enough trades', async () => {
    const unconstrained = (await run('parity-synthetic.yaml')).phases[0];
    const top = bestIndex(unconstrained.runs!, 'sharpe');
    const min = unconstrained.runs![top].metrics.trades! + 1;
    const p = (await run('parity-synthetic.yaml', [`search.min_trades=${min}`])).phases[0];
    const i = bestIndex(p.runs!, 'sharpe', min);
    expect(i).not.toBe(top);
    expect(p.best).toEqual({ params: p.runs![i].params, metrics: p.runs![i].metrics });
  });

  it('direction: min takes the argmin', async () => {
    const p = (await run('parity-synthetic.yaml', ['search.objective=max_drawdown', 'search.direction=min'])).phases[0];
    const i = bestIndex(p.runs!, 'max_drawdown', 0, 'min');
    expect(p.best).toEqual({ params: p.runs![i].params, metrics: p.runs![i].metrics });
  });

  it('ties go to the lower grid index', async () => {
    const p = (await run('ties.yaml')).phases[0];
    expect(p.runs).toHaveLength(12);
    // risk.take_profit [99, null] varies fastest: trials 2k and 2k+1 are identical
    for (let k = 0; k < 12; k += 2) {
      expect(p.runs![k].params['risk.take_profit']).toBe(99);
      expect(p.runs![k + 1].params['risk.take_profit']).toBeNull();
      expectSameBits(p.runs![k].metrics, p.runs![k + 1].metrics, `pair ${k}`);
    }
    const i = bestIndex(p.runs!, 'sharpe');
    expect(i % 2).toBe(0);
    expect(p.best).toEqual({ params: p.runs![i].params, metrics: p.runs![i].metrics });
    expect(p.best!.params['risk.take_profit']).toBe(99);
  });

  it('the run directory holds run.json with the result', async () => {
    const { dir, phases } = await run('ties.yaml');
    expect(existsSync(join(dir, 'run.json'))).toBe(true);
    const saved = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    expect(saved.status).toBe('completed');
    expect(saved.result.phases[0].best).toEqual(JSON.parse(JSON.stringify(phases[0].best)));
  });
});
