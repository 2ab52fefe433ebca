import { UserError } from '../errors.js';
import { branch } from './branch.js';
import type { ComposableWorkflow } from './protocol.js';
import { refine } from './refine.js';
import { regimeAdaptive } from './regime-adaptive.js';

const workflows = new Map<string, ComposableWorkflow>();

export function registerWorkflow(def: ComposableWorkflow): void {
  if (workflows.has(def.name)) throw new UserError(`composable workflow '${def.name}' is already registered`);
  workflows.set(def.name, def);
}

export function findWorkflow(name: string): ComposableWorkflow | undefined {
  return workflows.get(name);
}

export function listWorkflows(): ComposableWorkflow[] {
  return [...workflows.values()];
}

for (const def of [refine, regimeAdaptive, branch] as ComposableWorkflow[]) registerWorkflow(def);
