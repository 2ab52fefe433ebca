import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ConfigIssue } from '../errors.js';
import { configSchema, type Config } from './schema.js';
import { locateIn } from './tree.js';
import type { Path } from './validate.js';
import type { PhaseDeclaration, Workflow } from './workflow.js';

/**
 * The data spec with every relative path resolved against the folder of the file that wrote that
 * path (an `extends` base may), or the working directory for a path given with `--set`.
 */
export function resolveDataPaths(decl: PhaseDeclaration, workflowFile: string, data: Config['data']): Config['data'] {
  const against = (path: Path, value: string): string => {
    const pos = locateIn(decl.tree, path, workflowFile);
    return resolve(pos.file.startsWith('--set ') ? process.cwd() : dirname(resolve(pos.file)), value);
  };
  if ('path' in data) return { ...data, path: against(['data', 'path'], data.path) };
  if ('symbols' in data) return { symbols: data.symbols.map((s, i) => ({ ...s, path: against(['data', 'symbols', i, 'path'], s.path) })) };
  return data;
}

/** A data file a workflow reads: its absolute path, the first phase naming it and the key path there. */
export interface DataFileUse {
  readonly path: string;
  readonly phase: PhaseDeclaration;
  readonly key: Path;
}

/** Every data file the workflow's phases name, each once (synthetic data names none). */
export function dataFilesOf(workflow: Workflow): DataFileUse[] {
  const uses = new Map<string, DataFileUse>();
  for (const phase of workflow.phases) {
    // A phase holding templates is validated when it runs; its data key is read as it stands.
    const data = phase.validated?.config.data ?? configSchema.shape.data.safeParse(phase.plain.data).data;
    if (data === undefined || 'synthetic' in data) continue;
    const resolved = resolveDataPaths(phase, workflow.file, data);
    const paths = 'path' in resolved ? [resolved.path] : 'symbols' in resolved ? resolved.symbols.map((s) => s.path) : [];
    paths.forEach((path, i) => {
      const key: Path = 'path' in resolved ? ['data', 'path'] : ['data', 'symbols', i, 'path'];
      if (!uses.has(path)) uses.set(path, { path, phase, key });
    });
  }
  return [...uses.values()];
}

/** A config issue, at the key that names it, for each data file that is missing or no file. */
export function missingDataFiles(uses: readonly DataFileUse[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const use of uses) {
    const problem = fileProblem(use.path);
    if (problem !== null) issues.push(use.phase.sink.issueAt(use.key, `${problem}: ${use.path}`));
  }
  return issues;
}

function fileProblem(path: string): string | null {
  try {
    return statSync(path).isFile() ? null : 'the data file is not a file';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no such data file' : `cannot read the data file (${code ?? String(err)})`;
  }
}
