import { loadPlugins as load, type LoadedPlugins } from '../plugins/load.js';
import type { ComposableWorkflow } from '../compose/protocol.js';
import { findWorkflow, registerWorkflow } from '../compose/registry.js';

export type { LoadedPlugins };

/** The coordinator's plugin loading: strategies and classifiers, and composable workflows into its registry. */
export function loadPlugins(folders: readonly string[]): Promise<LoadedPlugins> {
  return load(folders, { find: findWorkflow, register: (definition) => registerWorkflow(definition as ComposableWorkflow) });
}
