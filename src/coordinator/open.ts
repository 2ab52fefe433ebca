import { loadWorkflow, pluginFolders, type Workflow } from '../config/workflow.js';
import { loadPlugins } from './plugins.js';

/** Loads a workflow file after registering the plugins it names, so their strategies validate. */
export async function openWorkflow(file: string, sets: readonly string[] = []): Promise<Workflow> {
  await loadPlugins(pluginFolders(file, sets));
  return loadWorkflow(file, sets);
}
