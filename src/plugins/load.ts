import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../errors.js';
import { parseFeatureKey } from '../features/registry.js';
import { findDefinition, registerClassifier, registerStrategy } from '../strategies/registry.js';
import type { ClassifierDefinition, ParamSpec, StrategyDefinition } from '../strategies/strategy.js';
import { isFeatureExport, registerFeatures } from './features.js';

/**
 * Where composable-workflow exports are registered: the coordinator's registry. Workers pass none
 * (they run strategies and classifiers only); the exports are still checked.
 */
export interface WorkflowRegistry {
  find(name: string): unknown;
  register(definition: object): void;
}

export interface LoadedPlugins {
  readonly features: string[];
  readonly strategies: string[];
  readonly classifiers: string[];
  readonly workflows: string[];
}

/** What is wrong with a composable workflow export (null when it has the protocol's shape). */
function checkWorkflow(value: Record<string, unknown>): string | null {
  if (typeof value.name !== 'string' || !NAME.test(value.name)) return `name must be lower_snake_case, got ${JSON.stringify(value.name)}`;
  if (typeof value.description !== 'string') return 'description must be a string';
  for (const fn of ['prepare', 'shouldContinue', 'modifyConfigForNext']) if (typeof value[fn] !== 'function') return `${fn} must be a function`;
  if (value.getBranches !== undefined && typeof value.getBranches !== 'function') return 'getBranches must be a function when present';
  return null;
}

const NAME = /^[a-z][a-z0-9_]*$/;
const PARAM_TYPES = ['int', 'number', 'bool', 'enum'];

/** What is wrong with a plugin export's metadata (null when it is a valid definition). */
function checkDefinition(value: Record<string, unknown>): string | null {
  const kind = value.kind;
  if (typeof value.name !== 'string' || !NAME.test(value.name)) return `name must be lower_snake_case, got ${JSON.stringify(value.name)}`;
  if (typeof value.description !== 'string') return 'description must be a string';
  if (!Number.isInteger(value.stateSize) || (value.stateSize as number) < 0) return 'stateSize must be a non-negative integer';
  for (const fn of ['prepare', 'features', kind === 'strategy' ? 'signal' : 'classify']) if (typeof value[fn] !== 'function') return `${fn} must be a function`;
  if (kind === 'classifier' && !(Array.isArray(value.labels) && value.labels.length > 0 && value.labels.every((l) => typeof l === 'string')))
    return 'labels must be a non-empty list of strings';
  if (!Array.isArray(value.params)) return 'params must be a list of parameter specs';
  for (const p of value.params as ParamSpec[]) {
    if (typeof p?.name !== 'string' || !NAME.test(p.name)) return `parameter name must be lower_snake_case, got ${JSON.stringify(p?.name)}`;
    if (!PARAM_TYPES.includes(p.type)) return `parameter ${p.name}: type must be one of ${PARAM_TYPES.join(', ')}`;
    const ok =
      p.type === 'bool'
        ? typeof p.default === 'boolean'
        : p.type === 'enum'
          ? Array.isArray(p.choices) && p.choices.includes(p.default)
          : typeof p.default === 'number';
    if (!ok) return `parameter ${p.name}: default ${JSON.stringify(p.default)} does not fit type ${p.type}${p.type === 'enum' ? ' and its choices' : ''}`;
  }
  // The defaults must prepare and name real features, so a broken plugin fails here and not mid-run.
  try {
    const prepared = (value.prepare as (raw: object) => unknown)({});
    for (const key of (value.features as (p: unknown) => string[])(prepared)) parseFeatureKey(key);
  } catch (e) {
    return `its defaults do not prepare: ${(e as Error).message}`;
  }
  return null;
}

/**
 * Loads user plugins: every `.js`/`.mjs` ES module and `.ts`/`.mts` TypeScript module directly inside the given folders (and nowhere
 * else). Each export with `kind: 'strategy'` or `'classifier'` is checked and registered; a name
 * already taken by a built-in or another plugin is refused with the file that tried to take it.
 */
export async function loadPlugins(folders: readonly string[], workflows: WorkflowRegistry | null = null): Promise<LoadedPlugins> {
  const loaded: LoadedPlugins = { features: [], strategies: [], classifiers: [], workflows: [] };
  const modules: { file: string; module: Record<string, unknown> }[] = [];
  for (const folder of folders) {
    let files: string[];
    try {
      if (!statSync(folder).isDirectory()) throw new Error('not a folder');
      files = pluginModules(readdirSync(folder));
    } catch (e) {
      throw new UserError(`plugins: cannot read folder ${folder}: ${(e as Error).message}`);
    }
    for (const f of files) {
      const file = join(folder, f);
      let module: Record<string, unknown>;
      try {
        module = await importModule(file);
      } catch (e) {
        throw new UserError(`plugin ${whereInPlugin(file, e)}: cannot load: ${loadReason(file, e)}`);
      }
      modules.push({ file, module });
    }
  }
  // Features first, whichever file they are in: a strategy's defaults are checked against the features they name.
  for (const { file, module } of modules) registerFeatures(file, module, loaded);
  for (const { file, module } of modules) registerExports(file, module, loaded, workflows);
  return loaded;
}

/** A module's strategies, classifiers and workflows, checked and registered (its features are already). */
function registerExports(file: string, module: Record<string, unknown>, loaded: LoadedPlugins, workflows: WorkflowRegistry | null): void {
  let found = Object.values(module).some(isFeatureExport) ? 1 : 0;
  for (const [exportName, value] of Object.entries(module)) {
    if (value === null || typeof value !== 'object') continue;
    const def = value as Record<string, unknown>;
    if (def.kind === 'workflow') {
      found++;
      const problem = checkWorkflow(def);
      if (problem) throw new UserError(`plugin ${file}: export '${exportName}': ${problem}`);
      if (workflows === null) continue;
      const existing = workflows.find(def.name as string);
      if (existing === value) continue;
      if (existing)
        throw new UserError(`plugin ${file}: export '${exportName}': the name '${def.name as string}' is already registered (composable workflow); rename it`);
      workflows.register(value);
      loaded.workflows.push(def.name as string);
      continue;
    }
    if (def.kind !== 'strategy' && def.kind !== 'classifier') continue;
    found++;
    const problem = checkDefinition(def);
    if (problem) throw new UserError(`plugin ${file}: export '${exportName}': ${problem}`);
    const name = def.name as string;
    const existing = findDefinition(name);
    if (existing === value) continue; // the same module loaded again
    if (existing)
      throw new UserError(
        `plugin ${file}: export '${exportName}': the name '${name}' is already registered (${existing.kind === 'strategy' ? 'strategy' : 'classifier'}); rename it`,
      );
    if (def.kind === 'strategy') {
      registerStrategy(value as StrategyDefinition);
      loaded.strategies.push(name);
    } else {
      registerClassifier(value as ClassifierDefinition);
      loaded.classifiers.push(name);
    }
  }
  if (found === 0)
    throw new UserError(
      `plugin ${file}: exports no feature, strategy, classifier or workflow (an object with kind: 'feature', 'strategy', 'classifier' or 'workflow')`,
    );
}

const loadedOnce = new Map<string, Promise<LoadedPlugins>>();

/** Loads a set of plugin folders once per thread (a worker's tasks all name the same folders). */
export function loadPluginsOnce(folders: readonly string[]): Promise<LoadedPlugins> {
  const id = folders.join('\0');
  let loaded = loadedOnce.get(id);
  if (loaded === undefined) {
    loaded = loadPlugins(folders);
    loadedOnce.set(id, loaded);
    loaded.catch(() => loadedOnce.delete(id));
  }
  return loaded;
}

/**
 * `file:line:col` of what went wrong loading a plugin module. A module that throws while it runs
 * has the position in its stack; Node's SyntaxError for an ES module has none, so the file is
 * checked once more with `node --check`, which prints the line and a caret under the column (only
 * on this error path).
 */
function whereInPlugin(file: string, error: unknown): string {
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const stack = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : '';
  // A JavaScript module's frames name its file:// URL; jiti's (TypeScript) name the path, in the stack or a parse error's message.
  const frame = new RegExp(`(?:${escape(pathToFileURL(file).href)}|${escape(file)}):(\\d+):(\\d+)`).exec(stack);
  if (frame !== null) return `${file}:${frame[1]}:${frame[2]}`;
  if (TYPESCRIPT.test(file)) return file;
  if (!(error instanceof SyntaxError)) return file;
  const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
  const lines = check.stderr.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`${file}:`));
  if (at < 0) return file;
  const line = lines[at].slice(file.length + 1);
  const caret = lines[at + 2]?.indexOf('^') ?? -1;
  return caret >= 0 ? `${file}:${line}:${caret + 1}` : `${file}:${line}`;
}

/**
 * Why a module did not load, on one line. jiti reports a TypeScript parse error as an Error whose
 * message is `ParseError: …` then the position (given before this, by whereInPlugin): said as the
 * SyntaxError it is, without the position line.
 */
function loadReason(file: string, error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const message = error.message
    .split('\n')
    .filter((l) => !l.trim().startsWith(file))
    .join(' ')
    .trim();
  const parse = /^ParseError: (.*)$/s.exec(message);
  return parse !== null ? `SyntaxError: ${parse[1]}` : `${error.name}: ${message}`;
}

const TYPESCRIPT = /\.m?ts$/;
const DECLARATIONS = /\.d\.m?ts$/;

/**
 * The modules of a plugin folder, in name order: `.js`/`.mjs`, and `.ts`/`.mts` unless compiled
 * JavaScript of the same name stands beside it (then that is the module and the TypeScript its
 * source, not loaded twice); declaration files are no modules.
 */
export function pluginModules(names: readonly string[]): string[] {
  const present = new Set(names);
  return names
    .filter((f) => {
      if (/\.m?js$/.test(f)) return true;
      if (!TYPESCRIPT.test(f) || DECLARATIONS.test(f)) return false;
      const base = f.replace(TYPESCRIPT, '');
      return !present.has(`${base}.js`) && !present.has(`${base}.mjs`);
    })
    .sort();
}

type Jiti = { import(id: string): Promise<unknown> };
let jiti: Promise<Jiti> | null = null;

/**
 * A plugin module, imported. TypeScript goes through jiti, which strips the types (it does not
 * check them: `tsc --noEmit` does) and keeps line and column in errors; jiti is loaded only when a
 * folder has TypeScript. Its file cache is off: nothing is written beside the user's files.
 */
async function importModule(file: string): Promise<Record<string, unknown>> {
  if (!TYPESCRIPT.test(file)) return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  jiti ??= import('jiti').then(({ createJiti }) => createJiti(import.meta.url, { fsCache: false, moduleCache: true, interopDefault: false }));
  return (await (await jiti).import(resolve(file))) as Record<string, unknown>;
}
