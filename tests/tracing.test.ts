import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readTrace, traceTable } from '../src/cli/trace-command.js';
import { openWorkflow } from '../src/coordinator/open.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { EventType } from '../src/engine/events.js';
import { LifecycleError } from '../src/errors.js';
import { generateSignals } from '../src/batch/generate-signals.js';
import { registerStrategy } from '../src/strategies/registry.js';
import type { StrategyDefinition } from '../src/strategies/strategy.js';
import { runBacktest, runBatch } from '../src/topology/run-sets.js';
import { Topology } from '../src/topology/topology.js';
import { ruleFor, safeSegment, traceFolder } from '../src/tracing/settings.js';
import { closes, makeSet } from './helpers.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'src', 'cli', 'main.js');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'fanfold-trace-'));
const lines = (file: string): Record<string, unknown>[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

// Throws at bar 40's close: a run that fails in the middle of execute.
const explode: StrategyDefinition<null> = {
  kind: 'strategy',
  name: 'test_explode',
  description: 'goes long at bar 5, throws at bar 40',
  params: [],
  stateSize: 0,
  prepare: () => null,
  features: () => [],
  signal(_f, _c, bar) {
    if (bar.index === 40) throw new Error('boom at bar 40');
    return bar.index >= 5 ? 1 : NaN;
  },
};
registerStrategy(explode);

describe('event tracing in a topology', () => {
  it("writes each container's events, in causal order, to <trace_dir>/<trace_id>/<container>.jsonl at cleanup", () => {
    const dir = tmp();
    // buy_and_hold signals at bar 0's close and fills at bar 1's open.
    const topology = new Topology('backtest', closes([10, 11, 12]), [makeSet('buy_and_hold')], { trace: { traceId: 't1', traceDir: dir, maxEvents: 100 } });
    const [result] = topology.run();
    const folder = join(dir, 't1');
    expect(readdirSync(folder).sort()).toEqual([
      'data.jsonl',
      'execution.jsonl',
      'features.jsonl',
      'portfolio_0.jsonl',
      'risk.jsonl',
      'strategy.jsonl',
      'symbols.json',
    ]);
    const all = readTrace(folder);
    expect(all.map((l) => `${l.container}:${l.type}`)).toEqual([
      'data:BAR',
      'features:FEATURES',
      'strategy:SIGNAL',
      'risk:ORDER',
      'portfolio_0:PORTFOLIO',
      'data:BAR',
      'execution:FILL',
      'portfolio_0:POSITION',
      'features:FEATURES',
      'portfolio_0:PORTFOLIO',
      'data:BAR',
      'features:FEATURES',
      'portfolio_0:PORTFOLIO',
    ]);
    expect(all.map((l) => l.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    const fill = all[6];
    // 100000 / 11 → 9090 shares at the open of bar 1.
    expect(fill).toMatchObject({
      portfolio: 0,
      symbol: 0,
      index: 1,
      quantity: 9090,
      price: 11,
      commission: 0,
      reason: 'signal',
      target: 1,
      causation: 4,
      correlation: 3,
    });
    expect(all[3]).toMatchObject({ type: 'ORDER', causation: 3, correlation: 3 });
    expect(all[2]).toMatchObject({ type: 'SIGNAL', causation: 2, correlation: 3 });
    expect(all[7]).toMatchObject({ type: 'POSITION', causation: 7, correlation: 3, quantity: 9090 });
    expect(all[12].equity).toBe(result.metrics.final_equity);
  });

  it('keeps at most max_events per container and says how many it dropped', () => {
    const dir = tmp();
    new Topology('backtest', closes([10, 11, 12, 13]), [makeSet('buy_and_hold')], { trace: { traceId: 't2', traceDir: dir, maxEvents: 3 } }).run();
    const data = lines(join(dir, 't2', 'data.jsonl'));
    expect(data).toHaveLength(4);
    expect(data.slice(0, 3).map((l) => l.index)).toEqual([0, 1, 2]);
    expect(data[3]).toEqual({ type: 'TRUNCATED', container: 'data', dropped: 1, max_events: 3 });
    // 4 PORTFOLIO + 1 POSITION events: 3 kept, 2 counted.
    expect(lines(join(dir, 't2', 'portfolio_0.jsonl'))[3]).toEqual({ type: 'TRUNCATED', container: 'portfolio_0', dropped: 2, max_events: 3 });
  });

  it('causation chains are complete: every FILL points at an ORDER, which points at a SIGNAL (or, for a stop, at the BAR)', () => {
    const data = generateSynthetic({ bars: 1500, symbols: ['A', 'B'], seed: 8 });
    const sets = [
      makeSet('sma_crossover', { fast: 5, slow: 20, allow_short: true }, { risk: { stopLoss: 0.03, takeProfit: 0.06, trailingStop: null } }),
      makeSet(
        'rsi_reversion',
        { n: 7 },
        { risk: { stopLoss: null, takeProfit: null, trailingStop: 0.05 }, broker: { fill: 'close', commission: null, slippage: null } },
      ),
    ];
    const check = (folder: string, signalCause: string): void => {
      const all = readTrace(folder);
      // Events carry a symbol's index; symbols.json beside them names it, and the table shows the name.
      const withSymbol = all.filter((e) => typeof e.symbol === 'number');
      expect(new Set(withSymbol.map((e) => `${String(e.symbol)}=${String(e.symbol_name)}`))).toEqual(new Set(['0=A', '1=B']));
      const fillRow = traceTable(all.filter((e) => e.type === 'FILL' && e.symbol === 1).slice(0, 1)).split('\n')[1];
      expect(fillRow.split(/\s+/)).toContain('B');
      expect(fillRow).not.toContain('symbol_name');
      const byId = new Map(all.map((e) => [e.id as number, e]));
      expect(byId.size).toBe(all.length);
      const fills = all.filter((e) => e.type === 'FILL');
      expect(fills.length).toBeGreaterThan(100);
      const reasons = new Set<unknown>();
      for (const f of fills) {
        const order = byId.get(f.causation as number)!;
        expect(order.type).toBe('ORDER');
        expect(order.portfolio).toBe(f.portfolio);
        expect(order.symbol).toBe(f.symbol);
        expect(order.reason).toBe(f.reason);
        expect(f.correlation).toBe(order.correlation);
        const cause = byId.get(order.causation as number)!;
        reasons.add(f.reason);
        if (f.reason === 'signal') {
          expect(cause.type).toBe('SIGNAL');
          expect(order.correlation).toBe(cause.id);
          expect(byId.get(cause.causation as number)!.type).toBe(signalCause);
        } else {
          expect(cause.type).toBe('BAR');
          expect(order.correlation).toBe(order.id);
          expect(cause.index).toBe(f.index);
        }
      }
      expect([...reasons].sort()).toEqual(['signal', 'stop_loss', 'take_profit', 'trailing_stop']);
      for (const p of all.filter((e) => e.type === 'POSITION')) expect(byId.get(p.causation as number)!.type).toBe('FILL');
    };
    const dir = tmp();
    const trace = { traceDir: dir, maxEvents: 1_000_000 };
    runBatch(data, sets, { trace: { ...trace, traceId: 'full' } });
    check(join(dir, 'full'), 'FEATURES');
    // The replay topology keeps the chains; its SIGNALs are caused by the BAR they are replayed at.
    const store = tmp();
    generateSignals(data, sets, { dir: store });
    runBatch(data, sets, { replay: { dir: store }, trace: { ...trace, traceId: 'replay' } });
    check(join(dir, 'replay'), 'BAR');
    // One portfolio container per set, named by its index when the caller gives no trial numbers.
    expect(readdirSync(join(dir, 'replay')).sort()).toEqual([
      'data.jsonl',
      'execution.jsonl',
      'portfolio_0.jsonl',
      'portfolio_1.jsonl',
      'risk.jsonl',
      'signals.jsonl',
      'symbols.json',
    ]);
    for (const set of [0, 1])
      expect(lines(join(dir, 'replay', `portfolio_${set}.jsonl`)).every((e) => e.portfolio === set && e.container === `portfolio_${set}`)).toBe(true);
  });

  it("a run that throws still writes every initialized container's trace", () => {
    const dir = tmp();
    const topology = new Topology('backtest', generateSynthetic({ bars: 100, symbols: ['A'], seed: 1 }), [makeSet('test_explode')], {
      trace: { traceId: 'crash', traceDir: dir, maxEvents: 1000 },
    });
    expect(() => topology.run()).toThrow(LifecycleError);
    const folder = join(dir, 'crash');
    const bars = lines(join(folder, 'data.jsonl'));
    expect(bars.map((b) => b.index)).toEqual(Array.from({ length: 41 }, (_, i) => i));
    expect(lines(join(folder, 'strategy.jsonl')).map((s) => [s.type, s.index, s.target])).toEqual([['SIGNAL', 5, 1]]);
    expect(lines(join(folder, 'execution.jsonl')).map((s) => [s.type, s.index])).toEqual([['FILL', 6]]);
    expect(lines(join(folder, 'portfolio_0.jsonl')).filter((e) => e.type === 'PORTFOLIO')).toHaveLength(40);
  });

  it('trace ids and folder names are sanitised: nothing is written outside trace_dir', () => {
    const parent = tmp();
    const dir = join(parent, 'traces');
    expect(safeSegment('../../x')).toBe('___.._x');
    expect(safeSegment('/etc/passwd')).toBe('_etc_passwd');
    expect(safeSegment('a\u0000b')).toBe('a_b');
    expect(safeSegment('..')).toBe('__');
    expect(safeSegment('')).toBe('_');
    expect(traceFolder({ traceId: '../../x', traceDir: dir, maxEvents: 1, part: ['..', '/abs'] })).toBe(join(dir, '___.._x', '__', '_abs'));
    for (const traceId of ['../../x', '/tmp/abs-escape', 'nul\u0000byte', '..']) {
      new Topology('backtest', closes([10, 11, 12]), [makeSet('buy_and_hold')], { trace: { traceId, traceDir: dir, maxEvents: 10 } }).run();
    }
    expect(readdirSync(parent)).toEqual(['traces']);
    expect(readdirSync(dir).sort()).toEqual(['__', '___.._x', '_tmp_abs-escape', 'nul_byte']);
    expect(existsSync('/tmp/abs-escape')).toBe(false);
    expect(readdirSync(join(dir, '___.._x')).sort()).toEqual([
      'data.jsonl',
      'execution.jsonl',
      'features.jsonl',
      'portfolio_0.jsonl',
      'risk.jsonl',
      'strategy.jsonl',
      'symbols.json',
    ]);
  });

  it('container rules: an exact name wins, then the first matching pattern in the order written, else the defaults', () => {
    const settings = {
      traceId: 'x',
      traceDir: '/t',
      maxEvents: 100,
      containers: [
        ['p*', { events: ['POSITION'] }],
        ['portfolio', { maxEvents: 7 }],
        ['{data,features}', { enabled: false }],
        ['*', { maxEvents: 3 }],
      ] as const,
    };
    const portfolio = ruleFor('portfolio', settings);
    expect([portfolio.pattern, portfolio.maxEvents, [...portfolio.keep]]).toEqual(['portfolio', 7, [1, 1, 1, 1, 1, 1, 1]]);
    const pending = ruleFor('pending', settings);
    expect([pending.pattern, pending.maxEvents, pending.keep[EventType.POSITION], pending.keep[EventType.FILL]]).toEqual(['p*', 100, 1, 0]);
    expect(ruleFor('features', settings).enabled).toBe(false);
    expect([ruleFor('risk', settings).pattern, ruleFor('risk', settings).maxEvents]).toEqual(['*', 3]);
    expect(ruleFor('risk', { ...settings, containers: [] })).toMatchObject({ enabled: true, maxEvents: 100, pattern: null });
  });
});

describe('trace settings from YAML', () => {
  const dir = tmp();
  const traces = join(dir, 'traces');
  const config = join(dir, 'traced.yaml');
  writeFileSync(
    config,
    `name: traced
data: {synthetic: {bars: 300, symbols: [A], seed: 3}}
strategy: {type: sma_crossover, fast: 5, slow: 20}
risk: {stop_loss: 0.03}
execution:
  executor: inline
  enable_event_tracing: true
  trace_settings:
    trace_id: ../../escape
    trace_dir: ${traces}
    max_events: 50
    container_settings:
      'p*': {events: [POSITION]}
      portfolio_0: {events: [PORTFOLIO], max_events: 7}
      '{data,features}': {max_events: 9}
      risk: {enabled: false}
      '*': {events: [FILL]}
`,
  );

  it('reach each container: per-pattern enable/disable, event types and max_events, counted in the written files', async () => {
    const logs: string[] = [];
    await runWorkflow(await openWorkflow(config), { out: join(dir, 'runs'), log: (l) => logs.push(l) });
    expect(logs.filter((l) => l.includes('matches no container'))).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['runs', 'traced.yaml', 'traces']);
    const folder = join(traces, '___.._escape', 'traced', '0-300_t0-0');
    expect(readdirSync(folder).sort()).toEqual(['data.jsonl', 'execution.jsonl', 'features.jsonl', 'portfolio_0.jsonl', 'strategy.jsonl', 'symbols.json']);
    const data = lines(join(folder, 'data.jsonl'));
    expect(data).toHaveLength(10);
    expect(data[9]).toEqual({ type: 'TRUNCATED', container: 'data', dropped: 291, max_events: 9 });
    expect(lines(join(folder, 'features.jsonl'))[9]).toEqual({ type: 'TRUNCATED', container: 'features', dropped: 291, max_events: 9 });
    // The exact name beats the earlier 'p*': only PORTFOLIO events, 7 of them kept.
    const portfolio = lines(join(folder, 'portfolio_0.jsonl'));
    expect(portfolio.map((e) => e.type)).toEqual([...Array(7).fill('PORTFOLIO'), 'TRUNCATED']);
    expect(portfolio[7]).toEqual({ type: 'TRUNCATED', container: 'portfolio_0', dropped: 293, max_events: 7 });
    // '*' keeps FILLs only: the strategy publishes none, execution all of its fills (under the trace's 50).
    expect(lines(join(folder, 'strategy.jsonl'))).toEqual([]);
    const fills: number[] = [];
    runBacktest(
      generateSynthetic({ bars: 300, symbols: ['A'], seed: 3 }),
      makeSet('sma_crossover', { fast: 5, slow: 20 }, { risk: { stopLoss: 0.03, takeProfit: null, trailingStop: null } }),
      {
        onBus: (bus) => bus.observe(EventType.FILL, 't', (f) => fills.push(f.index)),
      },
    );
    const traced = lines(join(folder, 'execution.jsonl'));
    expect(fills.length).toBeGreaterThan(10);
    expect(fills.length).toBeLessThan(50);
    expect(traced.map((f) => f.index)).toEqual(fills);
    expect(traced.every((f) => f.type === 'FILL' && f.container === 'execution')).toBe(true);
  });

  it('fanfold trace prints a trace as a table or JSON lines, filtered by type, container glob and limit', () => {
    const folder = join(traces, '___.._escape');
    const fills = readTrace(folder, { types: ['fill'] });
    expect(fills.length).toBeGreaterThan(10);
    expect(readTrace(folder, { container: 'p*' }).map((e) => e.container)).toEqual(Array(8).fill('portfolio_0'));
    expect(readTrace(folder, { limit: 3 }).map((e) => e.type)).toEqual(['BAR', 'FEATURES', 'PORTFOLIO']);
    const json = spawnSync(process.execPath, [CLI, 'trace', folder, '--type', 'FILL', '--json'], { encoding: 'utf8' });
    expect(json.status).toBe(0);
    const printed = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(printed.map((e) => [e.id, e.index, e.quantity])).toEqual(fills.map((e) => [e.id, e.index, e.quantity]));
    const table = spawnSync(process.execPath, [CLI, 'trace', folder, '--container', 'data', '--limit', '2'], { encoding: 'utf8' });
    expect(table.status).toBe(0);
    const rows = table.stdout.trimEnd().split('\n');
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^id\s+cause\s+corr\s+container\s+type\s+bar\s+trial\s+set\s+sym\s+details$/);
    expect(rows[1]).toMatch(/^1\s+0\s+1\s+data\s+BAR\s+0\s+time=2000-01-03T00:00:00\.000Z$/);
    expect(traceTable(readTrace(folder, { container: 'data', limit: 2 }))).toBe(table.stdout.trimEnd());
    const bad = spawnSync(process.execPath, [CLI, 'trace', folder, '--type', 'NOPE'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown event type 'NOPE'/);
  });

  it("a monte_carlo phase traces the best set's backtest its resamples are drawn from", async () => {
    const d = tmp();
    const file = join(d, 'mc.yaml');
    writeFileSync(
      file,
      `name: mc\ndata: {synthetic: {bars: 300, symbols: [A], seed: 6}}\nstrategy: {type: sma_crossover, fast: [5, 10], slow: 30}\nsequence: {type: monte_carlo, paths: 20, seed: 1}\nexecution: {executor: inline, enable_event_tracing: true, trace_settings: {trace_id: m, trace_dir: ${join(d, 'tr')}, container_settings: {'{data,features,strategy,risk}': {enabled: false}}}}\n`,
    );
    const { result } = await runWorkflow(await openWorkflow(file), { out: join(d, 'runs') });
    const best = result.phases[0].best!;
    const trial = best.params['strategy.fast'] === 5 ? 0 : 1;
    const folder = join(d, 'tr', 'm', 'mc', '0-300_monte_carlo');
    expect(readdirSync(folder).sort()).toEqual(['execution.jsonl', `portfolio_${trial}.jsonl`, 'symbols.json']);
    const marks = lines(join(folder, `portfolio_${trial}.jsonl`)).filter((e) => e.type === 'PORTFOLIO');
    expect(marks.every((e) => e.trial === trial)).toBe(true);
    expect(marks.at(-1)!.equity).toBe(best.metrics.final_equity);
  });

  it('a failing trial still leaves its trace (the run goes on)', async () => {
    const d = tmp();
    const file = join(d, 'boom.yaml');
    writeFileSync(
      file,
      `name: boom\ndata: {synthetic: {bars: 100, symbols: [A], seed: 1}}\nstrategy: {type: test_explode}\nexecution: {executor: inline, enable_event_tracing: true, trace_settings: {trace_id: b, trace_dir: ${join(d, 'tr')}}}\n`,
    );
    const { result } = await runWorkflow(await openWorkflow(file), { out: join(d, 'runs') });
    expect(result.phases[0].failed).toBe(1);
    expect(result.phases[0].failures![0].error).toMatch(/boom at bar 40/);
    const bars = lines(join(d, 'tr', 'b', 'boom', '0-100_t0-0', 'data.jsonl'));
    expect(bars.at(-1)).toMatchObject({ type: 'BAR', index: 40 });
  });

  it('a pattern that matches no container of the topology is reported, and does not apply', async () => {
    const d = tmp();
    const file = join(d, 'typo.yaml');
    writeFileSync(
      file,
      `name: typo\ndata: {synthetic: {bars: 50, symbols: [A], seed: 1}}\nstrategy: {type: buy_and_hold}\nexecution: {executor: inline, enable_event_tracing: true, trace_settings: {trace_id: y, trace_dir: ${join(d, 'tr')}, container_settings: {'portfolios*': {enabled: false}, 'portfolio_{5,900}': {enabled: false}}}}\n`,
    );
    const logs: string[] = [];
    await runWorkflow(await openWorkflow(file), { out: join(d, 'runs'), log: (l) => logs.push(l) });
    // 'portfolio_{5,900}' names per-set containers (a sweep's trials 5 and 900): not reported.
    expect(logs.filter((l) => l.includes('matches no container'))).toEqual([
      "phase typo: trace_settings.container_settings: 'portfolios*' matches no container of the backtest topology (data, features, strategy, risk, portfolio_<trial>, execution)",
    ]);
    expect(readdirSync(join(d, 'tr', 'y', 'typo', '0-50_t0-0'))).toContain('portfolio_0.jsonl');
  });

  it("a sweep's portfolio containers are named by trial: portfolio_* matches them all, an exact name one", async () => {
    const d = tmp();
    const file = join(d, 'sweep.yaml');
    const traces = join(d, 'tr');
    // 2 × 3 = 6 trials; batches of at most 4 sets: trials 0–3, then 4–5.
    writeFileSync(
      file,
      `name: per_set\ndata: {synthetic: {bars: 200, symbols: [A], seed: 4}}\nstrategy: {type: sma_crossover, fast: [5, 10], slow: [20, 30, 40]}\nexecution:\n  executor: inline\n  enable_event_tracing: true\n  trace_settings:\n    trace_id: s\n    trace_dir: ${traces}\n    container_settings:\n      portfolio_4: {events: [FILL, POSITION]}\n      'portfolio_*': {enabled: false}\n      '{data,features,strategy,risk,execution}': {enabled: false}\n`,
    );
    const logs: string[] = [];
    const { result } = await runWorkflow(await openWorkflow(file), { out: join(d, 'runs'), maxBatch: 4, log: (l) => logs.push(l) });
    expect(result.phases[0].trials).toBe(6);
    expect(logs.filter((l) => l.includes('matches no container'))).toEqual([]);
    const root = join(traces, 's', 'per_set');
    // The first batch traces nothing, so it writes no folder.
    expect(readdirSync(root).sort()).toEqual(['0-200_t4-5']);
    expect(readdirSync(join(root, '0-200_t4-5')).sort()).toEqual(['portfolio_4.jsonl', 'symbols.json']);
    // Trial 4 is the first set of its batch: its events carry portfolio index 0 and the container of trial 4.
    const events = readTrace(root, { container: 'portfolio_*' });
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.container === 'portfolio_4' && e.portfolio === 0 && e.trial === 4 && e.type === 'POSITION')).toBe(true);
    // Trial 4 is fast 10 × slow 30 (the first dimension varies slowest); its POSITION events are its backtest's fills.
    const fills: number[] = [];
    runBacktest(generateSynthetic({ bars: 200, symbols: ['A'], seed: 4 }), makeSet('sma_crossover', { fast: 10, slow: 30 }), {
      onBus: (bus) => bus.observe(EventType.FILL, 't', (f) => fills.push(f.index)),
    });
    expect(events.map((e) => e.index)).toEqual(fills);
  });
});
