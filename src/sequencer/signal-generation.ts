import type { ValidatedPhase } from '../config/validate.js';
import type { MarketData } from '../data/series.js';
import type { BarWindow, ParameterSet } from '../types.js';
import { UserError } from '../errors.js';
import type { Executor } from '../executor/executor.js';
import { loadSignalSet } from '../signals/cache.js';
import { SignalStore } from '../signals/file.js';
import type { SignalInfo } from '../batch/generate-signals.js';
import { resolvedStrategy, signalKey } from '../signals/key.js';
import { canonicalJson } from '../common/trial-key.js';
import { traceWithin, type TraceSettings } from '../tracing/settings.js';
import { pointSet, samplerOf } from '../search/template.js';

/** A stored signal set as a phase reports it: the index row plus the point's swept parameters and its window. */
export interface SignalRow extends SignalInfo {
  readonly params: Record<string, unknown>;
  /** The bars [start, end) it covers: a signal serves only the window it was generated for. */
  readonly window: [number, number];
}

/** A strategy whose generation threw: it alone fails, the others are stored. */
export interface GenerationFailure {
  readonly key: string;
  readonly params: Record<string, unknown>;
  readonly window: [number, number];
  readonly error: string;
}

export interface GenerationRun {
  /** Points of the parameter space visited. */
  readonly trials: number;
  /** One row per distinct signal key, in the order of the points that first needed it. */
  readonly signals: SignalRow[];
  readonly failures: GenerationFailure[];
}

export interface GenerationOptions {
  readonly dir: string;
  /** Recompute and overwrite sets already stored. */
  readonly force: boolean;
  readonly trace?: TraceSettings;
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

const BATCH = 32;

/**
 * The signal_generation phase: every point of the parameter space names a strategy; each distinct
 * strategy is generated once per window (by signal key) — or reused when the store already holds a
 * file for its key that decodes and matches this data, unless `force` — in batches through the
 * executor (one pass over the bars per batch, features shared). `windows` are the windows the
 * replaying phase's sequence searches (searchedWindows).
 */
export async function runGeneration(
  phase: ValidatedPhase,
  data: MarketData,
  windows: readonly BarWindow[],
  executor: Executor,
  options: GenerationOptions,
): Promise<GenerationRun> {
  const sampler = samplerOf(phase);
  const store = new SignalStore(options.dir);
  const symbols = data.symbols.map((s) => s.symbol);
  const order: string[] = [];
  const rows = new Map<string, SignalRow>();
  const todo: { window: BarWindow; key: string; set: ParameterSet; params: Record<string, unknown> }[][] = windows.map(() => []);
  const queued = new Set<string>();
  const indices = new Int32Array(phase.dimensions.length);
  let trials = 0;
  for (const k of sampler.points()) {
    if (options.signal?.aborted) break;
    trials++;
    sampler.indicesAt(k, indices);
    const { set, params } = pointSet(phase, indices);
    windows.forEach((window, w) => {
      const key = signalKey(set.strategy, data.hash, window);
      if (rows.has(key) || queued.has(key)) return;
      order.push(key);
      const span: [number, number] = [window.start, window.end];
      if (!options.force && store.has(key)) {
        try {
          const { set: stored, bytes } = store.read(key, { dataHash: data.hash, window: span, symbols });
          rows.set(key, {
            key,
            strategy: stored.strategy,
            symbols,
            changes: stored.series.reduce((n, s) => n + s.index.length, 0),
            bytes,
            status: 'reused',
            params,
            window: span,
          });
          return;
        } catch (error) {
          options.log?.(`signals ${key.slice(0, 12)}…: stored file unusable (${error instanceof Error ? error.message : String(error)}); generating it again`);
        }
      }
      todo[w].push({ window, key, set, params });
      queued.add(key);
    });
  }
  const failures = new Map<string, GenerationFailure>();
  type Todo = (typeof todo)[number][number];
  // A batch that throws is generated again one strategy at a time, so only the strategies that
  // throw fail (as a search isolates its failing sets).
  const generate = async (batch: readonly Todo[], first: number): Promise<void> => {
    const window = batch[0].window;
    const trace = traceWithin(options.trace, `${window.start}-${window.end}_s${first}-${first + batch.length - 1}`, []);
    try {
      const infos = await executor.generateSignals(
        data,
        batch.map((b) => b.set),
        { window, dir: options.dir, trace },
      );
      infos.forEach((info, j) => rows.set(info.key, { ...info, params: batch[j].params, window: [window.start, window.end] }));
    } catch (error) {
      if (batch.length > 1) {
        for (let j = 0; j < batch.length; j++) await generate([batch[j]], first + j);
        return;
      }
      const b = batch[0];
      failures.set(b.key, { key: b.key, params: b.params, window: [window.start, window.end], error: error instanceof Error ? error.message : String(error) });
    }
  };
  const inFlight = new Set<Promise<void>>();
  for (const pending of todo) {
    for (let i = 0; i < pending.length; i += BATCH) {
      const task = generate(pending.slice(i, i + BATCH), i);
      const tracked = task.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      while (inFlight.size > executor.concurrency) await Promise.race(inFlight);
    }
  }
  await Promise.all(inFlight);
  return {
    trials,
    signals: order.filter((k) => rows.has(k)).map((k) => rows.get(k)!),
    failures: order.filter((k) => failures.has(k)).map((k) => failures.get(k)!),
  };
}

/**
 * Before a signal_replay phase runs: every strategy its parameter space names must have stored
 * signals for this data and window (from the `inputs.signals` phase when one is named). Strategies
 * are told apart by the indices of the strategy dimensions only, so a sweep of risk and broker
 * settings costs one signal-key hash per strategy, not per point.
 */
export function checkReplaySignals(
  phase: ValidatedPhase,
  data: MarketData,
  windows: readonly BarWindow[],
  dir: string,
  from: { name: string; keys: ReadonlySet<string>; failed: Readonly<Record<string, string>> } | null,
): number {
  const sampler = samplerOf(phase);
  const strategyDims = phase.dimensions.flatMap((d, i) => (d.path[0] === 'strategy' ? [i] : []));
  const seen = new Set<string>();
  const indices = new Int32Array(phase.dimensions.length);
  const symbols = data.symbols.map((s) => s.symbol);
  for (const k of sampler.points()) {
    sampler.indicesAt(k, indices);
    const id = strategyDims.map((i) => indices[i]).join(',');
    if (seen.has(id)) continue;
    seen.add(id);
    const { set } = pointSet(phase, indices);
    const what = canonicalJson(resolvedStrategy(set.strategy));
    for (const window of windows) {
      const key = signalKey(set.strategy, data.hash, window);
      // Its generation failed: the replay's trials of this strategy fail with the search's isolation.
      if (from !== null && from.failed[key] !== undefined) continue;
      const where = window.start === 0 && window.end === data.time.length ? '' : ` in bars ${window.start}–${window.end - 1}`;
      if (from !== null && !from.keys.has(key))
        throw new UserError(
          `signal_replay: phase '${from.name}' did not generate signals for strategy ${what}${where}; add the strategy to that phase's parameter space and give it this phase's sequence`,
        );
      try {
        loadSignalSet(dir, key, { dataHash: data.hash, window: [window.start, window.end], symbols });
      } catch (error) {
        throw new UserError(
          `signal_replay: no usable stored signals for strategy ${what}${where} on this data: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }
  return seen.size;
}
