import { parameterSetOf } from '../config/resolve.js';
import type { Config } from '../config/schema.js';
import type { ParameterSet } from '../types.js';
import { compileExpression, type CompiledExpression } from '../expression/expression.js';
import { Sampler } from './sampler.js';
import { assign, Grid, sweptParams, type Dimension } from '../space/space.js';
import { valueAtPath } from '../common/value-path.js';

/**
 * A phase's validated template (every dimension at its first value) and its dimensions: what turns
 * a grid index into a parameter set. Plain data, so a worker thread or another machine rebuilds the
 * same sets from it as the coordinator would.
 */
export interface PhaseTemplate {
  readonly config: Config;
  readonly dimensions: readonly Dimension[];
}

/** Builds the parameter set of grid point `indices` from the template. */
export function pointSet(template: PhaseTemplate, indices: ArrayLike<number>): { set: ParameterSet; params: Record<string, unknown> } {
  const config = assign(template.config, template.dimensions, indices);
  return { set: parameterSetOf(config), params: sweptParams(template.dimensions, indices) };
}

/** The parameter set of a trial: its number is its grid index (best sets, top-k runs). */
export function trialSet(template: PhaseTemplate, trial: number): ParameterSet {
  return trialPoint(template, trial).set;
}

export function trialPoint(template: PhaseTemplate, trial: number): { set: ParameterSet; params: Record<string, unknown> } {
  return pointSet(template, new Grid(template.dimensions).indicesAt(trial, new Int32Array(template.dimensions.length)));
}

/** The template's constraint expressions, compiled (validation has checked them). */
export function constraintsOf(template: PhaseTemplate): CompiledExpression[] {
  return (template.config.search?.constraints ?? []).map((text) => compileExpression(text));
}

export function samplerOf(template: PhaseTemplate, constraints: readonly CompiledExpression[] = constraintsOf(template)): Sampler {
  const search = template.config.search;
  return new Sampler(template.dimensions, constraints, { method: search?.method ?? 'grid', trials: search?.trials, seed: search?.seed ?? 0 }, (name) =>
    valueAtPath(template.config, name.split('.')),
  );
}
