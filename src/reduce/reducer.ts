import type { TopEntry, WorkReply } from '../batch/work.js';
import type { Results } from '../results/thread.js';
import type { TrialRow } from '../results/store.js';
import type { FailedTrial, TrialResult } from '../types.js';
import { Leaderboard, type Objective } from '../metrics/leaderboard.js';
import type { SearchCounts } from './phase-progress.js';

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
 * The reducer of one search: hands each batch's packed rows to the results store as it arrives
 * (one message, no work per set here), merges each batch's top-k into the leaderboard (the
 * leaderboard of the union of batches is the merge of their leaderboards, ties to the lower grid
 * index, so the order batches finish in changes nothing), lists failed sets in dispatch order and
 * keeps the counts for progress. Per batch it costs O(top_k), whatever the batch's size.
 */
export class SearchReducer {
  readonly leaderboard: Leaderboard<TrialResult>;
  trials = 0;
  readonly failures: FailedTrial[] = [];
  /** Failed sets of batches that finished before an earlier one, by dispatch number. */
  private readonly failed = new Map<number, readonly FailedTrial[]>();
  private next = 0;
  private restored = 0;
  private readonly writes = new Set<Promise<void>>();
  private writeError: unknown = null;

  constructor(
    objective: Objective,
    topK: number,
    private readonly results: Results | null,
    /** Trials per point: a point is a trial on each window of its plan (k_fold: each train segment). */
    private readonly perPoint: number,
    private readonly progress?: (counts: SearchCounts, best: { readonly item: TrialResult } | null, failures: readonly FailedTrial[]) => void,
  ) {
    this.leaderboard = new Leaderboard<TrialResult>(objective, topK);
  }

  /** A resumed search: its stored points count as done and its stored best compete. */
  restore(count: number, top: readonly TopEntry[]): void {
    this.trials += count * this.perPoint;
    this.restored += count * this.perPoint;
    for (const e of top) this.leaderboard.offer(e.trial, e.metrics, e);
    if (count > 0) this.tell([]);
    if (count > 0) this.tell([]);
  }

  /**
   * Batch `seq` finished. Its rows go to the store at once (a batch that finishes early is never held
   * back by a slow one, so a kill loses only what is still computing) and its best sets join the
   * leaderboard, whose outcome does not depend on the order batches arrive in; only its failed sets
   * wait, to be listed in dispatch order.
   */
  accept(seq: number, outcome: BatchOutcome): void {
    for (const reply of outcome.replies) {
      this.trials += reply.points * this.perPoint;
      for (const e of reply.top) this.leaderboard.offer(e.trial, e.metrics, e);
      if (this.results !== null && reply.points > 0) this.track(this.results.commit(reply.rows));
    }
    this.trials += outcome.failures.length;
    if (this.results !== null && outcome.failureRows.length > 0) this.track(this.results.add(outcome.failureRows));
    this.failed.set(seq, outcome.failures);
    while (this.failed.has(this.next)) {
      this.failures.push(...this.failed.get(this.next)!);
      this.failed.delete(this.next++);
    }
    this.tell(outcome.failures);
  }

  private tell(failures: readonly FailedTrial[]): void {
    this.progress?.({ done: this.trials, failed: this.failureCount(), restored: this.restored, perPoint: this.perPoint }, this.leaderboard.best, failures);
  }

  private failureCount(): number {
    let n = this.failures.length;
    for (const f of this.failed.values()) n += f.length;
    return n;
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
