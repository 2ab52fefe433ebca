import { OptionError, type Branch, type ComposableWorkflow } from './protocol.js';

/**
 * branch: runs the phase, then the branches written in the config — each the phase's config with
 * its `changes` (dotted key paths) — in parallel, those whose `condition` on the phase's result
 * holds. The phase's best is the best of the phase and its branches.
 */
export const branch: ComposableWorkflow<readonly Branch[]> = {
  kind: 'workflow',
  name: 'branch',
  description: 'run the phase, then named variants of its config (changes by key path, optional condition) in parallel',
  prepare(options) {
    for (const key of Object.keys(options))
      if (key !== 'branches') throw new OptionError(key, `unknown branch option '${key}'; the option is branches: [{name, condition, changes}]`);
    const list = options.branches;
    if (!Array.isArray(list) || list.length === 0)
      throw new OptionError('branches', 'expected a list of branches, each {name, condition?, changes: {key.path: value}}');
    const names = new Set<string>();
    return list.map((b: unknown, i) => {
      const item = b as { name?: unknown; condition?: unknown; changes?: unknown } | null;
      if (item === null || typeof item !== 'object' || typeof item.name !== 'string' || !/^[A-Za-z0-9_]+$/.test(item.name))
        throw new OptionError(`branches.${i}.name`, 'expected a name of letters, digits and _');
      if (names.has(item.name)) throw new OptionError(`branches.${i}.name`, `duplicate branch name '${item.name}'`);
      names.add(item.name);
      if (item.condition !== undefined && typeof item.condition !== 'string')
        throw new OptionError(`branches.${i}.condition`, 'expected an expression such as "best.metrics.sharpe > 0"');
      if (item.changes === null || typeof item.changes !== 'object' || Array.isArray(item.changes))
        throw new OptionError(`branches.${i}.changes`, 'expected a map of dotted key paths to values, e.g. {broker.commission: {percent: 0.002}}');
      return {
        name: item.name,
        ...(item.condition !== undefined ? { condition: item.condition } : {}),
        changes: item.changes as Record<string, unknown>,
      };
    });
  },
  getBranches: (result, branches) => (result.iteration === 0 ? branches : []),
  shouldContinue: () => false,
  modifyConfigForNext: (config) => config,
};
