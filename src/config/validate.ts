import type { z } from 'zod';
import type { Node } from 'yaml';
import type { ConfigIssue } from '../errors.js';
import { getClassifier, getStrategy, listClassifiers, listStrategies } from '../strategies/registry.js';
import { ParamError } from '../strategies/params.js';
import type { RawParams } from '../strategies/strategy.js';
import { compileExpression, ExpressionError, type CompiledExpression } from '../expression/expression.js';
import { assign, findDimensions, type Dimension } from '../space/space.js';
import { setAt, valueAtPath } from '../common/value-path.js';
import { configSchema, type Config } from './schema.js';
import { METRIC_NAMES } from '../types.js';
import { didYouMean } from '../common/suggest.js';
import { locateNode } from './tree.js';

export type Path = readonly PropertyKey[];

/** Collects issues located in a (merged) config tree. */
export class IssueSink {
  readonly issues: ConfigIssue[] = [];
  constructor(
    private readonly tree: Node | null,
    private readonly file: string,
    /**
     * A phase's own nodes and its prefix (`phases[1]`): an issue whose value the phase entry wrote is
     * shown under that prefix; one the workflow (or a base file) wrote keeps its plain path.
     */
    private readonly phase: { readonly nodes: WeakSet<object>; readonly prefix: string } | null = null,
  ) {}

  at(path: Path, message: string, atKey = false): void {
    this.issues.push(this.issueAt(path, message, atKey));
  }

  /** The issue `at` would record, for a check made after validation (e.g. that a data file exists). */
  issueAt(path: Path, message: string, atKey = false): ConfigIssue {
    const { position: pos, node } = locateNode(this.tree, path, this.file, atKey);
    const dotted = dottedPath(path);
    const shown = this.phase !== null && node !== null && this.phase.nodes.has(node) ? (dotted ? `${this.phase.prefix}.${dotted}` : this.phase.prefix) : dotted;
    return { file: pos.file, line: pos.line, column: pos.column, path: shown, message };
  }
}

export function dottedPath(path: Path): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
    .join('.')
    .replace(/\.\[/g, '[');
}

/** A phase's config, validated: the template (every dimension at its first value), the dimensions and the constraints. */
export interface ValidatedPhase {
  readonly config: Config;
  readonly dimensions: readonly Dimension[];
  readonly constraints: readonly CompiledExpression[];
}

const startsWith = (path: Path, prefix: Path): boolean => prefix.length <= path.length && prefix.every((p, i) => path[i] === p);

/**
 * Validates a phase's plain config: finds the sweep dimensions, validates the config with every
 * dimension at its first value, then each other value of every dimension in its place (a range by
 * its ends), the strategy and classifier parameters against the registry, and the constraint
 * expressions. Issues under `skip` paths (values still holding templates) are ignored.
 */
export function validatePhase(plain: Record<string, unknown>, sink: IssueSink, skip: readonly Path[] = []): ValidatedPhase | null {
  const before = sink.issues.length;
  const skipped = (path: Path): boolean => skip.some((s) => startsWith(path, s) || startsWith(s, path));
  const report = (path: Path, message: string, atKey = false): void => {
    if (!skipped(path)) sink.at(path, message, atKey);
  };
  const { dimensions, problems } = findDimensions(plain);
  for (const p of problems) report(p.path, p.message);
  // A range cut by a flow map's commas leaves fragments (`30`, `5)`) as keys beside it: the one
  // explanation above is the useful message, so the echoes of the same mistake are not repeated.
  const cut = problems.filter((p) => p.message.includes('cut at its first comma')).map((p) => p.path);
  const isEcho = (path: Path): boolean =>
    cut.some(
      (c) => startsWith(path, c) || (path.length >= c.length && startsWith(path, c.slice(0, -1)) && /^\s*[-+.\deE]*\)?\s*$/.test(String(path[c.length - 1]))),
    );
  const reportFiltered = (path: Path, message: string, atKey = false): void => {
    if (!isEcho(path)) report(path, message, atKey);
  };
  const zeros = new Array<number>(dimensions.length).fill(0);
  const template = assign(plain, dimensions, zeros);
  const parsed = checkSchema(template, plain, reportFiltered);
  checkComponents(template.strategy, reportFiltered);
  // Every other value of each dimension, in the template's place.
  for (const dim of dimensions) {
    const indices = dim.range ? [dim.values.length - 1] : dim.values.map((_, i) => i).slice(1);
    for (const i of indices) {
      const candidate = structuredClone(template);
      setAt(candidate, dim.path, dim.values[i]);
      const at = dim.range ? dim.path : [...dim.path, i];
      const relocate = (path: Path, message: string): void =>
        report(
          startsWith(path, dim.path) ? at : path,
          startsWith(path, dim.path) ? `${message} (value ${JSON.stringify(dim.values[i])} of the sweep)` : message,
        );
      checkSchema(candidate, candidate, relocate);
      if (dim.path[0] === 'strategy') checkComponents(candidate.strategy, relocate);
    }
  }
  const constraints: CompiledExpression[] = [];
  const names = new Set(dimensions.map((d) => d.name));
  const search = plain.search as { constraints?: unknown } | undefined;
  if (Array.isArray(search?.constraints)) {
    search.constraints.forEach((text, i) => {
      if (typeof text !== 'string') return;
      try {
        const expr = compileExpression(text);
        for (const v of expr.variables)
          if (!names.has(v) && valueAtPath(template, v.split('.')) === undefined)
            report(['search', 'constraints', i], `constraint '${text}': unknown parameter '${v}'${didYouMean(v, names)}`);
        constraints.push(expr);
      } catch (e) {
        if (e instanceof ExpressionError) report(['search', 'constraints', i], `constraint '${text}': ${e.message}`);
        else throw e;
      }
    });
  }
  const objective = (plain.search as { objective?: unknown } | undefined)?.objective;
  if (typeof objective === 'string' && !(METRIC_NAMES as readonly string[]).includes(objective)) {
    report(['search', 'objective'], `unknown metric '${objective}'${didYouMean(objective, METRIC_NAMES)}; metrics are ${METRIC_NAMES.join(', ')}`);
  }
  const objectives = (plain.search as { objectives?: unknown } | undefined)?.objectives;
  if (Array.isArray(objectives)) {
    objectives.forEach((o, i) => {
      const metric = (o as { metric?: unknown } | null)?.metric;
      if (typeof metric === 'string' && !(METRIC_NAMES as readonly string[]).includes(metric))
        report(['search', 'objectives', i, 'metric'], `unknown metric '${metric}'${didYouMean(metric, METRIC_NAMES)}; metrics are ${METRIC_NAMES.join(', ')}`);
    });
  }
  if (parsed && parsed.search?.method === 'random' && parsed.search.trials === undefined)
    report(['search', 'method'], 'random search needs `trials` (the number of points to draw)');
  if (parsed?.search !== undefined) for (const [path, message] of methodProblems(parsed.search, dimensions)) report(path, message);
  if (sink.issues.length > before || parsed === null) return null;
  return { config: parsed, dimensions, constraints };
}

function checkSchema(candidate: Record<string, unknown>, shown: unknown, report: (path: Path, message: string, atKey?: boolean) => void): Config | null {
  const parsed = configSchema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const allowed = keysAt(configSchema, issue.path);
      for (const key of issue.keys) report([...issue.path, key], `unknown key '${key}'${didYouMean(key, allowed)}`, true);
    } else {
      report(issue.path, describe(issue, shown));
    }
  }
  return null;
}

function describe(issue: z.core.$ZodIssue, root: unknown): string {
  const found = valueAtPath(root, issue.path);
  const shown = found === undefined ? 'nothing' : JSON.stringify(found);
  if (issue.code === 'invalid_union') return `expected ${unionHint(issue.path)}, found ${shown}`;
  if (issue.code === 'invalid_type') {
    const expected = issue.expected === 'object' ? 'a map' : issue.expected === 'array' ? 'a list' : issue.expected;
    if (found === undefined) return `missing required key '${String(issue.path[issue.path.length - 1])}' (expected ${expected})`;
    return `expected ${expected}, found ${shown}`;
  }
  return `${issue.message.replace(/^(Invalid input|Invalid option|Too big|Too small): /, '')}${found === undefined ? '' : `, found ${shown}`}`;
}

function unionHint(path: Path): string {
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
      return 'single_pass, train_test, {type: train_test, split | train_bars | train_end}, {type: walk_forward, train, test, step, gap, anchored}, {type: k_fold, folds, purge, embargo}, {type: cpcv, groups, test_groups, purge, embargo} or {type: monte_carlo, paths, seed, block, percentiles}';
    case 'workers':
      return "'auto' or a positive integer";
    default:
      return 'a value of another shape';
  }
}

/** Keys a (strict) object schema allows at `path`, for did-you-mean hints. */
function keysAt(schema: z.core.$ZodType, path: Path): string[] {
  let nodes: z.core.$ZodType[] = [schema];
  const unwrap = (s: z.core.$ZodType): z.core.$ZodType[] => {
    const def = s._zod.def as { type: string; innerType?: z.core.$ZodType; options?: z.core.$ZodType[] };
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
function checkComponents(strategy: unknown, at: (path: Path, message: string, atKey?: boolean) => void): void {
  if (strategy === null || typeof strategy !== 'object' || typeof (strategy as { type?: unknown }).type !== 'string') return;
  const {
    type,
    regime_filter: filter,
    regime_switch: regimeSwitch,
    ...params
  } = strategy as { type: string; regime_filter?: unknown; regime_switch?: unknown } & RawParams;
  try {
    getStrategy(type).prepare(params);
  } catch (e) {
    if (e instanceof ParamError) for (const p of [e, ...e.others]) at(['strategy', p.param], p.message, p.message.includes('unknown parameter'));
    else
      at(
        ['strategy', 'type'],
        `unknown strategy '${type}'${didYouMean(
          type,
          listStrategies().map((s) => s.name),
        )}; see \`fanfold list strategies\``,
      );
  }
  if (regimeSwitch !== undefined && regimeSwitch !== null && filter !== undefined && filter !== null)
    at(['strategy', 'regime_switch'], 'a strategy takes either regime_filter or regime_switch, not both');
  checkRegimeSwitch(type, params, regimeSwitch, at);
  if (filter === null || typeof filter !== 'object' || typeof (filter as { type?: unknown }).type !== 'string') return;
  const { type: ctype, allow, ...cparams } = filter as { type: string; allow?: unknown } & RawParams;
  const labels = checkClassifier('regime_filter', ctype, cparams, at);
  if (labels === null || !Array.isArray(allow)) return;
  allow.forEach((label: unknown, i) => {
    if (typeof label === 'string' && !labels.includes(label))
      at(['strategy', 'regime_filter', 'allow', i], `unknown label '${label}' of ${ctype}; labels are ${labels.join(', ')}`);
  });
}

/** A classifier under `strategy.<key>` (regime_filter or regime_switch): its name and parameters; its labels, or null when it is not valid. */
function checkClassifier(key: string, ctype: string, cparams: RawParams, at: (path: Path, message: string, atKey?: boolean) => void): readonly string[] | null {
  try {
    const c = getClassifier(ctype);
    c.prepare(cparams);
    return c.labels;
  } catch (e) {
    if (e instanceof ParamError) for (const p of [e, ...e.others]) at(['strategy', key, p.param], p.message, p.message.includes('unknown parameter'));
    else
      at(
        ['strategy', key, 'type'],
        `unknown classifier '${ctype}'${didYouMean(
          ctype,
          listClassifiers().map((c) => c.name),
        )}`,
      );
    return null;
  }
}

/** A regime switch: a known classifier, its labels, and per label parameters the strategy accepts over its base ones. */
function checkRegimeSwitch(type: string, params: RawParams, regimeSwitch: unknown, at: (path: Path, message: string, atKey?: boolean) => void): void {
  if (regimeSwitch === null || typeof regimeSwitch !== 'object' || typeof (regimeSwitch as { type?: unknown }).type !== 'string') return;
  const { type: ctype, by_label: byLabel, ...cparams } = regimeSwitch as { type: string; by_label?: unknown } & RawParams;
  const labels = checkClassifier('regime_switch', ctype, cparams, at);
  if (labels === null) return;
  if (byLabel === null || typeof byLabel !== 'object') return;
  for (const [label, over] of Object.entries(byLabel as Record<string, RawParams>)) {
    if (!labels.includes(label)) {
      at(['strategy', 'regime_switch', 'by_label', label], `unknown label '${label}' of ${ctype}; labels are ${labels.join(', ')}`, true);
      continue;
    }
    try {
      getStrategy(type).prepare({ ...params, ...over });
    } catch (e) {
      if (e instanceof ParamError)
        for (const p of [e, ...e.others]) at(['strategy', 'regime_switch', 'by_label', label, p.param], p.message, p.message.includes('unknown parameter'));
    }
  }
}

/** What a search method cannot work with: cmaes needs numeric ranges, a pruner works with grid, random and tpe, nsga2 needs objectives. */
function methodProblems(search: NonNullable<Config['search']>, dimensions: readonly Dimension[]): [Path, string][] {
  const out: [Path, string][] = [];
  const swept = dimensions.filter((d) => d.values.length > 1);
  if (search.method === 'cmaes') {
    for (const d of swept)
      if (!d.range)
        out.push([
          ['search', 'method'],
          `cmaes searches numeric ranges only, and '${d.name}' is a list of ${d.values.length} choices: write it as range(start, end, step), or use tpe or nsga2`,
        ]);
    if (swept.length === 0) out.push([['search', 'method'], 'cmaes needs at least one swept range']);
  }
  if (search.method === 'nsga2' && search.objectives === undefined)
    out.push([['search', 'method'], 'nsga2 needs `objectives`, e.g. [{metric: sharpe, direction: max}, {metric: max_drawdown, direction: min}]']);
  if (search.objectives !== undefined && search.objectives.length > 1 && search.method !== 'nsga2')
    out.push([['search', 'objectives'], `${search.method} optimises one objective; several objectives need method nsga2`]);
  if ((search.pruner ?? null) !== null && (search.method === 'cmaes' || search.method === 'nsga2'))
    out.push([['search', 'pruner'], `the pruner works with grid, random and tpe, not ${search.method}`]);
  return out;
}
