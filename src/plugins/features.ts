import { UserError } from '../errors.js';
import { pluginFeatureKind, type FeatureDefinition } from '../features/plugin-feature.js';
import { FEATURE_KINDS, registerFeatureKind } from '../features/registry.js';

const NAME = /^[a-z][a-z_]*$/;
const OUTPUT = /^[a-z]+$/;

/** A plugin export that says it is a feature. */
export function isFeatureExport(value: unknown): boolean {
  return value !== null && typeof value === 'object' && (value as { kind?: unknown }).kind === 'feature';
}

/** The plugin features registered so far, by name: the same definition loaded again is no collision. */
const registered = new Map<string, FeatureDefinition>();

/** Checks and registers a module's `kind: 'feature'` exports; names go to `loaded.features`. */
export function registerFeatures(file: string, module: Record<string, unknown>, loaded: { readonly features: string[] }): void {
  for (const [exportName, value] of Object.entries(module)) {
    if (!isFeatureExport(value)) continue;
    const def = value as FeatureDefinition;
    const problem = checkFeature(def);
    if (problem !== null) throw new UserError(`plugin ${file}: export '${exportName}': ${problem}`);
    if (registered.get(def.name) === def) continue;
    if (FEATURE_KINDS.has(def.name))
      throw new UserError(`plugin ${file}: export '${exportName}': the name '${def.name}' is already registered (feature); rename it`);
    registerFeatureKind(pluginFeatureKind(def));
    registered.set(def.name, def);
    loaded.features.push(def.name);
  }
}

/** What is wrong with a feature export (null: it has the shape, and its defaults warm up, size and update). */
function checkFeature(def: FeatureDefinition): string | null {
  // Feature keys are name(args).output: digits in a name would not parse back.
  if (typeof def.name !== 'string' || !NAME.test(def.name)) return `name must be lower_snake_case letters, got ${JSON.stringify(def.name)}`;
  if (typeof def.description !== 'string') return 'description must be a string';
  if (!Array.isArray(def.args)) return 'args must be a list of argument specs';
  for (const a of def.args) {
    if (typeof a?.name !== 'string' || !/^[a-z][a-z0-9_]*$/.test(a.name)) return `argument name must be lower_snake_case, got ${JSON.stringify(a?.name)}`;
    if (a.type !== 'int' && a.type !== 'number') return `argument ${a.name}: type must be int or number`;
    if (typeof a.default !== 'number' || !(a.default > 0) || (a.type === 'int' && !Number.isInteger(a.default)))
      return `argument ${a.name}: default must be a positive ${a.type === 'int' ? 'integer' : 'number'}`;
    if ((a.min !== undefined && typeof a.min !== 'number') || (a.max !== undefined && typeof a.max !== 'number'))
      return `argument ${a.name}: min and max must be numbers`;
  }
  if (def.outputs !== undefined && !(Array.isArray(def.outputs) && def.outputs.length > 0 && def.outputs.every((o) => typeof o === 'string' && OUTPUT.test(o))))
    return 'outputs must be a non-empty list of lowercase names';
  for (const fn of ['warmup', 'stateSize', 'update'] as const) if (typeof def[fn] !== 'function') return `${fn} must be a function`;
  // The defaults must size, warm up and update: a broken feature fails here, not mid-run in a worker.
  try {
    const args = def.args.map((a) => a.default);
    const size = def.stateSize(args);
    if (!Number.isInteger(size) || size < 0) return `stateSize(defaults) must be a non-negative integer, got ${String(size)}`;
    const warmup = def.warmup(args);
    if (!Number.isInteger(warmup) || warmup < 0) return `warmup(defaults) must be a non-negative integer, got ${String(warmup)}`;
    const width = def.outputs?.length ?? 1;
    const out = new Float64Array(width + 1).fill(Number.NaN);
    def.update(new Float64Array(size), args, { open: 1, high: 1, low: 1, close: 1, volume: 1 }, out, 1);
  } catch (e) {
    return `its defaults do not run: ${(e as Error).message}`;
  }
  return null;
}
