/**
 * How many tasks a run keeps in flight, whatever the number of searches running at once (the
 * windows of a walk-forward, the folds of a k_fold, a composed phase's branches): twice what the
 * executor runs at once (at least two more), so a worker that finishes finds the next task
 * waiting while the coordinator handles the reply it just sent. Waiting
 * searches get slots by priority (lower first, then first come): earlier windows finish first, and
 * a window's test run goes ahead of later windows' batches, so nothing waits for the end.
 */
export class Dispatcher {
  private free: number;
  private readonly waiting: { priority: number; resolve: () => void }[] = [];

  /** The slots for an executor running `concurrency` tasks at once. */
  static for(concurrency: number): Dispatcher {
    return new Dispatcher(Math.max(2 * concurrency, concurrency + 2));
  }

  constructor(readonly slots: number) {
    this.free = slots;
  }

  /** Whether searches are waiting for a slot (then no search needs to shrink its batches for its own tail). */
  get contended(): boolean {
    return this.waiting.length > 0;
  }

  /** Resolves when a slot is free; call the returned function to give it back. */
  acquire(priority: number): Promise<() => void> {
    if (this.free > 0 && this.waiting.length === 0) {
      this.free--;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => {
      const entry = { priority, resolve: () => resolve(this.releaser()) };
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
