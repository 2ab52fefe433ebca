import type { ShownTrial } from './index.js';

const iso = (t: number): string => new Date(t).toISOString();

/**
 * The `--json` document of `fanfold show` (README, "One trial again"): where the trial sits, its
 * parameters and resolved set, the recomputed metrics, whether they and the trades equal the stored
 * ones (`match`, `differences`), the trades and the equity at every bar of the window.
 */
export function showDocument(s: ShownTrial) {
  const { target } = s;
  return {
    run_dir: s.runDir,
    run_id: s.runId,
    workflow: s.workflow,
    phase: s.stage.phase,
    label: s.stage.label,
    sequence: s.stage.sequence,
    window: {
      ...target.window,
      bars: [target.bars.start, target.bars.end],
      dates: [iso(s.data.time[target.bars.start]), iso(s.data.time[target.bars.end - 1])],
    },
    trial: target.trial,
    trial_key: s.trialKey,
    params: s.params,
    set: s.set,
    data: { source: s.data.source, hash: s.data.hash, symbols: s.data.symbols.map((x) => x.symbol) },
    metrics: s.metrics,
    match: s.differences.length === 0,
    differences: s.differences,
    trades_stored: s.tradesStored,
    trades: s.trades,
    equity_summary: s.summary,
    equity: Array.from(s.equity, (equity, i) => ({ time: iso(s.time[i]), equity })),
  };
}

export type ShowDocument = ReturnType<typeof showDocument>;
