import { parse, type Node } from 'yaml';
import { ConfigError } from '../errors.js';
import { overrideNode, setPath } from './tree.js';

/** One `--set path.to.key=value`: the value is a YAML scalar or flow collection (`10`, `[20, 30]`, `{percent: 0.001}`). */
export interface Override {
  readonly text: string;
  readonly path: readonly string[];
  /** The tree with this override's value set at its path (maps created on the way). */
  apply(tree: Node | null): Node;
}

export function parseOverrides(sets: readonly string[]): Override[] {
  return sets.map((text) => {
    const eq = text.indexOf('=');
    const where = { file: `--set ${text}`, line: 1, column: 1 };
    if (eq <= 0) throw new ConfigError([{ ...where, path: '', message: 'expected path.to.key=value' }]);
    const path = text.slice(0, eq).trim().split('.');
    if (path.some((p) => p === '')) throw new ConfigError([{ ...where, path: text.slice(0, eq), message: 'empty segment in the key path' }]);
    let value: unknown;
    try {
      value = parse(text.slice(eq + 1), { schema: 'core' });
    } catch (e) {
      throw new ConfigError([{ ...where, path: path.join('.'), message: `cannot parse value: ${(e as Error).message.split('\n')[0]}` }]);
    }
    const node = overrideNode(value, `--set ${text}`);
    return { text, path, apply: (tree: Node | null) => setPath(tree, path, node) };
  });
}
