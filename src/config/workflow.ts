import { findWorkflow, listWorkflows } from '../compose/registry.js';
import { OptionError } from '../compose/protocol.js';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq, visit, type Node, type Pair, type YAMLMap } from 'yaml';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { compileExpression, ExpressionError, type CompiledExpression } from '../expression/expression.js';
import { PHASE_META_KEYS, phaseMetaSchema, configSchema } from './schema.js';
import { parseOverrides, type Override } from './overrides.js';
import { readConfigSource, toPlain } from './source.js';
import { didYouMean } from '../common/suggest.js';
import { checkField, findTemplates } from './templates.js';
import { getPair, locateIn, mapWith, mergeNodes, plainOf, rootOf, withoutKeys } from './tree.js';
import { IssueSink, validatePhase, type Path, type ValidatedPhase } from './validate.js';
import type { TopologyKind } from '../common/names.js';

export type TopologyName = TopologyKind;

/** One phase as declared: its own keys, and its config as the workflow's merged with its overrides. */
export interface PhaseDeclaration {
  readonly name: string;
  readonly index: number;
  readonly topology: TopologyName | null;
  readonly dependsOn: readonly string[];
  readonly conditions: readonly CompiledExpression[];
  /** `inputs.params`: the phase whose best parameters override this phase's. */
  readonly paramsFrom: string | null;
  /** `compose`: the composable workflow that iterates or branches this phase, with its options. */
  readonly compose: { readonly type: string; readonly maxIterations: number; readonly options: Readonly<Record<string, unknown>> } | null;
  /** `inputs.signals`: the signal_generation phase whose stored signals a signal_replay phase replays. */
  readonly signalsFrom: string | null;
  /** Merged config tree (positions of every value) and its plain value. */
  readonly tree: Node;
  readonly plain: Record<string, unknown>;
  /** Validated at load time (null when the phase holds templates resolved only at run time). */
  readonly validated: ValidatedPhase | null;
  readonly sink: IssueSink;
  /** Key paths whose values hold `${...}` templates. */
  readonly templated: readonly Path[];
}

export interface Workflow {
  readonly name: string;
  readonly file: string;
  readonly baseDir: string;
  /** Absolute plugin folders. */
  readonly plugins: readonly string[];
  /** In execution order (dependencies first, then file order). */
  readonly phases: readonly PhaseDeclaration[];
  /** False when the file has `phases`. */
  readonly single: boolean;
}

/** Resolves `extends` chains: each file's keys override its base's (merge rules in tree.ts). */
function loadTree(file: string, chain: readonly string[], issues: ConfigIssue[]): Node | null {
  const source = readConfigSource(file);
  toPlain(source); // bounds alias expansion before the tree expands aliases
  const root = rootOf(source);
  if (!isMap(root)) return root;
  const ext = getPair(root, 'extends');
  if (!ext) return root;
  const own = withoutKeys(root, ['extends']);
  const sink = new IssueSink(root, file);
  const target = isScalar(ext.value) ? ext.value.value : null;
  if (typeof target !== 'string') {
    sink.at(['extends'], 'expected the path of a base config');
    issues.push(...sink.issues);
    return own;
  }
  const basePath = resolve(dirname(file), target);
  if ([...chain, resolve(file)].includes(basePath)) {
    sink.at(['extends'], `extends cycle: ${[...chain, resolve(file), basePath].join(' → ')}`);
    issues.push(...sink.issues);
    return own;
  }
  try {
    const base = loadTree(basePath, [...chain, resolve(file)], issues);
    return mergeNodes(base, own);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    if (e.issues.length === 1 && e.issues[0].message.startsWith('cannot read config')) sink.at(['extends'], `cannot read base config ${basePath}`);
    issues.push(...sink.issues);
    if (sink.issues.length === 0) issues.push(...e.issues);
    return own;
  }
}

const asList = (v: unknown): string[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/**
 * Loads a workflow file: resolves `extends`, applies `--set` overrides, splits it into phases (a file
 * without `phases` is one phase named after the workflow), validates every phase and checks the
 * phase graph (unknown or cyclic `depends_on`, templates naming phases that do not run before).
 * Throws one ConfigError with every issue found.
 */
export function loadWorkflow(file: string, sets: readonly string[] = []): Workflow {
  return workflowOf(readWorkflow(file, sets));
}

/**
 * A workflow file read and merged once: its extends chain, then --set. Plugins are loaded from
 * `plugins` before `workflowOf` validates the rest, since they register the strategies it checks.
 */
export interface WorkflowSource {
  readonly file: string;
  /** The file's tree as merged from its extends chain (positions of issues are found in it). */
  readonly tree: Node;
  /** With the --set overrides applied. */
  readonly root: Node;
  readonly overrides: readonly Override[];
  /** The plugin folders it names, resolved. */
  readonly plugins: string[];
}

/** Reads a workflow file; a broken extends chain, a file that is not a map or a bad --set is a ConfigError. */
export function readWorkflow(file: string, sets: readonly string[] = []): WorkflowSource {
  const issues: ConfigIssue[] = [];
  const tree = loadTree(file, [], issues);
  // A broken extends chain would make every later check report what the missing base should supply.
  if (issues.length > 0) throw new ConfigError(sortIssues(issues));
  if (!isMap(tree)) {
    const top = new IssueSink(tree, file);
    top.at([], 'expected a map of config keys (name, data, strategy, ...)');
    throw new ConfigError(top.issues);
  }
  const overrides = parseOverrides(sets);
  const root = overrides.reduce<Node>((t, o) => o.apply(t), tree);
  return { file, tree, root, overrides, plugins: pluginPaths(root, file) };
}

/** Validates a read workflow: every phase's config, the phase graph and the conditions. */
export function workflowOf(source: WorkflowSource): Workflow {
  const { file, root, overrides } = source;
  const issues: ConfigIssue[] = [];
  const top = new IssueSink(source.tree, file);
  const plainRoot = plainOf(root) as Record<string, unknown>;
  const phasesPair = getPair(root as YAMLMap, 'phases');
  const workflowBase = withoutKeys(root as YAMLMap, ['phases']);
  const name = typeof plainRoot.name === 'string' ? plainRoot.name : 'workflow';
  const declarations: PhaseDeclaration[] = [];

  if (!phasesPair) {
    declarations.push(declare(name, 0, null, workflowBase, file, overrides, (key, message) => top.at(key, message), null));
  } else if (!isSeq(phasesPair.value) || phasesPair.value.items.length === 0) {
    top.at(['phases'], 'expected a list of phases, each {name, ...}');
  } else {
    phasesPair.value.items.forEach((item, i) => {
      const at = (path: Path, message: string, atKey = false): void => top.at(['phases', i, ...path], message, atKey);
      if (!isMap(item)) return at([], 'expected a map: {name, topology, depends_on, ...config overrides}');
      const meta: Record<string, unknown> = {};
      const configKeys = new Set(Object.keys(configSchema.shape));
      const overridePairs: Pair[] = [];
      for (const pair of item.items) {
        const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
        if ((PHASE_META_KEYS as readonly string[]).includes(key)) meta[key] = plainOf(pair.value as Node | null);
        else if (configKeys.has(key) && !['name', 'extends', 'plugins', '$schema'].includes(key)) overridePairs.push(pair);
        else at([key], `unknown phase key '${key}'${didYouMean(key, [...PHASE_META_KEYS, ...configKeys])}`, true);
      }
      const parsed = phaseMetaSchema.safeParse(meta);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) at(issue.path, issue.message.replace(/^Invalid input: /, ''));
        return;
      }
      const phaseOverrides = mapWith(item, overridePairs);
      const merged = mergeNodes(workflowBase, phaseOverrides) as Node;
      const nodes = new WeakSet<object>();
      visit(item, { Node: (_, n) => void nodes.add(n) });
      declarations.push(
        declare(parsed.data.name, i, parsed.data, merged, file, overrides, (path, message) => at(path, message), { nodes, prefix: `phases[${i}]` }),
      );
    });
  }
  const ordered = checkGraph(declarations, top);
  for (const d of declarations) issues.push(...d.sink.issues);
  issues.push(...top.issues);
  if (issues.length > 0) throw new ConfigError(sortIssues(issues));
  return { name, file, baseDir: dirname(resolve(file)), plugins: source.plugins, phases: ordered, single: !phasesPair };
}

function declare(
  name: string,
  index: number,
  meta: {
    topology?: TopologyName;
    depends_on?: string | string[];
    conditions?: string | string[];
    inputs?: { params?: string; signals?: string };
    compose?: { type: string; max_iterations: number } & Record<string, unknown>;
  } | null,
  tree: Node,
  file: string,
  overrides: readonly Override[],
  metaAt: (path: Path, message: string) => void,
  phaseNodes: { readonly nodes: WeakSet<object>; readonly prefix: string } | null,
): PhaseDeclaration {
  // --set wins over every phase's own keys too.
  const withSets = overrides.reduce<Node>((t, o) => o.apply(t), tree);
  const plain = plainOf(withSets) as Record<string, unknown>;
  const sink = new IssueSink(withSets, file, phaseNodes);
  const templated = findTemplates(plain).map((t) => t.path);
  const validated = validatePhase(plain, sink, templated);
  const conditions: CompiledExpression[] = [];
  asList(meta?.conditions).forEach((text, i) => {
    try {
      conditions.push(compileExpression(text));
    } catch (e) {
      if (!(e instanceof ExpressionError)) throw e;
      metaAt(Array.isArray(meta?.conditions) ? ['conditions', i] : ['conditions'], `condition '${text}': ${e.message}`);
    }
  });
  let paramsFrom: string | null = null;
  const input = meta?.inputs?.params;
  if (input !== undefined) {
    const m = /^\$\{\s*([A-Za-z0-9_]+)\.best\.params\s*\}$/.exec(input);
    if (m) paramsFrom = m[1];
    else metaAt(['inputs', 'params'], `expected "\${phase.best.params}", found '${input}'`);
  }
  let compose: PhaseDeclaration['compose'] = null;
  if (meta?.compose && (meta.topology === 'signal_generation' || meta.topology === 'signal_replay')) {
    metaAt(['compose'], `a ${meta.topology} phase cannot be composed: compose iterates and branches searches of the backtest and optimization topologies`);
  } else if (meta?.compose) {
    const { type, max_iterations: maxIterations, ...options } = meta.compose;
    const def = findWorkflow(type);
    if (!def)
      metaAt(
        ['compose', 'type'],
        `unknown composable workflow '${type}'${didYouMean(
          type,
          listWorkflows().map((w) => w.name),
        )}; see \`fanfold list workflows\``,
      );
    else {
      try {
        def.prepare(options, plain);
        compose = { type, maxIterations, options };
      } catch (e) {
        if (!(e instanceof OptionError)) throw e;
        metaAt(['compose', ...e.key.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k))], e.message);
      }
    }
  }
  const signalsFrom = meta?.inputs?.signals?.replace(/^\$\{\s*(.*?)\s*\}$/, '$1') ?? null;
  if (signalsFrom !== null && meta?.topology !== 'signal_replay') metaAt(['inputs', 'signals'], `inputs.signals needs 'topology: signal_replay' in this phase`);
  return {
    name,
    index,
    compose,
    topology: meta?.topology ?? null,
    dependsOn: asList(meta?.depends_on),
    conditions,
    paramsFrom,
    signalsFrom,
    tree: withSets,
    plain,
    validated: templated.length === 0 ? validated : null,
    sink,
    templated,
  };
}

/** Plugin folders, each resolved against the folder of the file that named it. */
function pluginPaths(root: Node, file: string): string[] {
  const listed = asList((plainOf(root) as Record<string, unknown> | null)?.plugins);
  return listed.map((p, i) => {
    const pos = locateIn(root, ['plugins', i], file);
    return resolve(pos.file.startsWith('--set ') ? process.cwd() : dirname(pos.file), p);
  });
}

/** Topological order (stable by file order); unknown and cyclic dependencies, and template references, are issues. */
function checkGraph(phases: readonly PhaseDeclaration[], top: IssueSink): PhaseDeclaration[] {
  const byName = new Map<string, PhaseDeclaration>();
  for (const p of phases) {
    if (byName.has(p.name)) top.at(['phases', p.index, 'name'], `duplicate phase name '${p.name}'`);
    byName.set(p.name, p);
  }
  for (const p of phases) {
    p.dependsOn.forEach((d) => {
      if (!byName.has(d)) top.at(['phases', p.index, 'depends_on'], `unknown phase '${d}'${didYouMean(d, byName.keys())}`);
    });
  }
  const ordered: PhaseDeclaration[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (p: PhaseDeclaration, trail: string[]): void => {
    if (state.get(p.name) === 'done') return;
    if (state.get(p.name) === 'visiting') {
      top.at(['phases', p.index, 'depends_on'], `depends_on cycle: ${[...trail.slice(trail.indexOf(p.name)), p.name].join(' → ')}`);
      return;
    }
    state.set(p.name, 'visiting');
    for (const d of p.dependsOn) {
      const dep = byName.get(d);
      if (dep) visit(dep, [...trail, p.name]);
    }
    state.set(p.name, 'done');
    ordered.push(p);
  };
  for (const p of phases) visit(p, []);
  // Everything a phase reads must run before it: a transitive dependency.
  const ancestors = (p: PhaseDeclaration, seen = new Set<string>()): Set<string> => {
    for (const d of p.dependsOn) {
      if (seen.has(d)) continue;
      seen.add(d);
      const dep = byName.get(d);
      if (dep) ancestors(dep, seen);
    }
    return seen;
  };
  for (const p of phases) {
    const before = ancestors(p);
    const refs: { phase: string; path: Path; field: readonly string[] }[] = findTemplates(p.plain).flatMap((t) => t.refs.map((r) => ({ ...r, path: t.path })));
    for (const ref of refs) {
      if (!before.has(ref.phase))
        p.sink.at(
          ref.path,
          `template refers to phase '${ref.phase}', which is not among this phase's depends_on${byName.has(ref.phase) ? '' : didYouMean(ref.phase, byName.keys())}`,
        );
      const problem = checkField(ref.field);
      if (problem) p.sink.at(ref.path, `template \${${ref.phase}.${ref.field.join('.')}}: ${problem}`);
    }
    if (p.paramsFrom !== null && !before.has(p.paramsFrom))
      top.at(['phases', p.index, 'inputs', 'params'], `inputs.params refers to phase '${p.paramsFrom}', which is not among this phase's depends_on`);
    if (p.signalsFrom !== null) {
      const from = byName.get(p.signalsFrom);
      if (!before.has(p.signalsFrom))
        top.at(
          ['phases', p.index, 'inputs', 'signals'],
          `inputs.signals refers to phase '${p.signalsFrom}', which is not among this phase's depends_on${byName.has(p.signalsFrom) ? '' : didYouMean(p.signalsFrom, byName.keys())}`,
        );
      else if (from && from.topology !== 'signal_generation')
        top.at(
          ['phases', p.index, 'inputs', 'signals'],
          `inputs.signals: phase '${p.signalsFrom}' does not generate signals (it needs 'topology: signal_generation')`,
        );
    }
    for (const c of p.conditions) {
      for (const v of c.variables) {
        const phase = v.split('.')[0];
        if (!before.has(phase))
          top.at(['phases', p.index, 'conditions'], `condition '${c.source}' reads phase '${phase}', which is not among this phase's depends_on`);
      }
    }
  }
  return ordered;
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues
    .filter((i) => {
      const k = `${i.file}:${i.line}:${i.column}:${i.path}:${i.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => (a.file === b.file ? a.line - b.line || a.column - b.column : a.file < b.file ? -1 : 1));
}
