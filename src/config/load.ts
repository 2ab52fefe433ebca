import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { getClassifier, getStrategy, listClassifiers, listStrategies } from '../strategies/registry.js';
import { ParamError } from '../strategies/params.js';
import { configSchema, type Config } from './schema.js';
import type { RawParams } from '../strategies/strategy.js';
import { applyOverrides, type Override } from './overrides.js';
import { dottedPath, locate, readConfigSource, toPlain, type ConfigSource } from './source.js';
import { didYouMean } from './suggest.js';

export interface LoadedConfig {
  readonly config: Config;
  readonly file: string;
  /** Folder relative data paths resolve against. */
  readonly baseDir: string;
}

/**
 * Reads, overrides and validates a config. Every problem of the file is collected and thrown at once
 * as a ConfigError whose issues name file:line:column, the key path, what was found and what was
 * expected.
 */
export function loadConfig(file: string, sets: readonly string[] = []): LoadedConfig {
  const source = readConfigSource(file);
  const overrides = applyOverrides(source, sets);
  const plain = toPlain(source);
  const issues: ConfigIssue[] = [];
  const at = (path: readonly PropertyKey[], message: string, atKey = false): void => {
    issues.push(issueAt(source, overrides, path, message, atKey));
  };
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    at([], 'expected a map of config keys (name, data, strategy, ...)');
    throw new ConfigError(issues);
  }
  if ('phases' in plain) at(['phases'], 'multi-phase workflows are not available in this version; remove `phases` and run one phase per config', true);
  const parsed = configSchema.safeParse(plain);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        const allowed = keysAt(configSchema, issue.path);
        for (const key of issue.keys) if (!(issue.path.length === 0 && key === 'phases')) at([...issue.path, key], `unknown key '${key}'${didYouMean(key, allowed)}`, true);
      } else {
        at(issue.path, describe(issue, plain));
      }
    }
  }
  checkComponents((plain as { strategy?: unknown }).strategy, at);
  issues.sort((a, b) => (a.file === b.file ? a.line - b.line || a.column - b.column : a.file < b.file ? -1 : 1));
  if (issues.length > 0) throw new ConfigError(issues);
  return { config: parsed.data!, file, baseDir: dirname(resolve(file)) };
}

function issueAt(source: ConfigSource, overrides: readonly Override[], path: readonly PropertyKey[], message: string, atKey: boolean): ConfigIssue {
  const dotted = dottedPath(path);
  const override = overrides.find((o) => dotted === o.path.join('.') || dotted.startsWith(`${o.path.join('.')}.`));
  if (override) return { file: `--set ${override.text}`, line: 1, column: 1, path: dotted, message };
  const { line, column } = locate(source, path, atKey);
  return { file: source.file, line, column, path: dotted, message };
}

function describe(issue: z.core.$ZodIssue, root: unknown): string {
  const found = valueAt(root, issue.path);
  const shown = found === undefined ? 'nothing' : JSON.stringify(found);
  if (issue.code === 'invalid_union') return `expected ${unionHint(issue.path)}, found ${shown}`;
  return `${issue.message.replace(/^(Invalid input|Invalid option|Too big|Too small): /, '')}${found === undefined || issue.code === 'invalid_type' ? '' : `, found ${shown}`}`;
}

function unionHint(path: readonly PropertyKey[]): string {
  switch (path[path.length - 1]) {
    case 'data':
      return 'one of {path, symbol}, {symbols: [{symbol, path}, ...]} or {synthetic: {bars, seed, symbols}}';
    case 'sizing':
      return 'one of {percent_equity: p}, {fixed: n} or {fractional: p} (p in (0, 1])';
    case 'commission':
      return 'null or one of {percent: c}, {per_share: c} or {fixed: c}';
    case 'slippage':
      return 'null or one of {percent: s} or {fixed: x}';
    case 'sequence':
      return "single_pass (other sequences are not available in this version)";
    case 'workers':
      return "'auto' or a positive integer";
    default:
      return 'a value of another shape';
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** Keys a (strict) object schema allows at `path`, for did-you-mean hints. */
function keysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let nodes: z.core.$ZodType[] = [schema];
  const unwrap = (s: z.core.$ZodType): z.core.$ZodType[] => {
    const def = s._zod.def as { type: string; innerType?: z.core.$ZodType; options?: z.core.$ZodType[]; element?: z.core.$ZodType };
    if (def.innerType) return unwrap(def.innerType);
    if (def.type === 'union' && def.options) return def.options.flatMap(unwrap);
    return [s];
  };
  for (const p of [...path, null]) {
    nodes = nodes.flatMap(unwrap);
    if (p === null) break;
    nodes = nodes.flatMap((n) => {
      const def = n._zod.def as { type: string; shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType };
      if (def.type === 'object' && def.shape && typeof p === 'string' && def.shape[p]) return [def.shape[p]];
      if (def.type === 'array' && def.element) return [def.element];
      return [];
    });
  }
  return nodes.flatMap((n) => Object.keys((n._zod.def as { shape?: object }).shape ?? {}));
}

/** Strategy and classifier names and their parameters, checked against the registry. */
function checkComponents(strategy: unknown, at: (path: readonly PropertyKey[], message: string, atKey?: boolean) => void): void {
  if (strategy === null || typeof strategy !== 'object' || typeof (strategy as { type?: unknown }).type !== 'string') return;
  const { type, regime_filter: filter, ...params } = strategy as { type: string; regime_filter?: unknown } & RawParams;
  try {
    getStrategy(type).prepare(params);
  } catch (e) {
    if (e instanceof ParamError) for (const p of [e, ...e.others]) at(['strategy', p.param], p.message, p.message.includes('unknown parameter'));
    else at(['strategy', 'type'], `unknown strategy '${type}'${didYouMean(type, listStrategies().map((s) => s.name))}; see \`fanfold list strategies\``);
  }
  if (filter === null || typeof filter !== 'object' || typeof (filter as { type?: unknown }).type !== 'string') return;
  const { type: ctype, allow, ...cparams } = filter as { type: string; allow?: unknown } & RawParams;
  try {
    const c = getClassifier(ctype);
    c.prepare(cparams);
    if (Array.isArray(allow)) {
      allow.forEach((label: unknown, i) => {
        if (typeof label === 'string' && !c.labels.includes(label)) at(['strategy', 'regime_filter', 'allow', i], `unknown label '${label}' of ${ctype}; labels are ${c.labels.join(', ')}`);
      });
    }
  } catch (e) {
    if (e instanceof ParamError) for (const p of [e, ...e.others]) at(['strategy', 'regime_filter', p.param], p.message, p.message.includes('unknown parameter'));
    else at(['strategy', 'regime_filter', 'type'], `unknown classifier '${ctype}'${didYouMean(ctype, listClassifiers().map((c) => c.name))}`);
  }
}
