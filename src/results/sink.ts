import type { BarWindow } from '../engine/spec.js';
import type { FailedTrial, TrialResult, TrialSink } from '../sequencer/search.js';
import type { ResultsStore } from './store.js';

/**
 * Sends a phase's finished trials to the results store: every trial's summary row, and (when trades
 * are kept) each trial's trades as a msgpack blob — in `hybrid` mode only the top-k get theirs, at
 * the end of the phase. Rows are committed one transaction per executor batch, so a run killed at
 * any moment keeps every batch it finished and can be resumed.
 */
export function storeSink(store: ResultsStore, phase: string, mode: 'memory' | 'disk' | 'hybrid', storeTrades: boolean): TrialSink {
  return {
    result(r: TrialResult, key: string, window: BarWindow): void {
      const tradesFile = mode !== 'hybrid' && storeTrades && r.trades ? store.writeBlob('trades', key, r.trades) : null;
      store.add({ trialKey: key, phase, window: [window.start, window.end], trial: r.trial, params: r.params, metrics: r.metrics, error: null, tradesFile });
    },
    failure(f: FailedTrial, key: string, window: BarWindow): void {
      store.add({ trialKey: key, phase, window: [window.start, window.end], trial: f.trial, params: f.params, metrics: null, error: f.error, tradesFile: null });
    },
    batchDone(): void {
      store.flush();
    },
  };
}
