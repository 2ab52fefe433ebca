import { encodePlan, type PlanRef } from '../../src/batch/plan.js';
import { loadWorkflow } from '../../src/config/workflow.js';
import type { ValidatedPhase } from '../../src/config/validate.js';
import { planOf, type SearchOptions } from '../../src/sequencer/run-search.js';
import type { BarWindow } from '../../src/types.js';
import { writeIn } from '../helpers.js';

/** The validated first phase of a workflow written to `dir` (a config's text). */
export function phaseOf(dir: string, name: string, yaml: string): ValidatedPhase {
  return loadWorkflow(writeIn(dir, `${name}.yaml`, yaml)).phases[0].validated!;
}

/** A search plan for tasks in tests: label `t`, every window given, trades as asked. */
export function planFor(phase: ValidatedPhase, dataHash: string, windows: readonly BarWindow[], options: Partial<SearchOptions> = {}, shared = false): PlanRef {
  const search: SearchOptions = { results: null, label: 't', resume: false, storeTrades: false, topK: 5, keepAll: false, ...options };
  return encodePlan(planOf(phase, dataHash, windows, false, search), shared);
}
