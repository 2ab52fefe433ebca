import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * sha256 over the plugin modules a run loads (every `.js`/`.mjs` file directly inside each folder,
 * by name, in order): a worker whose copy of the plugins differs from the coordinator's would
 * compute other results under the same trial keys, so it refuses the run instead.
 */
export function pluginsHash(folders: readonly string[]): string {
  const h = createHash('sha256');
  for (const folder of folders) {
    h.update(`folder\0${folder}\0`);
    const files = readdirSync(folder)
      .filter((f) => f.endsWith('.js') || f.endsWith('.mjs'))
      .sort();
    for (const f of files) {
      const bytes = readFileSync(join(folder, f));
      h.update(`file\0${f}\0${bytes.length}\0`);
      h.update(bytes);
    }
  }
  return h.digest('hex');
}
