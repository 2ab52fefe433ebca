import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The layer rules (.dependency-cruiser.cjs) as CI runs them (npm run deps), on a small tree made to
// break each rule once, and on this repository.
const root = join(import.meta.dirname, '..');
const depcruise = join(root, 'node_modules', '.bin', 'depcruise');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** The violations (JSON report), and the exit status of the report CI prints (which fails the job). */
function cruise(cwd: string): { status: number | null; violations: Violation[] } {
  const args = ['src', 'workers', '--config', join(root, '.dependency-cruiser.cjs')];
  const json = spawnSync(depcruise, [...args, '--output-type', 'json'], { cwd, encoding: 'utf8' });
  const summary = (JSON.parse(json.stdout) as { summary: { violations: Violation[] } }).summary;
  return { status: spawnSync(depcruise, args, { cwd, encoding: 'utf8' }).status, violations: summary.violations };
}

describe('layer rules', () => {
  it('reject an upward import, a circle, I/O in the engine and a file in no layer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanfold-layers-'));
    copyFileSync(join(root, 'tsconfig.json'), join(dir, 'tsconfig.json'));
    const files: Record<string, string> = {
      'src/coordinator/run.ts': 'export const run = 1;\n',
      'src/engine/upward.ts': "import { run } from '../coordinator/run.js';\nexport const upward = run;\n",
      'src/engine/io.ts': "import { readFileSync } from 'node:fs';\nexport const io = readFileSync;\n",
      'src/data/a.ts': "import { b } from './b.js';\nexport const a = (): number => b();\n",
      'src/data/b.ts': "import { a } from './a.js';\nexport const b = (): number => a();\n",
      'src/elsewhere/stray.ts': "import { run } from '../coordinator/run.js';\nexport const stray = run;\n",
      'src/data/c.ts': "import { stray } from '../elsewhere/stray.js';\nexport const c = stray;\n",
      'workers/ok.ts': "import { run } from '../src/coordinator/run.js';\nexport const ok = run;\n",
    };
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    const { status, violations } = cruise(dir);
    expect(status).not.toBe(0);
    const found = violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
    expect(found).toEqual([
      'engine-does-no-io: src/engine/io.ts -> fs',
      'no-circular: src/data/a.ts -> src/data/b.ts',
      'no-unlayered-import: src/data/c.ts -> src/elsewhere/stray.ts',
      'no-unlayered: src/elsewhere/stray.ts -> src/coordinator/run.ts',
      'no-upward-from-engine: src/engine/upward.ts -> src/coordinator/run.ts',
      // workers/ sits below the coordinator: its import of it is upward too.
      'no-upward-from-workers: workers/ok.ts -> src/coordinator/run.ts',
    ]);
  });

  it('hold in this repository', () => {
    const out = execFileSync(depcruise, ['src', 'workers', '--config', '.dependency-cruiser.cjs'], { cwd: root, encoding: 'utf8' });
    expect(out).toContain('no dependency violations found');
  });
});
