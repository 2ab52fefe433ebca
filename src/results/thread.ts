import type { StoredStats } from '../robustness/stored.js';
import type { SpaJson, SpaSettings } from '../robustness/spa-json.js';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import * as Comlink from 'comlink';
import { nodeEndpoint } from './comlink-node.js';

import type { PlanRef } from '../batch/plan.js';
import { packageRoot } from '../version.js';
import { ResultsService, type Restored, type StoredRun } from './service.js';
import type { SignalIndexRow, TrialRow } from './store.js';
import type { Trade } from '../types.js';

type CoordinatorRow = Omit<TrialRow, 'tradesFile'> & { readonly trades?: Trade[] | null };

/**
 * The coordinator's handle on the run's results store: every call is asynchronous, whether the
 * store lives in the results thread (`threaded`) or in this thread (`local`, for small runs and
 * the inline executor, where a thread's start-up would cost more than it saves). Calls are
 * carried out in the order they are made.
 */
export interface Results {
  /** A batch's packed rows; the bytes are handed over (their buffer is transferred to the thread). */
  commit(rows: Uint8Array): Promise<void>;
  add(rows: readonly CoordinatorRow[]): Promise<void>;
  restore(plan: PlanRef, dataHash: string): Promise<Restored>;
  runs(label: string, windows: readonly { start: number; end: number }[], withTrades: boolean): Promise<StoredRun[]>;
  /** The robustness figures a search's stored rows give (its plan computes block sums), else null. */
  stats(plan: PlanRef, best: number | null): Promise<StoredStats | null>;
  /** SPA over the top sets' bar returns (robustness/figures.ts spaOf), off the coordinator's thread. */
  spa(top: readonly { trial: number; returns: Float64Array }[], benchmark: Float64Array, spec: SpaSettings, topK: number): Promise<SpaJson | null>;
  keepTop(rows: readonly (Omit<TrialRow, 'tradesFile'> & { readonly trades: Trade[] })[]): Promise<void>;
  /** A pruner's rung: these trials' rows on these windows get status `pruned`. */
  markPruned(label: string, windows: readonly { start: number; end: number }[], trials: Float64Array): Promise<void>;
  addSignals(phase: string, rows: readonly SignalIndexRow[]): Promise<void>;
  close(): Promise<void>;
}

export const RESULTS_WORKER = join(packageRoot(), 'dist', 'workers', 'results.js');

/** The store in this thread. */
export function localResults(dir: string): Results {
  const service = new ResultsService();
  service.open(dir);
  const call = <T>(f: () => T): Promise<T> => {
    try {
      return Promise.resolve(f());
    } catch (error) {
      return Promise.reject(error);
    }
  };
  return {
    commit: (rows) => call(() => service.commit(rows)),
    add: (rows) => call(() => service.add(rows)),
    restore: (plan, hash) => call(() => service.restore(plan, hash)),
    runs: (label, windows, withTrades) => call(() => service.runs(label, windows, withTrades)),
    stats: (plan, best) => call(() => service.stats(plan, best)),
    spa: (top, benchmark, spec, topK) => call(() => service.spa(top, benchmark, spec, topK)),
    keepTop: (rows) => call(() => service.keepTop(rows)),
    markPruned: (label, windows, trials) => call(() => service.markPruned(label, windows, trials)),
    addSignals: (phase, rows) => call(() => service.addSignals(phase, rows)),
    close: () => call(() => service.close()),
  };
}

/**
 * The store in its own thread, reached through comlink. If the thread dies, every call still
 * waiting (and every later one) fails with the reason instead of waiting forever.
 */
export async function threadedResults(dir: string): Promise<Results> {
  const worker = new Worker(RESULTS_WORKER);
  const remote = Comlink.wrap<ResultsService>(nodeEndpoint(worker));
  let died: Error | null = null;
  const death = new Promise<never>((_, reject) => {
    const fail = (error: Error): void => {
      died ??= error;
      reject(died);
    };
    worker.once('error', fail);
    worker.once('exit', (code) => fail(new Error(`the results thread exited (code ${code})`)));
  });
  death.catch(() => {});
  const guard = <T>(p: Promise<T>): Promise<T> => (died !== null ? Promise.reject(died) : Promise.race([p, death]));
  try {
    await guard(remote.open(dir));
  } catch (error) {
    remote[Comlink.releaseProxy]();
    await worker.terminate();
    throw error;
  }
  let closed = false;
  return {
    commit: (rows) => guard(remote.commit(Comlink.transfer(rows, [rows.buffer]))),
    add: (rows) => guard(remote.add(rows)),
    restore: (plan, hash) => guard(remote.restore(plan, hash)),
    runs: (label, windows, withTrades) => guard(remote.runs(label, windows, withTrades)),
    stats: (plan, best) => guard(remote.stats(plan, best)),
    spa: (top, benchmark, spec, topK) => guard(remote.spa(top, benchmark, spec, topK)),
    keepTop: (rows) => guard(remote.keepTop(rows)),
    markPruned: (label, windows, trials) => guard(remote.markPruned(label, windows, trials)),
    addSignals: (phase, rows) => guard(remote.addSignals(phase, rows)),
    async close() {
      if (closed) return;
      closed = true;
      try {
        if (died === null) await guard(remote.close());
      } finally {
        remote[Comlink.releaseProxy]();
        await worker.terminate();
      }
    },
  };
}
