import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { ValidatedPhase } from '../config/validate.js';
import type { PhaseDeclaration } from '../config/workflow.js';
import type { MarketData } from '../data/series.js';
import type { PhaseJson } from '../contract.js';
import { sequenceName } from '../sequencer/sequences.js';
import { runGeneration } from '../sequencer/signal-generation.js';
import type { TraceSettings } from '../tracing/settings.js';
import type { BarWindow } from '../types.js';
import type { Stage, Storage } from './run-composed.js';
import type { StageContext } from './stage-context.js';

/**
 * A signal_generation stage: every distinct strategy of the space, per searched window, stored in
 * the signal store (or reused from it); the stored sets are listed in results.db and the phase JSON.
 */
export async function runGenerationStage(
  ctx: StageContext,
  decl: PhaseDeclaration,
  label: string,
  phase: ValidatedPhase,
  storage: Storage,
  input: { readonly data: MarketData; readonly dataSpec: Config['data']; readonly windows: readonly BarWindow[]; readonly trace: TraceSettings | undefined },
): Promise<Stage> {
  const { data, dataSpec, windows, trace } = input;
  const config = phase.config;
  const gen = await runGeneration(phase, data, windows, ctx.executor, { dir: ctx.signalsDir, force: ctx.force, trace, log: ctx.log, signal: ctx.signal });
  const rows = gen.signals.map((s) => ({ ...s, file: join(ctx.signalsDir, `${s.key}.msgpack`) }));
  await ctx.results.addSignals(label, rows);
  const created = rows.filter((r) => r.status === 'created').length;
  ctx.log(
    `phase ${label}: ${rows.length} signal set${rows.length === 1 ? '' : 's'} in ${ctx.signalsDir}: ${created} generated, ${rows.length - created} reused${gen.failures.length > 0 ? `, ${gen.failures.length} failed` : ''}`,
  );
  const json: PhaseJson = {
    name: label,
    topology: 'signal_generation',
    sequence: sequenceName(config.sequence),
    storage,
    trials: gen.trials,
    failed: gen.failures.length,
    signals: rows.map((r) => ({
      key: r.key,
      params: r.params,
      strategy: r.strategy,
      window: r.window,
      changes: r.changes,
      bytes: r.bytes,
      status: r.status,
      file: r.file,
    })),
    ...(gen.failures.length > 0
      ? { failures: gen.failures.map((f) => ({ params: f.params, error: `bars ${f.window[0]}–${f.window[1] - 1}: ${f.error}` })) }
      : {}),
  };
  return {
    json,
    config,
    data,
    dataSpec,
    phase,
    bestRun: null,
    signals: rows.map((r) => r.key),
    failedSignals: Object.fromEntries(gen.failures.map((f) => [f.key, `its generation in phase '${decl.name}' failed: ${f.error}`])),
    interrupted: ctx.signal?.aborted ?? false,
  };
}
