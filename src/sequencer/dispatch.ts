/**
 * How many tasks a run keeps in flight, whatever the number of searches running at once (the
 * windows of a walk-forward, the folds of a k_fold, a composed phase's branches): one slot more
 * than the executor runs at once, so a worker that finishes finds the next task waiting. Waiting
 * searches get slots by priority (lower first, then first come): earlier windows finish first, and
 * a window's test run goes ahead of later windows' batches, so nothing waits for the end.
 */
export class Dispatcher {
  private free: number;
  private readonly waiting: { priority: number; order: number; resolve: () => void }[] = [];
  private arrivals = 0;

  constructor(readonly slots: number) {
    this.free = slots;
  }

  /** Resolves when a slot is free; call the returned function to give it back. */
  acquire(priority: number): Promise<() => void> {
    if (this.free > 0 && this.waiting.length === 0) {
      this.free--;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => {
      const entry = { priority, order: this.arrivals++, resolve: () => resolve(this.releaser()) };
      let i = this.waiting.length;
      while (i > 0 && this.waiting[i - 1].priority > priority) i--;
      this.waiting.splice(i, 0, entry);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next.resolve();
      else this.free++;
    };
  }
}
