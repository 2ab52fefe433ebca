import { statSync } from 'node:fs';
import { SignalStore, type SignalSet } from './file.js';

/** Decoded signal sets by file identity (path, size, mtime): a worker reads each file once, not once per batch. */
const cache = new Map<string, SignalSet>();
const CAPACITY = 512;

/**
 * A stored signal set, checked against the data and window it must have been made for (see
 * SignalStore.read). Errors name the key and say how to produce it.
 */
export function loadSignalSet(
  dir: string,
  key: string,
  expect: { dataHash: string; window: readonly [number, number]; symbols: readonly string[] },
): SignalSet {
  const store = new SignalStore(dir);
  const file = store.pathOf(key);
  let id: string;
  try {
    const st = statSync(file);
    id = `${file}\u0000${st.size}\u0000${st.mtimeMs}`;
  } catch {
    throw new Error(`no stored signals for key ${key} in ${dir}: run a signal_generation phase for this strategy and data first`);
  }
  const hit = cache.get(id);
  if (hit !== undefined && hit.dataHash === expect.dataHash && hit.window[0] === expect.window[0] && hit.window[1] === expect.window[1]) return hit;
  const { set } = store.read(key, expect);
  if (cache.size >= CAPACITY) cache.delete(cache.keys().next().value!);
  cache.set(id, set);
  return set;
}
