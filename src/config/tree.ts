import { isAlias, isMap, isNode, isScalar, isSeq, Scalar, visit, YAMLMap, YAMLSeq, type LineCounter, type Node, type Pair } from 'yaml';
import type { ConfigSource } from './source.js';

/**
 * A config as a tree of YAML nodes that may come from several files (a chain of `extends`, the phase
 * entries, `--set`). Every node remembers its origin, so an error anywhere in the merged result
 * points at the file, line and column that supplied the offending value.
 */
export interface Origin {
  /** File path, or `--set path=value` for a command-line override. */
  readonly file: string;
  readonly lines: LineCounter | null;
}

const origins = new WeakMap<object, Origin>();

export function originOf(node: object): Origin | undefined {
  return origins.get(node);
}

/** The document's root node, aliases expanded (bounded beforehand by toPlain), every node tagged with its file. */
export function rootOf(source: ConfigSource): Node | null {
  visit(source.doc, {
    Alias(_, alias) {
      return alias.resolve(source.doc);
    },
  });
  const origin: Origin = { file: source.file, lines: source.lines };
  visit(source.doc, {
    Node(_, node) {
      if (!origins.has(node)) origins.set(node, origin);
    },
    Pair(_, pair) {
      if (isNode(pair.key) && !origins.has(pair.key)) origins.set(pair.key, origin);
    },
  });
  return source.doc.contents ?? null;
}

/** A node built from a plain value (a `--set` override), tagged with that override. */
export function overrideNode(value: unknown, file: string): Node {
  const build = (v: unknown): Node => {
    let node: Node;
    if (Array.isArray(v)) {
      const seq = new YAMLSeq();
      for (const item of v) seq.items.push(build(item));
      node = seq;
    } else if (v !== null && typeof v === 'object') {
      const map = new YAMLMap();
      for (const [k, item] of Object.entries(v)) map.items.push({ key: tag(new Scalar(k)), value: build(item) } as Pair<Node, Node>);
      node = map;
    } else {
      node = new Scalar(v);
    }
    return tag(node);
  };
  const tag = <N extends Node>(n: N): N => {
    origins.set(n, { file, lines: null });
    return n;
  };
  return build(value);
}

function keyOf(pair: Pair): unknown {
  return isScalar(pair.key) ? pair.key.value : pair.key;
}

/** Keys compare as text: `{30: x}` has the number key 30 that a path names as '30'. */
export function getPair(map: YAMLMap, key: unknown): Pair | undefined {
  return map.items.find((p) => String(keyOf(p)) === String(key));
}

const isNull = (n: unknown): boolean => isScalar(n) && n.value === null;

/** A list whose every item is a map with a `name`: merged item by item, matched by name. */
function isNamedList(n: unknown): n is YAMLSeq {
  return isSeq(n) && n.items.length > 0 && n.items.every((i) => isMap(i) && isScalar(i.get('name', true)));
}

/**
 * Merges `over` onto `base` (DESIGN.md / README "Merge rules"): maps merge key by key, recursively;
 * a `null` in `over` deletes the inherited key; lists of named items (`- name: …`) merge by name,
 * with new names appended in their order; scalars and other lists are replaced. Source nodes are
 * never modified: merged maps are new nodes that keep the origin of `over`.
 */
export function mergeNodes(base: Node | null, over: Node | null): Node | null {
  if (over === null) return base;
  if (isMap(base) && isMap(over)) {
    const out = new YAMLMap();
    origins.set(out, originOf(over) ?? originOf(base) ?? { file: '?', lines: null });
    (out as YAMLMap & { range?: unknown }).range = over.range;
    const pairs = base.items.map((p) => p);
    for (const pair of over.items) {
      const key = keyOf(pair);
      const at = pairs.findIndex((p) => keyOf(p) === key);
      if (isNull(pair.value)) {
        if (at >= 0) pairs.splice(at, 1);
        continue;
      }
      if (at >= 0) pairs[at] = { key: pair.key, value: mergeNodes(pairs[at].value as Node | null, pair.value as Node | null) } as Pair;
      else pairs.push(pair);
    }
    out.items = pairs;
    return out;
  }
  if (isNamedList(base) && isNamedList(over)) {
    const out = new YAMLSeq();
    origins.set(out, originOf(over) ?? { file: '?', lines: null });
    (out as YAMLSeq & { range?: unknown }).range = over.range;
    const items = [...base.items] as Node[];
    const nameOf = (n: Node): unknown => (n as YAMLMap).get('name');
    for (const item of over.items as Node[]) {
      const at = items.findIndex((b) => nameOf(b) === nameOf(item));
      if (at >= 0) items[at] = mergeNodes(items[at], item) as Node;
      else items.push(item);
    }
    out.items = items;
    return out;
  }
  return over;
}

/** Sets `value` at `path`, creating maps on the way (new maps carry the value's origin). */
export function setPath(root: Node | null, path: readonly string[], value: Node): Node {
  if (path.length === 0) return value;
  const origin = originOf(value);
  const map = isMap(root) ? root : new YAMLMap();
  if (!isMap(root) && origin) origins.set(map, origin);
  const [head, ...rest] = path;
  const pair = getPair(map, head);
  const child = setPath(pair ? (pair.value as Node | null) : null, rest, value);
  const copy = new YAMLMap();
  origins.set(copy, originOf(map) ?? origin ?? { file: '?', lines: null });
  (copy as YAMLMap & { range?: unknown }).range = map.range;
  copy.items = map.items.filter((p) => keyOf(p) !== head);
  const keyNode = pair?.key ?? new Scalar(head);
  if (!pair && origin) origins.set(keyNode, origin);
  const index = pair ? map.items.indexOf(pair) : copy.items.length;
  copy.items.splice(index, 0, { key: keyNode, value: child } as Pair);
  return copy;
}

/** Plain JS value of a (merged) node tree. */
export function plainOf(node: Node | null): unknown {
  if (node === null) return null;
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) out[String(keyOf(pair))] = plainOf(pair.value as Node | null);
    return out;
  }
  if (isSeq(node)) return (node.items as Node[]).map(plainOf);
  if (isScalar(node)) return node.value;
  if (isAlias(node)) return null;
  return null;
}

export interface Position {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

function positionOf(node: object | null | undefined, fallback: Position): Position {
  if (!node) return fallback;
  const origin = origins.get(node);
  const range = (node as { range?: [number, number, number] | null }).range;
  if (!origin) return fallback;
  if (!origin.lines || !range) return { file: origin.file, line: 1, column: 1 };
  const pos = origin.lines.linePos(range[0]);
  return { file: origin.file, line: pos.line, column: pos.col };
}

/**
 * Where the value at `path` was written (or its key, with `atKey`); for a path that does not exist,
 * the nearest existing parent.
 */
export function locateIn(root: Node | null, path: readonly PropertyKey[], fallbackFile: string, atKey = false): Position {
  return locateNode(root, path, fallbackFile, atKey).position;
}

/** As locateIn, also returning the deepest node found on the path. */
export function locateNode(root: Node | null, path: readonly PropertyKey[], fallbackFile: string, atKey = false): { position: Position; node: object | null } {
  let pos = positionOf(root, { file: fallbackFile, line: 1, column: 1 });
  let node: unknown = root;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = getPair(node, segment);
      if (!pair) break;
      pos =
        atKey && last
          ? positionOf(pair.key as object, pos)
          : positionOf((pair.value as object | null) ?? (pair.key as object), positionOf(pair.key as object, pos));
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment]) {
      node = node.items[segment];
      pos = positionOf(node as object, pos);
    } else {
      break;
    }
  }
  return { position: pos, node: (node as object | null) ?? null };
}

/** A copy of a map node without the given keys (same origin and position). */
export function withoutKeys(map: YAMLMap, keys: readonly string[]): YAMLMap {
  return mapWith(
    map,
    map.items.filter((p) => !keys.includes(String(keyOf(p)))),
  );
}

/** A copy of a map node holding `pairs` (same origin and position). */
export function mapWith(map: YAMLMap, pairs: readonly Pair[]): YAMLMap {
  const out = new YAMLMap();
  out.items = [...pairs] as YAMLMap['items'];
  (out as YAMLMap & { range?: unknown }).range = map.range;
  const origin = originOf(map);
  if (origin) origins.set(out, origin);
  return out;
}
