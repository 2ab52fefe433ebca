import type { Sampler } from '../search/sampler.js';
import { samplerOf } from '../search/template.js';
import { chosenCombinations } from '../robustness/combinations.js';
import { decodePlan, type PlanRef, type SearchPlan } from './plan.js';

/** A plan as a thread uses it: decoded once, its sampler (constraints compiled) ready. */
export interface Prepared {
  readonly plan: SearchPlan;
  readonly sampler: Sampler;
  readonly capital: number;
  /** The plan's CSCV combinations (robustness), drawn once per thread. */
  readonly masks: Uint32Array | null;
}

/** Plans decoded in this thread, by id (a task names its plan; a worker decodes each once). */
const prepared = new Map<string, Prepared>();
const KEEP_PLANS = 64;

export function preparedPlan(ref: PlanRef): Prepared {
  let p = prepared.get(ref.id);
  if (p === undefined) {
    const plan = decodePlan(ref);
    p = {
      plan,
      sampler: samplerOf(plan.template),
      capital: plan.template.config.capital,
      masks: plan.blocks === null ? null : chosenCombinations(plan.blocks.count, plan.blocks.combinations, plan.blocks.seed),
    };
    if (prepared.size >= KEEP_PLANS) prepared.delete(prepared.keys().next().value!);
    prepared.set(ref.id, p);
  }
  return p;
}
