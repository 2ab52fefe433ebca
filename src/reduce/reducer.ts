import type { TopEntry, WorkReply } from '../batch/work.js';
import type { Results } from '../results/thread.js';
import type { TrialRow } from '../results/store.js';
import type { FailedTrial, TrialResult } from '../types.js';
import { Leaderboard, type Objective } from './leaderboard.js';

/** What one batch of a search came to: the workers' replies (several when it was split) and the sets that failed alone. */
export interface BatchOutcome {
  readonly replies: readonly WorkReply[];
  readonly failures: readonly FailedTrial[];
  /** The failed sets' rows for the store (one per plan window). */
  readonly failureRows: readonly Omit<TrialRow, 'tradesFile'>[];
}

/** Commits writes are allowed to run ahead of the store by this many batches before the search waits. */
const MAX_UNWRITTEN = 64;

/**
 * The reducer of one search: commits batches in the order they were dispatched whatever order they
 * finish in (so nothing depends on timing), hands each batch's packed rows to the results store
 * (one message, no work per set here), merges each batch's top-k into the leaderboard (the
 * leaderboard of the union of batches is the merge of their leaderboards: ties go to the lower grid
 * index) and keeps the counts for progress. Per batch it costs O(top_k), whatever the batch's size.
 */
export class SearchReducer {
  readonly leaderboard: Leaderboard<TrialResult>;
  trials = 0;
  readonly failures: FailedTrial[] = [];
  private readonly finished = new Map<number, BatchOutcome>();
  private next = 0;
  private readonly writes = new Set<Promise<void>>();
  private writeError: unknown = null;

  constructor(
    objective: Objective,
    topK: number,
    private readonly results: Results | null,
    /** Trials per point: a point is a trial on each window of its plan (k_fold: each train segment). */
    private readonly perPoint: number,
    private readonly progress?: (done: number, failed: number, best: { readonly item: TrialResult } | null) => void,
  ) {
    this.leaderboard = new Leaderboard<TrialResult>(objective, topK);
  }

  /** A resumed search: its stored points count as done and its stored best compete. */
  restore(count: number, top: readonly TopEntry[]): void {
    this.trials += count * this.perPoint;
    for (const e of top) this.leaderboard.offer(e.trial, e.metrics, e);
  }

  /** Batch `seq` finished; commits it and every later one already waiting, in order. */
  accept(seq: number, outcome: BatchOutcome): void {
    this.finished.set(seq, outcome);
    let committed = false;
    while (this.finished.has(this.next)) {
      this.commit(this.finished.get(this.next)!);
      this.finished.delete(this.next++);
      committed = true;
    }
    if (committed) this.progress?.(this.trials, this.failures.length, this.leaderboard.best);
  }

  private commit(o: BatchOutcome): void {
    for (const reply of o.replies) {
      this.trials += reply.points * this.perPoint;
      for (const e of reply.top) this.leaderboard.offer(e.trial, e.metrics, e);
      if (this.results !== null && reply.points > 0) this.track(this.results.commit(reply.rows));
    }
    this.trials += o.failures.length;
    this.failures.push(...o.failures);
    if (this.results !== null && o.failureRows.length > 0) this.track(this.results.add(o.failureRows));
  }

  private track(write: Promise<void>): void {
    const tracked = write.then(
      () => {
        this.writes.delete(tracked);
      },
      (error: unknown) => {
        this.writes.delete(tracked);
        this.writeError ??= error;
      },
    );
    this.writes.add(tracked);
  }

  /** Waits while the store is too far behind (bounds the rows held in messages). */
  async room(): Promise<void> {
    while (this.writes.size >= MAX_UNWRITTEN) await Promise.race(this.writes);
    if (this.writeError !== null) throw this.writeError;
  }

  /** Every committed batch written; rethrows the store's first error. */
  async settle(): Promise<void> {
    await Promise.all(this.writes);
    if (this.writeError !== null) throw this.writeError;
  }
}
