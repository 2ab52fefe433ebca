import { closeSync, openSync, writeSync } from 'node:fs';
import { UserError } from '../errors.js';
import type { FailedTrial, TrialResult } from '../types.js';
import type { ProgressListener, ProgressSnapshot } from './phase-progress.js';

/** The version of the event stream's contract (README, "Live events"); a field removed or changed in meaning bumps it. */
export const EVENTS_VERSION = 1;

/** Failed trials told one by one per phase; the rest are counted in `progress.failed`. */
const FAILURES_TOLD = 20;

/** Progress events of a phase come at most this often (its last one always). */
const PROGRESS_EVERY_MS = 1000;

export type RunEventName = 'run_start' | 'phase_start' | 'progress' | 'best' | 'window_done' | 'failure' | 'phase_end' | 'run_end';

/**
 * `fanfold run --events FILE|-`: one JSON object per line, written synchronously as it happens, so
 * a kill loses no line already written and the order is the order things happened in. Every line
 * has `v` (the contract version), `event`, `time` (ISO 8601 UTC) and the event's fields.
 */
export class EventStream {
  private readonly told = new Map<string, number>();
  private closed = false;

  private constructor(
    private readonly fd: number,
    private readonly owned: boolean,
  ) {}

  /** `-`: standard output; else a file, created or emptied. */
  static open(target: string): EventStream {
    if (target === '-') return new EventStream(1, false);
    try {
      return new EventStream(openSync(target, 'w'), true);
    } catch (error) {
      throw new UserError(`--events: cannot write ${target}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  emit(event: RunEventName, fields: Record<string, unknown>): void {
    if (this.closed) return;
    writeSync(this.fd, `${JSON.stringify({ v: EVENTS_VERSION, event, time: new Date().toISOString(), ...fields })}\n`);
  }

  /** What a phase's progress tells the stream: progress (throttled), each new best, each window done, the first failures. */
  listener(metric: string): ProgressListener {
    let last = -Infinity;
    let told: ProgressSnapshot | null = null;
    return {
      progress: (s, final) => {
        const now = performance.now();
        if (!final && now - last < PROGRESS_EVERY_MS) return;
        // The phase's last word is not said twice when the last batch was just told.
        if (final && told !== null && told.done === s.done && told.finished === s.finished && told.failed === s.failed) return;
        last = now;
        told = s;
        this.emit('progress', progressFields(s));
      },
      best: (s) => {
        if (s.best !== null) this.emit('best', { phase: s.phase, ...searchOf(s, s.best.search), ...bestFields(s.best.item, metric) });
      },
      windowDone: (s, done) =>
        this.emit('window_done', {
          phase: s.phase,
          ...searchOf(s, done.search),
          finished: s.finished,
          best: done.best === null ? null : bestFields(done.best, metric),
          test: done.test,
        }),
      failures: (phase, failures) => this.failures(phase, failures),
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.owned) closeSync(this.fd);
  }

  private failures(phase: string, failures: readonly FailedTrial[]): void {
    let told = this.told.get(phase) ?? 0;
    for (const f of failures) {
      if (told >= FAILURES_TOLD) break;
      this.emit('failure', { phase, trial: f.trial, params: f.params, error: f.error });
      told++;
    }
    this.told.set(phase, told);
  }
}

function progressFields(s: ProgressSnapshot): Record<string, unknown> {
  return {
    phase: s.phase,
    done: s.done,
    total: s.total,
    failed: s.failed,
    restored: s.restored,
    rate: Math.round(s.rate * 10) / 10,
    eta_s: s.eta === null ? null : Math.round(s.eta),
    seconds: Math.round(s.seconds * 1000) / 1000,
    unit: s.unit,
    searches: s.searches,
    finished: s.finished,
  };
}

/** Which search of a windowed phase (1-based, as the summary numbers windows); nothing for a single search. */
function searchOf(s: ProgressSnapshot, search: number): Record<string, unknown> {
  return s.unit === null ? {} : { unit: s.unit, index: search + 1, of: s.searches };
}

function bestFields(item: TrialResult, metric: string): Record<string, unknown> {
  return { trial: item.trial, params: item.params, metric, value: item.metrics[metric as keyof typeof item.metrics] ?? null };
}
