import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError, type ConfigIssue } from '../errors.js';

/** A parsed YAML config that still knows where every value came from. */
export interface ConfigSource {
  readonly file: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
}

/**
 * Parses YAML safely: the core schema only (no tags that construct objects), unique keys, and a cap
 * on alias expansion so a "billion laughs" file fails fast. Syntax errors are reported together.
 */
export function parseConfigText(text: string, file: string): ConfigSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, schema: 'core', uniqueKeys: true, prettyErrors: false, customTags: [] });
  const issues: ConfigIssue[] = [...doc.errors, ...doc.warnings].map((e) => {
    // The parser may point at the indentation before the offending token: report the token.
    let at = e.pos[0];
    while (text[at] === ' ' || text[at] === '\t') at++;
    const pos = lines.linePos(at);
    return { file, line: pos.line, column: pos.col, path: '', message: e.message.split('\n')[0] };
  });
  if (issues.length > 0) throw new ConfigError(issues);
  return { file, doc, lines };
}

export function readConfigSource(file: string): ConfigSource {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError([{ file, line: 1, column: 1, path: '', message: `cannot read config: ${(e as Error).message}` }]);
  }
  return parseConfigText(text, file);
}

/** The plain value of the document (aliases expanded, bounded). */
export function toPlain(source: ConfigSource): unknown {
  try {
    return source.doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new ConfigError([{ file: source.file, line: 1, column: 1, path: '', message: (e as Error).message }]);
  }
}

/** Line and column of the value at `path` (or of its key, or of the nearest existing parent). */
export function locate(source: ConfigSource, path: readonly PropertyKey[], atKey = false): { line: number; column: number } {
  let node: unknown = source.doc.contents;
  let offset = (node as Node | null)?.range?.[0] ?? 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === segment);
      if (!pair) break;
      const keyNode = pair.key as Node | null;
      const valueNode = pair.value as Node | null;
      offset = (atKey && segment === path[path.length - 1] ? keyNode?.range?.[0] : (valueNode?.range?.[0] ?? keyNode?.range?.[0])) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  const pos = source.lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}

export function dottedPath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}
