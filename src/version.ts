import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** fanfold's own package.json, found by walking up from this module (works from src/ and dist/src/). */
function packageJson(): { name: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name: string; version: string };
      if (pkg.name === 'fanfold') return pkg;
    }
    const up = dirname(dir);
    if (up === dir) return { name: 'fanfold', version: '0.0.0' };
    dir = up;
  }
}

export const VERSION = packageJson().version;
