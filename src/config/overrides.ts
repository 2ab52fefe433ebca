import { parse } from 'yaml';
import { ConfigError } from '../errors.js';
import type { ConfigSource } from './source.js';

export interface Override {
  readonly text: string;
  readonly path: string[];
}

/**
 * Applies `--set path.to.key=value` on top of the parsed file: the value is a YAML scalar or flow
 * collection (`10`, `[20, 30]`, `{percent: 0.001}`), the path a dotted key path that may create maps.
 */
export function applyOverrides(source: ConfigSource, sets: readonly string[]): Override[] {
  return sets.map((text) => {
    const eq = text.indexOf('=');
    const where = { file: `--set ${text}`, line: 1, column: 1 };
    if (eq <= 0) throw new ConfigError([{ ...where, path: '', message: "expected path.to.key=value" }]);
    const path = text.slice(0, eq).trim().split('.');
    if (path.some((p) => p === '')) throw new ConfigError([{ ...where, path: text.slice(0, eq), message: 'empty segment in the key path' }]);
    let value: unknown;
    try {
      value = parse(text.slice(eq + 1), { schema: 'core' });
    } catch (e) {
      throw new ConfigError([{ ...where, path: path.join('.'), message: `cannot parse value: ${(e as Error).message.split('\n')[0]}` }]);
    }
    source.doc.setIn(path, source.doc.createNode(value));
    return { text, path };
  });
}
