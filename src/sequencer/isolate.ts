import type { WorkReply } from '../batch/work.js';
import type { PointRange } from '../batch/plan.js';
import type { ValidatedPhase } from '../config/validate.js';
import type { MarketData } from '../data/series.js';
import type { BatchOutcome } from '../reduce/reducer.js';
import { trialPoint } from '../search/template.js';
import { trialKey } from '../common/trial-key.js';
import type { BarWindow } from '../types.js';
import { ExecutorLostError } from '../executor/executor.js';

/**
 * A task that fails is retried once, then split in halves until the failing points stand alone
 * and are recorded as failed (`failure`); points that were never to run (`absent`: stored, or
 * rejected by the constraints) are no failure.
 */
export function isolating(
  run: (range: PointRange) => Promise<WorkReply>,
  failure: (k: number, error: unknown) => BatchOutcome,
  absent: (k: number) => boolean,
  observe: (count: number, ms: number) => void,
): (range: PointRange) => Promise<BatchOutcome> {
  const evaluate = async (range: PointRange, retried: boolean): Promise<BatchOutcome> => {
    const count = range.points === null ? range.to - range.from : range.points.length;
    try {
      const reply = await run(range);
      observe(count, reply.ms);
      return { replies: [reply], failures: [], failureRows: [] };
    } catch (error) {
      // Not the sets' fault: every batch would fail alike; the search stops (InFlight rethrows it).
      if (error instanceof ExecutorLostError) throw error;
      if (!retried) return evaluate(range, true);
      if (count === 1) {
        const k = range.points === null ? range.from : range.points[0];
        return absent(k) ? { replies: [], failures: [], failureRows: [] } : failure(k, error);
      }
      const half = count >> 1;
      const [a, b] =
        range.points === null
          ? [{ from: range.from, to: range.from + half, points: null } as const, { from: range.from + half, to: range.to, points: null } as const]
          : [{ from: 0, to: 0, points: range.points.subarray(0, half) } as const, { from: 0, to: 0, points: range.points.subarray(half) } as const];
      const first = await evaluate(a, true);
      const second = await evaluate(b, true);
      return {
        replies: [...first.replies, ...second.replies],
        failures: [...first.failures, ...second.failures],
        failureRows: [...first.failureRows, ...second.failureRows],
      };
    }
  };
  return (range) => evaluate(range, false);
}

/** A point that failed alone: one failed trial and one store row per window of its plan. */
export function failureOf(phase: ValidatedPhase, data: MarketData, windows: readonly BarWindow[], label: string, k: number, error?: unknown): BatchOutcome {
  const { set, params } = trialPoint(phase, k);
  const message = error instanceof Error ? error.message : String(error);
  return {
    replies: [],
    // One failed trial per window, as a search per window would have recorded.
    failures: windows.map(() => ({ trial: k, params, error: message })),
    failureRows: windows.map((w) => ({
      trialKey: trialKey(set, data.hash, w),
      phase: label,
      window: [w.start, w.end] as const,
      trial: k,
      params,
      metrics: null,
      error: message,
    })),
  };
}

/**
 * The tasks a search has in flight. A task's own error (a store write, not a set: those are
 * isolated) stops dispatching (`failed`); `drain` waits for the tasks in flight to finish and then
 * rethrows the first such error.
 */
export class InFlight {
  private readonly tasks = new Set<Promise<void>>();
  private error: { error: unknown } | null = null;

  get failed(): boolean {
    return this.error !== null;
  }

  add(task: Promise<void>): void {
    const tracked: Promise<void> = task.then(
      () => void this.tasks.delete(tracked),
      (error: unknown) => {
        this.tasks.delete(tracked);
        this.error ??= { error };
      },
    );
    this.tasks.add(tracked);
  }

  async drain(): Promise<void> {
    await Promise.all(this.tasks);
    if (this.error !== null) throw this.error.error;
  }
}
