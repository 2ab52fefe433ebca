import type { BarWindow, ParameterSet } from '../engine/spec.js';
import { trialKey } from '../search/trial-key.js';
import type { FailedTrial, TrialResult, TrialSink } from '../sequencer/search.js';
import type { ResultsStore } from './store.js';

/**
 * Sends a phase's finished trials to the results store: every trial's summary row, and (when trades
 * are kept) each trial's trades as a msgpack blob — in `hybrid` mode only the top-k get theirs, at
 * the end of the phase. Rows are committed one transaction per executor batch, so a run killed at
 * any moment keeps every batch it finished and can be resumed.
 */
export function storeSink(store: ResultsStore, phase: string, dataHash: string, mode: 'memory' | 'disk' | 'hybrid', storeTrades: boolean): TrialSink {
  return {
    result(r: TrialResult, set: ParameterSet, window: BarWindow): void {
      const key = trialKey(set, dataHash, window);
      const tradesFile = mode !== 'hybrid' && storeTrades && r.trades ? store.writeBlob('trades', key, r.trades) : null;
      store.add({ trialKey: key, phase, window: [window.start, window.end], trial: r.trial, params: r.params, parameterSet: set, metrics: r.metrics, error: null, tradesFile });
    },
    failure(f: FailedTrial, set: ParameterSet, window: BarWindow): void {
      store.add({ trialKey: trialKey(set, dataHash, window), phase, window: [window.start, window.end], trial: f.trial, params: f.params, parameterSet: set, metrics: null, error: f.error, tradesFile: null });
    },
    batchDone(): void {
      store.flush();
    },
  };
}
