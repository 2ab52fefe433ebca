import { join } from 'node:path';
import type { MarketData } from '../data/series.js';
import { UserError } from '../errors.js';
import { loadPlugins } from '../plugins/load.js';
import { reloadData } from '../report/best-run.js';
import { readRunDirectory, type StageRecord } from '../report/run-record.js';
import { trialPoint } from '../search/template.js';
import type { MetricsJson, ParameterSet, Trade } from '../types.js';
import { metricDifferences, tradeDifferences, type Difference } from './compare.js';
import { equitySummary, type EquitySummary } from './equity.js';
import { recomputeTrial } from './recompute.js';
import { StoredTrials } from './stored.js';
import { stageOf } from './locate.js';
import { targetOf, type ShowRequest, type Target } from './target.js';

export type { ShowRequest };

/** One stored trial run again, next to what the run stored of it. */
export interface ShownTrial {
  readonly runDir: string;
  readonly runId: string;
  readonly workflow: string;
  readonly stage: StageRecord;
  readonly data: MarketData;
  readonly target: Target;
  readonly trialKey: string;
  readonly params: Record<string, unknown>;
  readonly set: ParameterSet;
  readonly metrics: MetricsJson;
  readonly trades: readonly Trade[];
  /** Whether the run stored this trial's trades (they were compared too). */
  readonly tradesStored: boolean;
  /** The window's bar times (UTC ms) and the equity at each bar's close. */
  readonly time: Float64Array;
  readonly equity: Float64Array;
  readonly summary: EquitySummary;
  /** Empty when everything stored was reproduced bit for bit. */
  readonly differences: readonly Difference[];
}

/**
 * `fanfold show`: finds a stored trial of a run directory, reloads the run's data (its content hash
 * must equal the one recorded: else a UserError naming the file), runs the trial again and compares
 * every stored metric, the trial key and, when the run stored them, the trades.
 */
export async function showTrial(runDir: string, phase: string | undefined, request: ShowRequest): Promise<ShownTrial> {
  const contents = readRunDirectory(runDir, 'show');
  const { record } = contents;
  const stage = stageOf(record, join(contents.dir, 'run.json'), phase);
  if (stage.topology === 'signal_generation') throw new UserError(`show: phase ${stage.label} generates signals; it stores no trials to show`);
  const reloaded = await reloadData(stage.data);
  if ('reason' in reloaded) throw new UserError(`show: ${reloaded.reason}`);
  const { data } = reloaded;
  const stored = new StoredTrials(contents.dir, contents.database);
  try {
    const target = targetOf(stage, data, stored, request);
    // The strategies of the run's plugins must be registered before the set is built.
    if (record.plugins && record.plugins.length > 0) await loadPlugins(record.plugins);
    const reply = recomputeTrial(stage, data, target.bars, target.trial);
    const trades = reply.trades ?? [];
    const storedTrades = target.row.tradesFile === null ? null : stored.trades(target.row.tradesFile);
    const differences = [
      ...(reply.key === target.row.trialKey ? [] : [{ what: 'trial_key', stored: target.row.trialKey, recomputed: reply.key }]),
      ...metricDifferences(target.row.metrics, reply.metrics),
      ...(storedTrades === null ? [] : tradeDifferences(storedTrades, trades)),
    ];
    const time = data.time.subarray(target.bars.start, target.bars.end);
    const equity = reply.curve!.equity;
    return {
      runDir: contents.dir,
      runId: record.run_id,
      workflow: record.workflow,
      stage,
      data,
      target,
      trialKey: reply.key,
      params: reply.params,
      set: trialPoint(stage.template, target.trial).set,
      metrics: reply.metrics,
      trades,
      tradesStored: storedTrades !== null,
      time,
      equity,
      summary: equitySummary(time, equity),
      differences,
    };
  } finally {
    stored.close();
  }
}
