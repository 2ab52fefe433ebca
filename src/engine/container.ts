import { LifecycleError } from '../errors.js';
import type { EventBus } from './bus.js';

export type LifecyclePhase = 'initialize' | 'start' | 'execute' | 'collect' | 'stop' | 'cleanup';

/** A unit inside a container; each hook is optional. */
export interface Component {
  readonly name: string;
  initialize?(): void;
  start?(): void;
  /** Reads results while the container still runs (after execute). */
  collect?(): void;
  stop?(): void;
  cleanup?(): void;
}

/** A named group of components sharing one lifecycle. */
export class Container {
  constructor(
    readonly name: string,
    readonly components: readonly Component[],
  ) {}

  run(phase: 'initialize' | 'start' | 'collect' | 'stop' | 'cleanup'): void {
    if (phase !== 'stop' && phase !== 'cleanup') {
      for (const c of this.components) c[phase]?.();
      return;
    }
    // Every component stops and cleans up even when one before it throws (a tracer must still
    // write its buffer); the first error is rethrown afterwards.
    let failed = false;
    let first: unknown;
    for (let i = this.components.length - 1; i >= 0; i--) {
      try {
        this.components[i][phase]?.();
      } catch (error) {
        if (!failed) first = error;
        failed = true;
      }
    }
    if (failed) throw first;
  }
}

/**
 * The 6-phase lifecycle of DESIGN.md section 4: initialize and start every container in build order,
 * execute, collect, then — in a `finally` — stop the started containers and clean up the initialized
 * ones in reverse order. The first error is rethrown as a LifecycleError naming its container and
 * phase; errors raised while stopping or cleaning up after it are attached, not lost.
 */
export function runLifecycle(
  containers: readonly Container[],
  bus: EventBus,
  execute: () => void,
  observe?: (container: string, phase: LifecyclePhase) => void,
): void {
  const initialized: Container[] = [];
  const started: Container[] = [];
  let failure: LifecycleError | null = null;
  const record = (container: string, phase: LifecyclePhase, error: unknown): void => {
    const wrapped = error instanceof LifecycleError ? error : new LifecycleError(container, phase, error);
    if (failure === null) failure = wrapped;
    else failure.suppressed.push(wrapped);
  };
  const step = (c: Container, phase: 'initialize' | 'start' | 'collect'): void => {
    observe?.(c.name, phase);
    c.run(phase);
  };
  let phase: LifecyclePhase = 'initialize';
  let at = '';
  try {
    for (const c of containers) {
      at = c.name;
      step(c, 'initialize');
      initialized.push(c);
    }
    phase = 'start';
    for (const c of containers) {
      at = c.name;
      step(c, 'start');
      started.push(c);
    }
    phase = 'execute';
    bus.current = containers[0]?.name ?? '';
    observe?.('*', 'execute');
    execute();
    phase = 'collect';
    for (const c of containers) {
      at = c.name;
      step(c, 'collect');
    }
  } catch (error) {
    record(phase === 'execute' ? bus.current : at, phase, error);
  } finally {
    for (const [list, p] of [
      [started, 'stop'],
      [initialized, 'cleanup'],
    ] as const) {
      for (let i = list.length - 1; i >= 0; i--) {
        try {
          observe?.(list[i].name, p);
          list[i].run(p);
        } catch (error) {
          record(list[i].name, p, error);
        }
      }
    }
  }
  if (failure !== null) throw failure;
}
