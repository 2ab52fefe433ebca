import { renameSync, writeFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';

/** Writes to a temporary name in the same folder, then renames it over the target: a crash leaves the old file or the new one, never a torn one. */
export function writeAtomic(file: string, content: string | Uint8Array): void {
  // Worker threads of one process may write the same file (a shared signal store): the thread id keeps temp names apart.
  const temp = `${file}.${process.pid}.${threadId}.tmp`;
  writeFileSync(temp, content);
  renameSync(temp, file);
}
