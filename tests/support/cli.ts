import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The compiled CLI; `npm test` builds it first (pretest). */
export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

/** The project's root, where `npx fanfold` runs from. */
export const ROOT = join(import.meta.dirname, '..', '..');

/** `fanfold ARGS` in a child process (from `cwd`, default the project's root): its exit code and output. */
export function cli(args: readonly string[], cwd = ROOT): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
