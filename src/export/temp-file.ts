import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { threadId } from 'node:worker_threads';

/**
 * A file written in pieces under a temporary name beside its target and renamed over it when
 * complete (as common/atomic.ts does for whole files): a reader never sees half an export, and a
 * failed export leaves the previous file, if any.
 */
export class TempFile {
  readonly path: string;
  private fd: number | null = null;
  private done = false;

  constructor(readonly target: string) {
    this.path = `${target}.${process.pid}.${threadId}.tmp`;
  }

  write(text: string): void {
    if (text.length === 0) return;
    this.fd ??= openSync(this.path, 'w');
    writeSync(this.fd, text);
  }

  /** Renames the temporary file over the target (it must exist: written here or by another writer at `path`). */
  commit(): void {
    this.close();
    renameSync(this.path, this.target);
    this.done = true;
  }

  /** Removes the temporary file unless it was committed. */
  discard(): void {
    this.close();
    if (!this.done) rmSync(this.path, { force: true });
  }

  private close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
