import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
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
