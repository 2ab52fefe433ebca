import { compactRobustness, type RobustnessSummary } from '../robustness/summary.js';
import { ProgressGroup } from '../reduce/progress-group.js';
import type { ProgressListener } from '../reduce/phase-progress.js';
import type { Robustness } from '../robustness/figures.js';
import type { Config } from '../config/schema.js';
import { outputValue } from '../config/templates.js';
import { IssueSink, validatePhase, type ValidatedPhase } from '../config/validate.js';
import { valueAtPath } from '../common/value-path.js';
import type { PhaseDeclaration } from '../config/workflow.js';
import type { MarketData } from '../data/series.js';
import type { ParameterSet } from '../types.js';
import { formatConfigIssue, UserError } from '../errors.js';
import { eligible, type Objective } from '../metrics/leaderboard.js';
import type { BestJson, PhaseJson } from '../contract.js';
import { compileExpression, evaluateCondition, ExpressionError, type ExprValue } from '../expression/expression.js';
import { objectiveOf } from '../sequencer/run-search.js';
import { aggregate, type Aggregate } from '../sequencer/aggregate.js';
import { applyChanges } from '../compose/changes.js';
import { SWEEPABLE, type Dimension } from '../space/space.js';
import { canonicalJson } from '../common/trial-key.js';
import type { Branch, BranchResult, ComposableWorkflow, IterationResult, PlainConfig } from '../compose/protocol.js';
import { findWorkflow } from '../compose/registry.js';
import type { StorageMode } from '../common/names.js';

export type Storage = StorageMode;

/** The resolved parameter set of a stage's best trial, its storage label and the window it was chosen on: what a report re-runs. */
export interface BestRun {
  readonly label: string;
  readonly trial: number;
  readonly window: [number, number];
  readonly periods_per_year: number | null;
  readonly set: ParameterSet;
  /** The data it ran on (a branch may change the phase's data). */
  readonly data: { readonly spec: Config['data']; readonly hash: string };
}

/** One run of a phase config's sequence (run-workflow.ts, runStage). */
export interface Stage {
  readonly json: PhaseJson;
  readonly config: Config;
  readonly data: MarketData;
  readonly dataSpec: Config['data'];
  readonly phase: ValidatedPhase;
  readonly bestRun: BestRun | null;
  /** signal_generation: the keys of the signal sets it stored (what `inputs.signals` replays), and those whose generation failed. */
  readonly signals?: readonly string[];
  readonly failedSignals?: Readonly<Record<string, string>>;
  readonly interrupted: boolean;
}

/**
 * Runs a stage; `live`: its own progress line (true), none (false), or a listener its progress goes
 * to (a branch, followed with its siblings). `line` makes a progress line when the run shows one.
 */
export type RunStage = ((
  decl: PhaseDeclaration,
  label: string,
  phase: ValidatedPhase,
  storage: Storage,
  live: boolean | ProgressListener,
) => Promise<Stage>) & {
  readonly line: (metric: string) => (ProgressListener & { end(): void }) | null;
};

export interface IterationJson {
  readonly iteration: number;
  /** The swept dimensions of this iteration: their values (or bounds and count beyond 50 values). */
  readonly space: Record<string, unknown>;
  readonly trials: number;
  readonly failed: number;
  readonly best: BestJson | null;
  readonly branches: readonly BranchResult[];
  /** The iteration's search's overfitting statistics (the PBO scatter left out). */
  readonly robustness?: unknown;
}

/** A stage's robustness as an iteration reports it: a single search's figures without the scatter, or a windowed phase's summary. */
function robustnessOf(json: PhaseJson): { robustness?: unknown } {
  const r = json.robustness as Robustness | RobustnessSummary | undefined;
  if (r === undefined || r === null) return {};
  return { robustness: 'per' in r ? r : compactRobustness(r) };
}

export interface ComposeJson {
  readonly type: string;
  readonly max_iterations: number;
  readonly stopped: 'done' | 'max_iterations' | 'interrupted';
  readonly iterations: readonly IterationJson[];
  /** The best metrics of the iterations, and of every branch that ran, summarised. */
  readonly aggregate: { readonly iterations: Aggregate; readonly branches: Aggregate | null };
}

function spaceOf(phase: ValidatedPhase): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of phase.dimensions)
    out[d.name] = d.values.length <= 50 ? d.values : { first: d.values[0], last: d.values[d.values.length - 1], count: d.values.length };
  return out;
}

/**
 * A best set's params as they read against the phase's own space: every dimension of iteration 0
 * (an iteration that fixed one still reports its value), and every key of a sweepable section
 * that the workflow or a branch changed (`strategy.regime_switch`, `broker.commission`). Without
 * this, `${phase.best.params}` of a refined phase would lose the parameters refine had fixed.
 */
function completeParams(best: BestJson | null, config: PlainConfig, initial: PlainConfig, dims: readonly Dimension[]): BestJson | null {
  if (best === null) return null;
  const params: Record<string, unknown> = {};
  for (const d of dims) params[d.name] = d.name in best.params ? best.params[d.name] : (valueAtPath(config, d.path) ?? null);
  for (const section of SWEEPABLE) {
    const before = (initial[section] ?? {}) as Record<string, unknown>;
    const after = (config[section] ?? {}) as Record<string, unknown>;
    if (typeof before !== 'object' || typeof after !== 'object') continue;
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const name = `${section}.${key}`;
      if (dims.some((d) => d.name === name || d.name.startsWith(`${name}.`))) continue;
      if (canonicalJson(before[key] ?? null) !== canonicalJson(after[key] ?? null)) params[name] = after[key] ?? null;
    }
  }
  for (const [k, v] of Object.entries(best.params)) if (!(k in params)) params[k] = v;
  return { params, metrics: best.metrics };
}

function better(a: BestJson, b: BestJson, objective: Objective): boolean {
  const x = a.metrics[objective.metric] as number;
  const y = b.metrics[objective.metric] as number;
  return objective.direction === 'max' ? x > y : x < y;
}

/**
 * Runs a phase under its composable workflow (protocol.ts): iterations, each followed by the
 * branches the workflow asks for (in parallel through the executor), until `shouldContinue` says
 * stop or `max_iterations` is reached. Iteration i stores its trials as phase `<name>#i`, a branch
 * as `<name>#i/<branch>`, so a resumed run reuses them. The phase's result is its last iteration's
 * JSON with the totals of every iteration and branch, and as `best` the best of the last iteration
 * and its branches (a tie keeps the iteration's).
 */
export async function runComposed(
  decl: PhaseDeclaration,
  plain: PlainConfig,
  first: ValidatedPhase,
  storage: Storage,
  file: string,
  runStage: RunStage,
): Promise<Stage> {
  const spec = decl.compose!;
  const workflow = findWorkflow(spec.type) as ComposableWorkflow<unknown>;
  const state = workflow.prepare(spec.options, plain);
  const validate = (config: PlainConfig, where: string): ValidatedPhase => {
    const sink = new IssueSink(decl.tree, file);
    const validated = validatePhase(config, sink);
    if (validated === null)
      throw new UserError(`phase '${decl.name}', ${where} (${spec.type}): the changed config is invalid:\n${sink.issues.map(formatConfigIssue).join('\n')}`);
    return validated;
  };
  const iterations: IterationJson[] = [];
  let config = plain;
  let phase = first;
  let trials = 0;
  let failed = 0;
  let last: Stage | null = null;
  let lastBranches: BranchResult[] = [];
  // The stages of the last iteration's branches, by name: a branch's best set is re-run from its stage.
  let branchStages = new Map<string, Stage>();
  let stopped: ComposeJson['stopped'] = 'max_iterations';
  for (let i = 0; i < spec.maxIterations; i++) {
    // The best is chosen among the last iteration and its own branches only.
    lastBranches = [];
    branchStages = new Map();
    const stage = await runStage(decl, `${decl.name}#${i}`, phase, storage, true);
    last = stage;
    trials += stage.json.trials;
    failed += stage.json.failed;
    const objective = objectiveOf(stage.config);
    const base = {
      iteration: i,
      config,
      objective,
      trials: stage.json.trials,
      failed: stage.json.failed,
      best: completeParams(stage.json.best ?? null, config, plain, first.dimensions),
      phase: stage.json,
    };
    if (stage.interrupted) {
      iterations.push({ iteration: i, space: spaceOf(phase), trials: base.trials, failed: base.failed, best: base.best, branches: [] });
      stopped = 'interrupted';
      break;
    }
    const branches = workflow.getBranches?.({ ...base, branches: [] }, state) ?? [];
    const { results, stages, interrupted } = await runBranches(
      { decl, plain, first, storage, runStage, validate },
      i,
      config,
      { best: base.best, trials: base.trials, failed: base.failed },
      branches,
    );
    for (const r of results) {
      trials += r.trials;
      failed += r.failed;
    }
    lastBranches = results;
    branchStages = stages;
    iterations.push({
      iteration: i,
      space: spaceOf(phase),
      trials: base.trials,
      failed: base.failed,
      best: base.best,
      branches: results,
      ...robustnessOf(stage.json),
    });
    if (interrupted) {
      stopped = 'interrupted';
      break;
    }
    const result: IterationResult = { ...base, branches: results };
    if (i + 1 >= spec.maxIterations) break;
    if (!workflow.shouldContinue(result, i, state)) {
      stopped = 'done';
      break;
    }
    config = workflow.modifyConfigForNext(config, result, i, state);
    phase = validate(config, `iteration ${i + 1}`);
  }
  return composedStage(spec, last!, iterations, lastBranches, branchStages, { trials, failed, stopped });
}

/** What one iteration's branches need of their phase. */
interface BranchContext {
  readonly decl: PhaseDeclaration;
  readonly plain: PlainConfig;
  readonly first: ValidatedPhase;
  readonly storage: Storage;
  readonly runStage: RunStage;
  readonly validate: (config: PlainConfig, where: string) => ValidatedPhase;
}

/** An iteration's branches, in parallel through the executor: each whose condition holds runs its changed config. */
async function runBranches(
  ctx: BranchContext,
  i: number,
  config: PlainConfig,
  outcome: { best: BestJson | null; trials: number; failed: number },
  branches: readonly Branch[],
): Promise<{ results: BranchResult[]; stages: Map<string, Stage>; interrupted: boolean }> {
  const { decl, plain, first, storage, runStage, validate } = ctx;
  const lookup = (name: string): ExprValue | undefined => {
    const v = outputValue(outcome, name.split('.'));
    return v === undefined || (typeof v === 'object' && v !== null) ? undefined : (v as ExprValue);
  };
  let interrupted = false;
  const stages = new Map<string, Stage>();
  const line = branches.length > 0 ? runStage.line(objectiveOf(first.config).metric) : null;
  const group =
    line === null
      ? null
      : new ProgressGroup(
          `${decl.name}#${i} branches`,
          branches.map((b) => b.name),
          line,
        );
  const results = await Promise.all(
    branches.map(async (b): Promise<BranchResult> => {
      if (b.condition !== undefined) {
        let holds: boolean;
        try {
          holds = evaluateCondition(compileExpression(b.condition), lookup);
        } catch (e) {
          if (e instanceof ExpressionError) throw new UserError(`phase '${decl.name}', branch '${b.name}': condition '${b.condition}': ${e.message}`);
          throw e;
        }
        if (!holds) return { name: b.name, changes: b.changes, skipped: `condition '${b.condition}' is false`, trials: 0, failed: 0, best: null };
      }
      const branchConfig = applyChanges(config, b.changes);
      const branchPhase = validate(branchConfig, `iteration ${i}, branch '${b.name}'`);
      const run = await runStage(decl, `${decl.name}#${i}/${b.name}`, branchPhase, storage, group?.member(b.name) ?? false);
      interrupted ||= run.interrupted;
      stages.set(b.name, run);
      return {
        name: b.name,
        changes: b.changes,
        trials: run.json.trials,
        failed: run.json.failed,
        best: completeParams(run.json.best ?? null, branchConfig, plain, first.dimensions),
      };
    }),
  );
  group?.end();
  line?.end();
  return { results, stages, interrupted };
}

/** The composed phase's stage: the last iteration's, with every iteration's totals, the best of the last iteration and its branches, and `compose`. */
function composedStage(
  spec: NonNullable<PhaseDeclaration['compose']>,
  stage: Stage,
  iterations: IterationJson[],
  lastBranches: readonly BranchResult[],
  branchStages: ReadonlyMap<string, Stage>,
  totals: { trials: number; failed: number; stopped: ComposeJson['stopped'] },
): Stage {
  const { trials, failed, stopped } = totals;
  const objective = objectiveOf(stage.config);
  let best = iterations[iterations.length - 1].best;
  let bestRun = stage.bestRun;
  for (const b of lastBranches) {
    if (b.best && eligible(b.best.metrics, objective) && (best === null || better(b.best, best, objective))) {
      best = b.best;
      bestRun = branchStages.get(b.name)?.bestRun ?? null;
    }
  }
  const branchBests = iterations.flatMap((it) => it.branches.map((b) => b.best?.metrics ?? null));
  const compose: ComposeJson = {
    type: spec.type,
    max_iterations: spec.maxIterations,
    stopped,
    iterations,
    aggregate: { iterations: aggregate(iterations.map((it) => it.best?.metrics ?? null)), branches: branchBests.length > 0 ? aggregate(branchBests) : null },
  };
  const { best: _drop, ...rest } = stage.json;
  return { ...stage, bestRun, json: { ...rest, trials, failed, ...(best ? { best } : {}), compose }, interrupted: stopped === 'interrupted' };
}
