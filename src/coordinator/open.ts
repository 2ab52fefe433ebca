import { readWorkflow, workflowOf, type Workflow } from '../config/workflow.js';
import { loadPlugins } from './plugins.js';

/** Reads a workflow file once, registers the plugins it names (so their strategies validate), then validates it. */
export async function openWorkflow(file: string, sets: readonly string[] = []): Promise<Workflow> {
  const source = readWorkflow(file, sets);
  await loadPlugins(source.plugins);
  return workflowOf(source);
}
