import { ExpressionError, type ExprValue } from './value.js';

// Tokens of the expression language (grammar in expression.ts).

export type TokenKind = 'num' | 'str' | 'lit' | 'name' | 'op' | '(' | ')' | 'end';

export interface Token {
  readonly kind: TokenKind;
  /** The token as written in the source. */
  readonly text: string;
  readonly col: number;
  /** num, str, lit: the literal's value. */
  readonly value?: ExprValue;
  /** op: the canonical operator (`&&` → `and`, `!` → `not`). */
  readonly op?: string;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'true', 'false', 'null']);
const NUMBER = /(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const NUMBER_TAIL = /(?:[eE][+-]|[A-Za-z0-9_.])*/y;
const NAME_HEAD = /[A-Za-z_][A-Za-z0-9_]*/y;
const NAME_SEGMENT = /[A-Za-z0-9_]+/y;
const WHITESPACE = /\s/;
export const MAX_DEPTH = 256;

function describeChar(source: string, i: number): string {
  return i >= source.length ? 'end of expression' : `'${source[i]}'`;
}

export function describeToken(t: Token): string {
  if (t.kind === 'end') return 'end of expression';
  return `'${t.text.length > 40 ? `${t.text.slice(0, 37)}...` : t.text}'`;
}

function sticky(re: RegExp, source: string, i: number): string | null {
  re.lastIndex = i;
  const m = re.exec(source);
  return m === null ? null : m[0];
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const n = source.length;
  let i = 0;
  while (i < n) {
    const c = source[i];
    const col = i + 1;
    if (WHITESPACE.test(c)) {
      i++;
      continue;
    }
    if ((c >= '0' && c <= '9') || (c === '.' && i + 1 < n && source[i + 1] >= '0' && source[i + 1] <= '9')) {
      i = readNumber(source, i, tokens);
      continue;
    }
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c === '_') {
      i = readName(source, i, tokens);
      continue;
    }
    if (c === '"' || c === "'") {
      i = readString(source, i, tokens);
      continue;
    }
    const two = source.slice(i, i + 2);
    if (two === '<=' || two === '>=' || two === '==' || two === '!=') {
      tokens.push({ kind: 'op', text: two, col, op: two });
      i += 2;
      continue;
    }
    if (two === '&&' || two === '||') {
      tokens.push({ kind: 'op', text: two, col, op: two === '&&' ? 'and' : 'or' });
      i += 2;
      continue;
    }
    if ('<>+-*/%'.includes(c)) {
      tokens.push({ kind: 'op', text: c, col, op: c });
      i++;
      continue;
    }
    if (c === '!') {
      tokens.push({ kind: 'op', text: c, col, op: 'not' });
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      tokens.push({ kind: c, text: c, col });
      i++;
      continue;
    }
    const hint = c === '=' ? " (did you mean '=='?)" : c === '&' ? " (did you mean '&&' or 'and'?)" : c === '|' ? " (did you mean '||' or 'or'?)" : '';
    fail(source, `unexpected character '${c}' at column ${col}${hint}`, i);
  }
  tokens.push({ kind: 'end', text: '', col: n + 1 });
  return tokens;
}

function fail(source: string, message: string, i: number): never {
  throw new ExpressionError(message, i + 1, source);
}

/** A number at `i` (a name-like tail is an error); returns the index after it. */
function readNumber(source: string, i: number, tokens: Token[]): number {
  const col = i + 1;
  const text = sticky(NUMBER, source, i) as string;
  const tail = sticky(NUMBER_TAIL, source, i + text.length) ?? '';
  if (tail !== '') fail(source, `malformed number '${text}${tail}' at column ${col}`, i);
  const value = Number(text);
  if (!Number.isFinite(value)) fail(source, `number '${text}' at column ${col} is out of range`, i);
  tokens.push({ kind: 'num', text, col, value });
  return i + text.length;
}

/** A dotted name, or a keyword (a literal or a word operator), at `i`; returns the index after it. */
function readName(source: string, i: number, tokens: Token[]): number {
  const n = source.length;
  const col = i + 1;
  const head = sticky(NAME_HEAD, source, i) as string;
  let j = i + head.length;
  while (j < n && source[j] === '.') {
    const segment = sticky(NAME_SEGMENT, source, j + 1);
    if (segment === null) {
      fail(source, `unexpected ${describeChar(source, j + 1)} at column ${j + 2}, expected a name segment after '${source.slice(i, j + 1)}'`, j + 1);
    }
    j += 1 + segment.length;
  }
  const text = source.slice(i, j);
  if (KEYWORDS.has(head)) {
    if (j > i + head.length) fail(source, `'${head}' is a keyword and cannot start a name ('${text}' at column ${col})`, i);
    if (head === 'true' || head === 'false' || head === 'null') {
      tokens.push({ kind: 'lit', text, col, value: head === 'null' ? null : head === 'true' });
    } else {
      tokens.push({ kind: 'op', text, col, op: head });
    }
  } else {
    tokens.push({ kind: 'name', text, col });
  }
  return j;
}

/** A quoted string with its escapes at `i`; returns the index after the closing quote. */
function readString(source: string, i: number, tokens: Token[]): number {
  const n = source.length;
  const col = i + 1;
  const c = source[i];
  let value = '';
  let j = i + 1;
  for (;;) {
    if (j >= n) fail(source, `unterminated string starting at column ${col}`, i);
    const d = source[j];
    if (d === c) break;
    if (d !== '\\') {
      value += d;
      j++;
      continue;
    }
    if (j + 1 >= n) fail(source, `unterminated string starting at column ${col}`, i);
    const e = source[j + 1];
    switch (e) {
      case '\\':
      case '"':
      case "'":
        value += e;
        break;
      case 'n':
        value += '\n';
        break;
      case 't':
        value += '\t';
        break;
      case 'r':
        value += '\r';
        break;
      case 'u': {
        const hex = source.slice(j + 2, j + 6);
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) fail(source, `invalid escape at column ${j + 1}: '\\u' needs 4 hex digits`, j);
        value += String.fromCharCode(parseInt(hex, 16));
        j += 4;
        break;
      }
      default:
        fail(source, `invalid escape '\\${e}' at column ${j + 1} (allowed: \\\\ \\' \\" \\n \\t \\r \\uXXXX)`, j);
    }
    j += 2;
  }
  tokens.push({ kind: 'str', text: source.slice(i, j + 1), col, value });
  return j + 1;
}
