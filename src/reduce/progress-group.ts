import type { ProgressListener, ProgressSnapshot } from './phase-progress.js';

/**
 * Several phases that run side by side (a composed phase's branches) followed as one: their
 * snapshots summed into one line, so the total covers every branch and the ETA is that of the
 * slowest remaining work at the branches' combined rate.
 */
export class ProgressGroup {
  private readonly latest = new Map<string, { snapshot: ProgressSnapshot; final: boolean }>();

  constructor(
    private readonly label: string,
    private readonly members: readonly string[],
    private readonly out: ProgressListener,
  ) {}

  /** The listener of member `name` (a branch's phase label). */
  member(name: string): ProgressListener {
    return {
      progress: (s, final) => {
        this.latest.set(name, { snapshot: s, final });
        this.out.progress(this.snapshot(name), false);
      },
    };
  }

  end(): void {
    this.out.progress(this.snapshot(null), true);
  }

  private snapshot(from: string | null): ProgressSnapshot {
    let done = 0;
    let failed = 0;
    let restored = 0;
    let rate = 0;
    let seconds = 0;
    let total: number | null = 0;
    let finished = 0;
    for (const name of this.members) {
      const m = this.latest.get(name);
      if (m === undefined) {
        total = null;
        continue;
      }
      const s = m.snapshot;
      done += s.done;
      failed += s.failed;
      restored += s.restored;
      rate += s.rate;
      seconds = Math.max(seconds, s.seconds);
      total = total === null || s.total === null ? null : total + s.total;
      if (m.final) finished++;
    }
    const best = from === null ? null : (this.latest.get(from)?.snapshot.best ?? null);
    return {
      phase: this.label,
      done,
      failed,
      restored,
      total,
      rate,
      eta: total !== null && rate > 0 ? (total - done) / rate : null,
      seconds,
      unit: 'branch',
      searches: this.members.length,
      finished,
      best: best === null ? null : { ...best, of: `branch ${from}${best.of === null ? '' : ` ${best.of}`}` },
    };
  }
}
