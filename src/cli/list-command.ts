import { FEATURE_KINDS } from '../features/registry.js';
import { listClassifiers, listStrategies } from '../strategies/registry.js';
import type { ParamSpec } from '../strategies/strategy.js';
import { TOPOLOGIES } from '../topology/topology.js';
import { containerLabel } from '../tracing/settings.js';
import { UserError } from '../errors.js';
import { SEQUENCES } from '../sequencer/sequences.js';
import { listWorkflows } from '../compose/registry.js';

import { LIST_KINDS, type ListKind } from './list-kinds.js';

export { LIST_KINDS, type ListKind };

const WORKFLOWS = [
  { name: 'single_phase', description: 'a config without `phases`: one phase over its parameter space' },
  { name: 'phases', description: '`phases`: a DAG by depends_on, with conditions on earlier results and ${phase.best.params} inputs' },
];

/** The workflow shapes, then the composable workflows a phase may name in `compose: {type: …}`. */
function workflows(): { name: string; description: string }[] {
  return [...WORKFLOWS, ...listWorkflows().map((w) => ({ name: `compose: ${w.name}`, description: w.description }))];
}

function param(p: ParamSpec): string {
  const bounds = p.choices ? ` {${p.choices.join('|')}}` : p.min !== undefined || p.max !== undefined ? ` [${p.min ?? ''}..${p.max ?? ''}]` : '';
  return `      ${p.name}: ${p.type}${bounds} = ${String(p.default)} — ${p.description}`;
}

/** What `fanfold list` prints for one kind of component (all kinds when none is given). */
export function listText(kind?: ListKind): string {
  const kinds = kind ? [kind] : LIST_KINDS;
  const lines: string[] = [];
  for (const k of kinds) {
    if (!(LIST_KINDS as readonly string[]).includes(k)) throw new UserError(`unknown list '${k}'; choose one of ${LIST_KINDS.join(', ')}`);
    lines.push(`${k}:`);
    if (k === 'strategies' || k === 'classifiers') {
      for (const d of k === 'strategies' ? listStrategies() : listClassifiers()) {
        const labels = d.kind === 'classifier' ? ` → ${d.labels.join(' | ')}` : '';
        lines.push(`  ${d.name} — ${d.description}${labels}`);
        for (const p of d.params) lines.push(param(p));
      }
    } else if (k === 'features') {
      for (const f of FEATURE_KINDS.values()) {
        const args = f.args.length > 0 ? `(${f.args.join(',')})` : '';
        const outputs = f.outputs ? ` .${f.outputs.join('|.')}` : '';
        lines.push(`  ${f.name}${args}${outputs} — ${f.description}`);
      }
    } else {
      const list = k === 'sequences' ? SEQUENCES : k === 'topologies' ? TOPOLOGIES : workflows();
      for (const item of list)
        lines.push(`  ${item.name} — ${item.description}${'containers' in item ? ` [containers: ${item.containers.map(containerLabel).join(', ')}]` : ''}`);
    }
  }
  return lines.join('\n');
}

/** `fanfold list [kind] [--config FILE]`: the registered components, with the plugins a config loads. */
export async function listCommand(kind: ListKind | undefined, config: string | undefined): Promise<void> {
  if (config) {
    const [{ loadPlugins }, { readWorkflow }] = await Promise.all([import('../coordinator/plugins.js'), import('../config/workflow.js')]);
    await loadPlugins(readWorkflow(config).plugins);
  }
  process.stdout.write(`${listText(kind)}\n`);
}
