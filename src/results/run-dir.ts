import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../common/atomic.js';

/**
 * A study's results directory `<out>/<workflow>/<run_id>/` (DESIGN.md section 8). Files are written
 * atomically: to a temporary name in the same folder, then renamed over the target, so a crash
 * leaves either the old file or the new one, never a torn one.
 */
export class RunDirectory {
  readonly path: string;

  constructor(
    out: string,
    workflow: string,
    readonly runId: string,
  ) {
    this.path = join(out, workflow, runId);
    mkdirSync(this.path, { recursive: true });
  }

  writeJson(name: string, value: unknown): void {
    writeAtomic(join(this.path, name), `${JSON.stringify(value, null, 2)}\n`);
  }
}

/** A sortable, unique run id: UTC time to the millisecond plus random bits. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').replace(/\..*$/, '');
  const ms = String(now.getUTCMilliseconds()).padStart(3, '0');
  return `${stamp}${ms}-${Math.floor(Math.random() * 0x10000)
    .toString(16)
    .padStart(4, '0')}`;
}

/**
 * A run abandoned mid-way (a second Ctrl-C, or the grace period out): its run.json says
 * `interrupted`, not `running`, with when it stopped. Synchronous, for the moment before exit; the
 * rows already committed are in results.db whatever this does.
 */
export function markInterrupted(dir: string): void {
  const file = join(dir, 'run.json');
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (record.status !== 'running') return;
    writeAtomic(file, `${JSON.stringify({ ...record, status: 'interrupted', finished: new Date().toISOString(), abandoned: true }, null, 2)}\n`);
  } catch {
    // An unreadable run.json is left as it is: the resume reads results.db, not it.
  }
}
