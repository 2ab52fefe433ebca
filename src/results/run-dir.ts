import { mkdirSync } from 'node:fs';
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
