import { describe, expect, it } from 'vitest';
import { EventBus } from '../src/engine/bus.js';
import { Container, runLifecycle, type Component, type LifecyclePhase } from '../src/engine/container.js';
import { barEvent, EventType } from '../src/engine/events.js';
import { LifecycleError } from '../src/errors.js';
import { runBacktest, runBatch } from '../src/topology/run-sets.js';
import { Topology } from '../src/topology/topology.js';
import { closes, makeSet } from './helpers.js';

/**
 * The container lifecycle of DESIGN.md section 4: initialize and start in build order, execute,
 * collect, then in a `finally` stop the started containers and clean up the initialized ones in
 * reverse order; the first error is reported with its container and phase, later ones are kept.
 */

type Hook = 'initialize' | 'start' | 'collect' | 'stop' | 'cleanup';

/** A component that logs `container.phase` for every hook and throws in the hooks listed in `fail`. */
function recorder(container: string, log: string[], fail: readonly Hook[] = [], label = container): Component {
  const hook = (phase: Hook) => () => {
    log.push(`${label}.${phase}`);
    if (fail.includes(phase)) throw new Error(`${label} ${phase} failed`);
  };
  return { name: label, initialize: hook('initialize'), start: hook('start'), collect: hook('collect'), stop: hook('stop'), cleanup: hook('cleanup') };
}

interface Setup {
  readonly log: string[];
  readonly containers: Container[];
  readonly bus: EventBus;
}

/** Containers A, B, C with one recording component each; `fails` says which hooks throw. */
function setup(fails: Partial<Record<'A' | 'B' | 'C', readonly Hook[]>> = {}): Setup {
  const log: string[] = [];
  const containers = (['A', 'B', 'C'] as const).map((n) => new Container(n, [recorder(n, log, fails[n])]));
  return { log, containers, bus: new EventBus() };
}

const executeLogging = (log: string[]) => () => {
  log.push('execute');
};

function lifecycleError(fn: () => void): LifecycleError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(LifecycleError);
    return error as LifecycleError;
  }
  throw new Error('expected a LifecycleError, nothing was thrown');
}

const ALL_INIT = ['A.initialize', 'B.initialize', 'C.initialize'];
const ALL_START = ['A.start', 'B.start', 'C.start'];
const ALL_COLLECT = ['A.collect', 'B.collect', 'C.collect'];
const ALL_STOP = ['C.stop', 'B.stop', 'A.stop'];
const ALL_CLEANUP = ['C.cleanup', 'B.cleanup', 'A.cleanup'];

describe('runLifecycle: order', () => {
  it('initialize A,B,C; start A,B,C; execute; collect A,B,C; stop C,B,A; cleanup C,B,A', () => {
    const { log, containers, bus } = setup();
    runLifecycle(containers, bus, executeLogging(log));
    expect(log).toEqual([...ALL_INIT, ...ALL_START, 'execute', ...ALL_COLLECT, ...ALL_STOP, ...ALL_CLEANUP]);
  });

  it('components inside one container start in order and stop in reverse', () => {
    const log: string[] = [];
    const c = new Container('X', [recorder('X', log, [], 'x1'), recorder('X', log, [], 'x2')]);
    runLifecycle([c], new EventBus(), executeLogging(log));
    expect(log).toEqual([
      'x1.initialize',
      'x2.initialize',
      'x1.start',
      'x2.start',
      'execute',
      'x1.collect',
      'x2.collect',
      'x2.stop',
      'x1.stop',
      'x2.cleanup',
      'x1.cleanup',
    ]);
  });

  it('components without hooks are fine', () => {
    const log: string[] = [];
    runLifecycle([new Container('empty', [{ name: 'nothing' }]), new Container('none', [])], new EventBus(), executeLogging(log));
    expect(log).toEqual(['execute']);
  });

  it('observe sees every container step, in the same order', () => {
    const { log, containers, bus } = setup();
    const seen: string[] = [];
    runLifecycle(containers, bus, executeLogging(log), (c, p) => seen.push(`${c}.${p}`));
    expect(seen.filter((s) => !s.endsWith('.execute'))).toEqual([...ALL_INIT, ...ALL_START, ...ALL_COLLECT, ...ALL_STOP, ...ALL_CLEANUP]);
    expect(seen.filter((s) => s.endsWith('.execute'))).toHaveLength(1);
    expect(seen.indexOf(seen.find((s) => s.endsWith('.execute'))!)).toBe(6);
  });
});

describe('runLifecycle: an error in each phase', () => {
  it('initialize in B: not started, nothing stopped; cleanup A only (B never finished initializing)', () => {
    const { log, containers, bus } = setup({ B: ['initialize'] });
    const e = lifecycleError(() => runLifecycle(containers, bus, executeLogging(log)));
    expect([e.container, e.phase]).toEqual(['B', 'initialize']);
    expect(e.cause).toBeInstanceOf(Error);
    expect((e.cause as Error).message).toBe('B initialize failed');
    expect(e.message).toContain('B');
    expect(e.message).toContain('initialize');
    expect(e.suppressed).toEqual([]);
    expect(log).toEqual(['A.initialize', 'B.initialize', 'A.cleanup']);
  });

  it('start in B: stop A only; cleanup C, B, A', () => {
    const { log, containers, bus } = setup({ B: ['start'] });
    const e = lifecycleError(() => runLifecycle(containers, bus, executeLogging(log)));
    expect([e.container, e.phase]).toEqual(['B', 'start']);
    expect(e.suppressed).toEqual([]);
    expect(log).toEqual([...ALL_INIT, 'A.start', 'B.start', 'A.stop', ...ALL_CLEANUP]);
  });

  it('execute: reported against the container whose handler threw; no collect; everything stopped and cleaned up', () => {
    const { log, containers, bus } = setup();
    bus.subscribe(EventType.BAR, 'A', () => log.push('A.bar'));
    bus.subscribe(EventType.BAR, 'B', (e) => {
      log.push('B.bar');
      if (e.index === 1) throw new Error('B cannot handle bar 1');
    });
    bus.subscribe(EventType.BAR, 'C', () => log.push('C.bar'));
    const ev = barEvent();
    const execute = () => {
      for (let i = 0; i < 3; i++) {
        ev.index = i;
        bus.publish(ev);
      }
    };
    const e = lifecycleError(() => runLifecycle(containers, bus, execute));
    expect([e.container, e.phase]).toEqual(['B', 'execute']);
    expect((e.cause as Error).message).toBe('B cannot handle bar 1');
    expect(log).toEqual([...ALL_INIT, ...ALL_START, 'A.bar', 'B.bar', 'C.bar', 'A.bar', 'B.bar', ...ALL_STOP, ...ALL_CLEANUP]);
  });

  it('execute: an error of the execute step itself still stops and cleans up everything', () => {
    const { log, containers, bus } = setup();
    const e = lifecycleError(() =>
      runLifecycle(containers, bus, () => {
        throw new Error('stream broke');
      }),
    );
    expect(e.phase).toBe('execute');
    expect(log).toEqual([...ALL_INIT, ...ALL_START, ...ALL_STOP, ...ALL_CLEANUP]);
  });

  it('collect in B: stop C, B, A; cleanup C, B, A (C is not collected)', () => {
    const { log, containers, bus } = setup({ B: ['collect'] });
    const e = lifecycleError(() => runLifecycle(containers, bus, executeLogging(log)));
    expect([e.container, e.phase]).toEqual(['B', 'collect']);
    expect(log).toEqual([...ALL_INIT, ...ALL_START, 'execute', 'A.collect', 'B.collect', ...ALL_STOP, ...ALL_CLEANUP]);
  });

  it('stop in B: A is still stopped, everything cleaned up', () => {
    const { log, containers, bus } = setup({ B: ['stop'] });
    const e = lifecycleError(() => runLifecycle(containers, bus, executeLogging(log)));
    expect([e.container, e.phase]).toEqual(['B', 'stop']);
    expect(e.suppressed).toEqual([]);
    expect(log).toEqual([...ALL_INIT, ...ALL_START, 'execute', ...ALL_COLLECT, ...ALL_STOP, ...ALL_CLEANUP]);
  });

  it('cleanup in B: A is still cleaned up', () => {
    const { log, containers, bus } = setup({ B: ['cleanup'] });
    const e = lifecycleError(() => runLifecycle(containers, bus, executeLogging(log)));
    expect([e.container, e.phase]).toEqual(['B', 'cleanup']);
    expect(e.suppressed).toEqual([]);
    expect(log).toEqual([...ALL_INIT, ...ALL_START, 'execute', ...ALL_COLLECT, ...ALL_STOP, ...ALL_CLEANUP]);
  });
});

describe('runLifecycle: later errors are kept in .suppressed', () => {
  it('start in B, then stop in A and cleanup in C: the first error wins, the others are attached in order', () => {
    const { log, containers, bus } = setup({ A: ['stop'], B: ['start'], C: ['cleanup'] });
    const e = lifecycleError(() => runLifecycle(containers, bus, executeLogging(log)));
    expect([e.container, e.phase]).toEqual(['B', 'start']);
    expect(e.suppressed.map((s) => [s.container, s.phase, (s.cause as Error).message])).toEqual([
      ['A', 'stop', 'A stop failed'],
      ['C', 'cleanup', 'C cleanup failed'],
    ]);
    for (const s of e.suppressed) expect(s).toBeInstanceOf(LifecycleError);
    // the failures during stop/cleanup do not cut the teardown short
    expect(log).toEqual([...ALL_INIT, 'A.start', 'B.start', 'A.stop', ...ALL_CLEANUP]);
  });

  it('stop in B then cleanup in B', () => {
    const { log, containers, bus } = setup({ B: ['stop', 'cleanup'] });
    const e = lifecycleError(() => runLifecycle(containers, bus, executeLogging(log)));
    expect([e.container, e.phase]).toEqual(['B', 'stop']);
    expect(e.suppressed.map((s) => [s.container, s.phase])).toEqual([['B', 'cleanup']]);
    expect(log).toEqual([...ALL_INIT, ...ALL_START, 'execute', ...ALL_COLLECT, ...ALL_STOP, ...ALL_CLEANUP]);
  });

  it('execute error, then every stop and cleanup fails: six suppressed errors, in teardown order', () => {
    const all: Hook[] = ['stop', 'cleanup'];
    const { log, containers, bus } = setup({ A: all, B: all, C: all });
    const e = lifecycleError(() =>
      runLifecycle(containers, bus, () => {
        throw new Error('boom');
      }),
    );
    expect(e.phase).toBe('execute');
    expect(e.suppressed.map((s) => `${s.container}.${s.phase}`)).toEqual([...ALL_STOP, ...ALL_CLEANUP]);
    expect(log).toEqual([...ALL_INIT, ...ALL_START, ...ALL_STOP, ...ALL_CLEANUP]);
  });
});

// -------------------------------------------------------------------------------------------------
describe('lifecycle of a real topology', () => {
  const BUILD = ['data', 'features', 'strategy', 'risk', 'portfolio', 'execution'];
  const data = closes([10, 9, 10, 12, 11, 10, 12, 13, 12, 11]);
  const set = makeSet('sma_crossover', { fast: 1, slow: 2 });

  function observed(phases: readonly LifecyclePhase[], run: (observe: (c: string, p: LifecyclePhase) => void) => void): [string, LifecyclePhase][] {
    const seen: [string, LifecyclePhase][] = [];
    run((c, p) => seen.push([c, p]));
    return seen.filter(([, p]) => phases.includes(p));
  }

  const expected = (names: readonly string[]) => [
    ...names.map((c) => [c, 'initialize']),
    ...names.map((c) => [c, 'start']),
    ...[...names].reverse().map((c) => [c, 'stop']),
    ...[...names].reverse().map((c) => [c, 'cleanup']),
  ];

  it('backtest: initialize/start data, features, strategy, risk, portfolio, execution; stop/cleanup in reverse', () => {
    const seen = observed(['initialize', 'start', 'stop', 'cleanup'], (observe) => runBacktest(data, set, { observe }));
    expect(seen).toEqual(expected(BUILD));
  });

  it('collect runs after every start and before the first stop', () => {
    const all: [string, LifecyclePhase][] = [];
    runBacktest(data, set, { observe: (c, p) => all.push([c, p]) });
    const phases = all.map(([, p]) => p);
    const lastStart = phases.lastIndexOf('start');
    const firstStop = phases.indexOf('stop');
    const collects = all.flatMap(([c, p], i) => (p === 'collect' ? [[c, i] as const] : []));
    expect(collects.map(([c]) => c)).toEqual(BUILD);
    for (const [, i] of collects) expect(i > lastStart && i < firstStop).toBe(true);
    const exec = phases.indexOf('execute');
    expect(exec > lastStart && exec < collects[0][1]).toBe(true);
  });

  it('the optimization topology has the same lifecycle', () => {
    const seen = observed(['initialize', 'start', 'stop', 'cleanup'], (observe) => runBatch(data, [set, makeSet('buy_and_hold')], { observe }));
    expect(seen).toEqual(expected(BUILD));
  });

  it('extra containers come after the built ones: initialized last, stopped first', () => {
    const log: string[] = [];
    const tracing = new Container('tracing', [recorder('tracing', log)]);
    const seen = observed(['initialize', 'start', 'stop', 'cleanup'], (observe) => runBacktest(data, set, { observe, extraContainers: [tracing] }));
    expect(seen).toEqual(expected([...BUILD, 'tracing']));
    expect(log).toEqual(['tracing.initialize', 'tracing.start', 'tracing.collect', 'tracing.stop', 'tracing.cleanup']);
  });

  it('an error in an extra container start: LifecycleError(tracing, start); all six built containers stopped and cleaned up', () => {
    const log: string[] = [];
    const tracing = new Container('tracing', [recorder('tracing', log, ['start'])]);
    const seen: [string, LifecyclePhase][] = [];
    const e = lifecycleError(() => runBacktest(data, set, { observe: (c, p) => seen.push([c, p]), extraContainers: [tracing] }));
    expect([e.container, e.phase]).toEqual(['tracing', 'start']);
    expect(seen.filter(([, p]) => p === 'stop').map(([c]) => c)).toEqual([...BUILD].reverse());
    expect(seen.filter(([, p]) => p === 'cleanup').map(([c]) => c)).toEqual(['tracing', ...[...BUILD].reverse()]);
    expect(seen.some(([, p]) => p === 'execute' || p === 'collect')).toBe(false);
  });

  it('an error raised by a bus handler during execute names its container and the execute phase', () => {
    const seen: [string, LifecyclePhase][] = [];
    const tracing = new Container('tracing', [{ name: 'tracer' }]);
    const e = lifecycleError(() =>
      new Topology('backtest', data, [set], {
        observe: (c, p) => seen.push([c, p]),
        extraContainers: [tracing],
        onBus: (bus) =>
          bus.subscribe(EventType.BAR, 'tracing', (b) => {
            if (b.index === 4) throw new Error('tracer full');
          }),
      }).run(),
    );
    expect([e.container, e.phase]).toEqual(['tracing', 'execute']);
    expect((e.cause as Error).message).toBe('tracer full');
    expect(seen.filter(([, p]) => p === 'stop').map(([c]) => c)).toEqual(['tracing', ...[...BUILD].reverse()]);
    expect(seen.filter(([, p]) => p === 'cleanup').map(([c]) => c)).toEqual(['tracing', ...[...BUILD].reverse()]);
  });
});
