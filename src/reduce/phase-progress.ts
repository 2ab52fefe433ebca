import type { FailedTrial, MetricsJson, TrialResult } from '../types.js';

/** What a windowed sequence calls each of its searches. */
export type SearchUnit = 'window' | 'fold' | 'split';

/** What a progress line counts beside trials: a sequence's searches, or branches run side by side. */
export type ProgressUnit = SearchUnit | 'branch';

/** One search's counts after a committed batch (trials: a point on each window of its plan). */
export interface SearchCounts {
  readonly done: number;
  readonly failed: number;
  /** Of `done`, read back from the store by a resume (not computed in this session). */
  readonly restored: number;
  /** Trials per point of this search (k_fold: its train segments). */
  readonly perPoint: number;
}

/** The phase as a whole: every search's trials summed, the total over all of them. */
export interface ProgressSnapshot {
  readonly phase: string;
  readonly done: number;
  readonly failed: number;
  readonly restored: number;
  /** Trials the phase will run over every window (fold, split), or null when the space cannot be counted. */
  readonly total: number | null;
  /** Trials per second computed in this session (restored trials excluded). */
  readonly rate: number;
  /** Seconds left at `rate` (null: no total, or nothing computed yet). */
  readonly eta: number | null;
  readonly seconds: number;
  readonly unit: ProgressUnit | null;
  readonly searches: number;
  /** Searches finished (window searched and tested). */
  readonly finished: number;
  /** The best of one search, and which (`of`, e.g. "window 3"; null: the phase's only search): a window's best is not the phase's. */
  readonly best: { readonly search: number; readonly of: string | null; readonly item: TrialResult } | null;
}

export interface WindowDone {
  readonly search: number;
  readonly best: TrialResult | null;
  readonly test: MetricsJson | null;
}

/** Who follows a phase: the progress line, the event stream. Called per batch, never per set. */
export interface ProgressListener {
  progress(snapshot: ProgressSnapshot, final: boolean): void;
  best?(snapshot: ProgressSnapshot): void;
  windowDone?(snapshot: ProgressSnapshot, done: WindowDone): void;
  failures?(phase: string, failures: readonly FailedTrial[]): void;
}

interface SearchState {
  counts: SearchCounts;
  best: TrialResult | null;
  finished: boolean;
}

/**
 * A phase's progress over all its searches. The total is the points of one search times every
 * search's trials per point, so a walk-forward counts every window, not the first; the rate counts
 * only trials computed now, so a resume neither claims the stored trials' speed nor a false ETA.
 */
export class PhaseProgress {
  private readonly states: SearchState[] = [];
  private unit: SearchUnit | null = null;
  private readonly started: number;
  private latest = 0;

  constructor(
    readonly phase: string,
    /** Points one search evaluates (grid: those within the constraints; a sampler: its budget); null: unknown. */
    private readonly pointsPerSearch: number | null,
    private readonly listeners: readonly ProgressListener[],
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  /** A windowed sequence: `count` searches of one kind (called before the first batch). */
  plan(count: number, unit: SearchUnit): void {
    this.unit = unit;
    while (this.states.length < count) this.states.push(emptyState());
  }

  update(search: number, counts: SearchCounts, best: { readonly item: TrialResult } | null, failures: readonly FailedTrial[]): void {
    const state = this.state(search);
    state.counts = counts;
    const previous = state.best;
    state.best = best?.item ?? null;
    this.latest = search;
    const snapshot = this.snapshot();
    if (failures.length > 0) for (const l of this.listeners) l.failures?.(this.phase, failures);
    if (state.best !== null && state.best.trial !== previous?.trial) for (const l of this.listeners) l.best?.(snapshot);
    for (const l of this.listeners) l.progress(snapshot, false);
  }

  /** Search `search` is done (a window's test run, too). */
  finish(search: number, best: TrialResult | null, test: MetricsJson | null): void {
    this.state(search).finished = true;
    const snapshot = this.snapshot();
    for (const l of this.listeners) l.windowDone?.(snapshot, { search, best, test });
  }

  /** The phase ended: the last snapshot goes out whatever the listeners' throttles. */
  end(): ProgressSnapshot {
    const snapshot = this.snapshot();
    for (const l of this.listeners) l.progress(snapshot, true);
    return snapshot;
  }

  snapshot(): ProgressSnapshot {
    let done = 0;
    let failed = 0;
    let restored = 0;
    let perPoint = 0;
    let finished = 0;
    let knownPerPoint = 1;
    for (const s of this.states) {
      done += s.counts.done;
      failed += s.counts.failed;
      restored += s.counts.restored;
      if (s.counts.perPoint > 0) knownPerPoint = s.counts.perPoint;
      if (s.finished) finished++;
    }
    // A search not yet started has the trials per point of the ones that have (the same plan shape).
    for (const s of this.states) perPoint += s.counts.perPoint > 0 ? s.counts.perPoint : knownPerPoint;
    const total = this.pointsPerSearch === null ? null : Math.max(done, this.pointsPerSearch * perPoint);
    const seconds = (this.now() - this.started) / 1000;
    const computed = done - restored;
    const rate = seconds > 0 ? computed / seconds : 0;
    const eta = total !== null && computed > 0 && rate > 0 ? (total - done) / rate : null;
    const current = this.states[this.latest];
    return {
      phase: this.phase,
      done,
      failed,
      restored,
      total,
      rate,
      eta,
      seconds,
      unit: this.unit,
      searches: Math.max(1, this.states.length),
      finished,
      best: current?.best ? { search: this.latest, of: this.unit === null ? null : `${this.unit} ${this.latest + 1}`, item: current.best } : null,
    };
  }

  private state(search: number): SearchState {
    while (this.states.length <= search) this.states.push(emptyState());
    return this.states[search];
  }
}

function emptyState(): SearchState {
  return { counts: { done: 0, failed: 0, restored: 0, perPoint: 0 }, best: null, finished: false };
}
