import type { PlanRef } from '../batch/plan.js';
import type { Leaderboard } from '../metrics/leaderboard.js';
import type { Results } from '../results/thread.js';
import type { TraceSettings } from '../tracing/settings.js';
import type { FailedTrial, TrialResult } from '../types.js';
import type { BatchSizer } from './batch-sizer.js';
import type { Dispatcher } from './dispatch.js';
import type { Robustness } from '../robustness/figures.js';
import type { SearchJson } from './search-json.js';
import type { PhaseProgress } from '../reduce/phase-progress.js';

// What a search is given and gives back (types only), shared by the grid/random and the adaptive drivers.

export interface SearchOutcome {
  /** Every result (memory storage: read back from the store, in grid order per window), else null. */
  readonly results: TrialResult[] | null;
  readonly trials: number;
  readonly failures: FailedTrial[];
  readonly leaderboard: Leaderboard<TrialResult>;
  /** The signal stopped the search before every point was evaluated. */
  readonly interrupted: boolean;
  /** The search's plan: test runs of its chosen sets name it. */
  readonly plan: PlanRef;
  /** Overfitting statistics of the search (null: turned off, interrupted, fewer than 2 trials or no store). */
  readonly robustness: Robustness | null;
  /** tpe, cmaes, nsga2 or a pruner: how the search went (history, Pareto front, importance). */
  readonly search?: SearchJson;
}

export interface SearchOptions {
  /** Where trials are stored (the run's results store); null: nowhere (the library's own searches). */
  readonly results: Results | null;
  /** The store label (phase, or a composed phase's iteration or branch). */
  readonly label: string;
  /** A resumed run: points the store already holds for a search's plan are not computed again. */
  readonly resume: boolean;
  readonly storeTrades: boolean;
  /** hybrid storage: trades travel with the batches' top-k only (the phase keeps the top-k's). */
  readonly tradesTopOnly?: boolean;
  readonly topK: number;
  /** memory storage: list every result (read back from the store). */
  readonly keepAll: boolean;
  readonly signal?: AbortSignal;
  /** Trace each batch's topology (a sub-folder per batch below the settings' part). */
  readonly trace?: TraceSettings;
  /** signal_replay: replay stored signals from this signal store instead of running strategies. */
  readonly replay?: { readonly dir: string; readonly failed?: Readonly<Record<string, string>> };
  /** Largest batch (default MAX_BATCH, common/names.ts; tests force small batches). */
  readonly maxBatch?: number;
  /** The phase's progress: told after each committed batch (as search `window`), and when a windowed search ends. */
  readonly progress?: PhaseProgress;
  /** Shared by every search of a run, so several searches at once keep just enough tasks in flight. */
  readonly dispatcher?: Dispatcher;
  /** Shared by the searches of a phase: what a point costs, measured. */
  readonly sizer?: BatchSizer;
  /** Dispatch priority of this search's tasks (lower goes first): a windowed sequence's window index. */
  readonly priority?: number;
  /** A windowed sequence's window (fold, split) index: the stream of an adaptive search's seed. */
  readonly window?: number;
  /** Told how many trials a resumed search found stored. */
  readonly onRestored?: (trials: number) => void;
}
