import { setAt } from '../common/value-path.js';
import type { ConfigChanges, PlainConfig } from './protocol.js';

/** A copy of `config` with each change applied at its dotted path (`null` removes the key). */
export function applyChanges(config: PlainConfig, changes: ConfigChanges): PlainConfig {
  const out = structuredClone(config);
  for (const [dotted, value] of Object.entries(changes)) {
    const path = dotted.split('.');
    if (value === null) {
      let node: unknown = out;
      for (const k of path.slice(0, -1)) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[k] : undefined;
      if (node !== null && typeof node === 'object') delete (node as Record<string, unknown>)[path[path.length - 1]];
    } else {
      setAt(out, path, value);
    }
  }
  return out;
}
