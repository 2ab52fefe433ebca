/**
 * A small, safe expression language for parameter constraints (`strategy.fast < strategy.slow`)
 * and workflow phase conditions (`sweep.best.metrics.sharpe > 0.5 and sweep.trials >= 10`).
 * Nothing is ever handed to `eval` or `Function`: the source is tokenized, parsed by recursive
 * descent into a small AST, and compiled once into a tree of closures that evaluation walks.
 *
 * Grammar, lowest to highest precedence:
 *
 * ```text
 * expression  := or
 * or          := and  (("or"  | "||") and)*                 left-assoc, short-circuit
 * and         := not  (("and" | "&&") not)*                 left-assoc, short-circuit
 * not         := ("not" | "!") not | comparison
 * comparison  := additive (("<" | "<=" | ">" | ">=" | "==" | "!=") additive)?
 *                                                            non-associative: a < b < c is an error
 * additive    := multiplicative (("+" | "-") multiplicative)*            left-assoc
 * multiplicative := unary (("*" | "/" | "%") unary)*                   left-assoc
 * unary       := ("-" | "+") unary | primary
 * primary     := NUMBER | STRING | "true" | "false" | "null" | NAME | "(" expression ")"
 *
 * NUMBER      := (DIGITS ("." DIGITS)? | "." DIGITS) ([eE] [+-]? DIGITS)?     1, 2.5, .5, 1e-3
 * STRING      := '…' | "…"   escapes: \\ \' \" \n \t \r \uXXXX (any other escape is an error)
 * NAME        := [A-Za-z_][A-Za-z0-9_]* ("." [A-Za-z0-9_]+)*        strategy.fast, windows.0.sharpe
 * ```
 *
 * The keywords `and or not true false null` are case-sensitive and cannot be names, nor start a
 * dotted name (`true.x` is an error); later segments may spell a keyword (`flags.not` is a name).
 * `not` binds more loosely than comparisons (`not a == b` is `not (a == b)`), so it cannot be an
 * operand of a comparison or of arithmetic without parentheses: write `a == (not b)`.
 *
 * Semantics (no implicit conversions, no truthiness):
 * - `+ - * / %` and unary `- +` take numbers only; `+` does not concatenate strings. `%` is the
 *   remainder with the sign of the dividend (JavaScript's). `/` and `%` by zero are errors
 *   ("division by zero"), and so is any arithmetic result that is NaN or ±Infinity.
 * - `< <= > >=` take two numbers or two strings (strings compare by UTF-16 code units).
 * - `== !=` compare any two values strictly: `1 == "1"` is false, `null == null` is true.
 * - `and or not` take booleans only (`1 and true` is an error) and short-circuit: the right operand
 *   of `false and …` / `true or …` is never evaluated, so the names it reads are not looked up.
 * - A name is resolved by the caller's lookup; `undefined` means "unknown name" (an error), `null`
 *   is the value null. A looked-up NaN is an error; ±Infinity is accepted as a value (a profit
 *   factor with no losses) and compares normally, but arithmetic producing it is an error.
 *
 * Every error is an {@link ExpressionError} carrying the 1-based column (a character offset into the
 * source: expressions are one-liners) of the offending character, token, operator or name.
 * Sub-expressions whose operands are all literals are folded at compile time when they evaluate
 * without error; one that would fail is left to fail at run time, only if it is reached.
 */

export type ExprValue = number | string | boolean | null;

type Lookup = (name: string) => ExprValue | undefined;

export class ExpressionError extends Error {
  constructor(
    message: string,
    /** 1-based column in the source text. */
    readonly column: number,
    readonly source: string,
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}

export interface CompiledExpression {
  readonly source: string;
  /** Dotted identifiers the expression reads, in first-appearance order, e.g. ['strategy.fast', 'strategy.slow']. */
  readonly variables: readonly string[];
  /** Evaluates with a lookup of dotted names; a lookup returning undefined throws ExpressionError("unknown name 'x.y'") with the column of that identifier. */
  evaluate(lookup: (name: string) => ExprValue | undefined): ExprValue;
}

// ---------------------------------------------------------------------------------------------
// Tokens

type TokenKind = 'num' | 'str' | 'lit' | 'name' | 'op' | '(' | ')' | 'end';

interface Token {
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
const MAX_DEPTH = 256;

function describeChar(source: string, i: number): string {
  return i >= source.length ? 'end of expression' : `'${source[i]}'`;
}

function describeToken(t: Token): string {
  if (t.kind === 'end') return 'end of expression';
  return `'${t.text.length > 40 ? `${t.text.slice(0, 37)}...` : t.text}'`;
}

function sticky(re: RegExp, source: string, i: number): string | null {
  re.lastIndex = i;
  const m = re.exec(source);
  return m === null ? null : m[0];
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const fail = (message: string, i: number): never => {
    throw new ExpressionError(message, i + 1, source);
  };
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
      const text = sticky(NUMBER, source, i) as string;
      const tail = sticky(NUMBER_TAIL, source, i + text.length) ?? '';
      if (tail !== '') fail(`malformed number '${text}${tail}' at column ${col}`, i);
      const value = Number(text);
      if (!Number.isFinite(value)) fail(`number '${text}' at column ${col} is out of range`, i);
      tokens.push({ kind: 'num', text, col, value });
      i += text.length;
      continue;
    }
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c === '_') {
      const head = sticky(NAME_HEAD, source, i) as string;
      let j = i + head.length;
      while (j < n && source[j] === '.') {
        const segment = sticky(NAME_SEGMENT, source, j + 1);
        if (segment === null) {
          fail(`unexpected ${describeChar(source, j + 1)} at column ${j + 2}, expected a name segment after '${source.slice(i, j + 1)}'`, j + 1);
        }
        j += 1 + (segment as string).length;
      }
      const text = source.slice(i, j);
      if (KEYWORDS.has(head)) {
        if (j > i + head.length) fail(`'${head}' is a keyword and cannot start a name ('${text}' at column ${col})`, i);
        if (head === 'true' || head === 'false' || head === 'null') {
          tokens.push({ kind: 'lit', text, col, value: head === 'null' ? null : head === 'true' });
        } else {
          tokens.push({ kind: 'op', text, col, op: head });
        }
      } else {
        tokens.push({ kind: 'name', text, col });
      }
      i = j;
      continue;
    }
    if (c === '"' || c === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= n) fail(`unterminated string starting at column ${col}`, i);
        const d = source[j];
        if (d === c) break;
        if (d !== '\\') {
          value += d;
          j++;
          continue;
        }
        if (j + 1 >= n) fail(`unterminated string starting at column ${col}`, i);
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
            if (!/^[0-9A-Fa-f]{4}$/.test(hex)) fail(`invalid escape at column ${j + 1}: '\\u' needs 4 hex digits`, j);
            value += String.fromCharCode(parseInt(hex, 16));
            j += 4;
            break;
          }
          default:
            fail(`invalid escape '\\${e}' at column ${j + 1} (allowed: \\\\ \\' \\" \\n \\t \\r \\uXXXX)`, j);
        }
        j += 2;
      }
      tokens.push({ kind: 'str', text: source.slice(i, j + 1), col, value });
      i = j + 1;
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
    fail(`unexpected character '${c}' at column ${col}${hint}`, i);
  }
  tokens.push({ kind: 'end', text: '', col: n + 1 });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// AST

type BinaryOp = 'or' | 'and' | '<' | '<=' | '>' | '>=' | '==' | '!=' | '+' | '-' | '*' | '/' | '%';

type Node =
  | { readonly k: 'lit'; readonly value: ExprValue; readonly col: number; readonly depth: number }
  | { readonly k: 'name'; readonly name: string; readonly col: number; readonly depth: number }
  | { readonly k: 'unary'; readonly op: 'neg' | 'pos' | 'not'; readonly text: string; readonly col: number; readonly a: Node; readonly depth: number }
  | { readonly k: 'binary'; readonly op: BinaryOp; readonly text: string; readonly col: number; readonly a: Node; readonly b: Node; readonly depth: number };

const COMPARISONS = new Set(['<', '<=', '>', '>=', '==', '!=']);
const EXPECTED_VALUE = "expected a number, string, name or '('";

class Parser {
  private pos = 0;
  private nesting = 0;
  readonly variables: string[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  parse(): Node {
    if (this.peek().kind === 'end') throw this.error('empty expression', 1);
    const node = this.parseOr();
    const t = this.peek();
    if (t.kind !== 'end') {
      throw this.error(`unexpected ${describeToken(t)} at column ${t.col}, expected an operator or end of expression`, t.col);
    }
    return node;
  }

  private error(message: string, col: number): ExpressionError {
    return new ExpressionError(message, col, this.source);
  }

  private peek(): Token {
    return this.tokens[this.pos];
  }

  private isOp(t: Token, ...ops: string[]): boolean {
    return t.kind === 'op' && ops.includes(t.op as string);
  }

  private binary(op: BinaryOp, t: Token, a: Node, b: Node): Node {
    const depth = Math.max(a.depth, b.depth) + 1;
    if (depth > MAX_DEPTH) throw this.error(`expression is nested too deeply at column ${t.col} (more than ${MAX_DEPTH} levels)`, t.col);
    return { k: 'binary', op, text: t.text, col: t.col, a, b, depth };
  }

  private enter(t: Token): void {
    if (++this.nesting > MAX_DEPTH) throw this.error(`expression is nested too deeply at column ${t.col} (more than ${MAX_DEPTH} levels)`, t.col);
  }

  private parseOr(): Node {
    let left = this.parseAnd();
    while (this.isOp(this.peek(), 'or')) {
      const t = this.tokens[this.pos++];
      left = this.binary('or', t, left, this.parseAnd());
    }
    return left;
  }

  private parseAnd(): Node {
    let left = this.parseNot();
    while (this.isOp(this.peek(), 'and')) {
      const t = this.tokens[this.pos++];
      left = this.binary('and', t, left, this.parseNot());
    }
    return left;
  }

  private parseNot(): Node {
    const t = this.peek();
    if (!this.isOp(t, 'not')) return this.parseComparison();
    this.pos++;
    this.enter(t);
    const a = this.parseNot();
    this.nesting--;
    return { k: 'unary', op: 'not', text: t.text, col: t.col, a, depth: a.depth + 1 };
  }

  private parseComparison(): Node {
    const left = this.parseAdditive();
    const t = this.peek();
    if (t.kind !== 'op' || !COMPARISONS.has(t.op as string)) return left;
    this.pos++;
    const right = this.parseAdditive();
    const t2 = this.peek();
    if (t2.kind === 'op' && COMPARISONS.has(t2.op as string)) {
      throw this.error(
        `chained comparison '${t2.text}' at column ${t2.col}: comparisons do not chain, write 'a ${t.text} b and b ${t2.text} c'`,
        t2.col,
      );
    }
    return this.binary(t.op as BinaryOp, t, left, right);
  }

  private parseAdditive(): Node {
    let left = this.parseMultiplicative();
    while (this.isOp(this.peek(), '+', '-')) {
      const t = this.tokens[this.pos++];
      left = this.binary(t.op as BinaryOp, t, left, this.parseMultiplicative());
    }
    return left;
  }

  private parseMultiplicative(): Node {
    let left = this.parseUnary();
    while (this.isOp(this.peek(), '*', '/', '%')) {
      const t = this.tokens[this.pos++];
      left = this.binary(t.op as BinaryOp, t, left, this.parseUnary());
    }
    return left;
  }

  private parseUnary(): Node {
    const t = this.peek();
    if (!this.isOp(t, '-', '+')) return this.parsePrimary();
    this.pos++;
    this.enter(t);
    const a = this.parseUnary();
    this.nesting--;
    return { k: 'unary', op: t.op === '-' ? 'neg' : 'pos', text: t.text, col: t.col, a, depth: a.depth + 1 };
  }

  private parsePrimary(): Node {
    const t = this.tokens[this.pos];
    switch (t.kind) {
      case 'num':
      case 'str':
      case 'lit':
        this.pos++;
        return { k: 'lit', value: t.value as ExprValue, col: t.col, depth: 1 };
      case 'name':
        this.pos++;
        if (!this.seen.has(t.text)) {
          this.seen.add(t.text);
          this.variables.push(t.text);
        }
        return { k: 'name', name: t.text, col: t.col, depth: 1 };
      case '(': {
        this.pos++;
        this.enter(t);
        const inner = this.parseOr();
        this.nesting--;
        const close = this.peek();
        if (close.kind !== ')') {
          throw this.error(`missing ')' at column ${close.col} to close '(' at column ${t.col}, found ${describeToken(close)}`, close.col);
        }
        this.pos++;
        return inner;
      }
      default: {
        if (this.isOp(t, 'not')) {
          throw this.error(`unexpected '${t.text}' at column ${t.col}, ${EXPECTED_VALUE} (negate an operand in parentheses: 'a == (${t.text} b)')`, t.col);
        }
        throw this.error(`unexpected ${describeToken(t)} at column ${t.col}, ${EXPECTED_VALUE}`, t.col);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Compilation to closures

type Fn = (lookup: Lookup) => ExprValue;

interface Built {
  readonly fn: Fn;
  /** Reads no name: safe to evaluate at compile time. */
  readonly constant: boolean;
}

function typeName(v: ExprValue): string {
  return v === null ? 'null' : typeof v;
}

const NO_LOOKUP: Lookup = () => undefined;

function constant(value: ExprValue): Built {
  return { fn: () => value, constant: true };
}

/** Folds a built node whose operands are all constants, unless evaluating it throws. */
function fold(fn: Fn, operandsConstant: boolean): Built {
  if (!operandsConstant) return { fn, constant: false };
  try {
    return constant(fn(NO_LOOKUP));
  } catch (e) {
    if (e instanceof ExpressionError) return { fn, constant: false };
    throw e;
  }
}

function build(node: Node, source: string): Built {
  switch (node.k) {
    case 'lit':
      return constant(node.value);
    case 'name':
      return { fn: nameFn(node.name, node.col, source), constant: false };
    case 'unary': {
      const a = build(node.a, source);
      return fold(unaryFn(node.op, a.fn, node.text, node.col, source), a.constant);
    }
    case 'binary': {
      const a = build(node.a, source);
      const b = build(node.b, source);
      return fold(binaryFn(node.op, a.fn, b.fn, node.text, node.col, source), a.constant && b.constant);
    }
  }
}

function nameFn(name: string, col: number, source: string): Fn {
  const bad = (v: unknown): never => {
    if (v === undefined) throw new ExpressionError(`unknown name '${name}' at column ${col}`, col, source);
    if (typeof v === 'number') throw new ExpressionError(`name '${name}' at column ${col} is NaN`, col, source);
    throw new ExpressionError(`name '${name}' at column ${col} has a value of unsupported type ${Array.isArray(v) ? 'array' : typeof v}`, col, source);
  };
  return (lookup) => {
    const v = lookup(name);
    switch (typeof v) {
      case 'number':
        if (v !== v) return bad(v);
        return v;
      case 'string':
      case 'boolean':
        return v;
      default:
        if (v === null) return null;
        return bad(v);
    }
  };
}

function unaryFn(op: 'neg' | 'pos' | 'not', a: Fn, text: string, col: number, source: string): Fn {
  const bad = (v: ExprValue, wanted: string): never => {
    throw new ExpressionError(`operator '${text}' at column ${col} needs ${wanted}, found ${typeName(v)}`, col, source);
  };
  switch (op) {
    case 'not':
      return (lookup) => {
        const v = a(lookup);
        if (v === true) return false;
        if (v === false) return true;
        return bad(v, 'a boolean');
      };
    case 'neg':
      return (lookup) => {
        const v = a(lookup);
        if (typeof v !== 'number') return bad(v, 'a number');
        return -v;
      };
    case 'pos':
      return (lookup) => {
        const v = a(lookup);
        if (typeof v !== 'number') return bad(v, 'a number');
        return v;
      };
  }
}

function binaryFn(op: BinaryOp, a: Fn, b: Fn, text: string, col: number, source: string): Fn {
  const err = (message: string): ExpressionError => new ExpressionError(message, col, source);
  const notNumbers = (x: ExprValue, y: ExprValue): never => {
    const hint = op === '+' && typeof x === 'string' && typeof y === 'string' ? " ('+' does not concatenate strings)" : '';
    throw err(`operator '${text}' at column ${col} needs two numbers, found ${typeName(x)} and ${typeName(y)}${hint}`);
  };
  const notFinite = (r: number): never => {
    throw err(`result of '${text}' at column ${col} is not a finite number (${r})`);
  };
  const divisionByZero = (): never => {
    throw err(`division by zero at column ${col}`);
  };
  const notComparable = (x: ExprValue, y: ExprValue): never => {
    throw err(`operator '${text}' at column ${col} needs two numbers or two strings, found ${typeName(x)} and ${typeName(y)}`);
  };
  const notBoolean = (v: ExprValue, side: string): never => {
    throw err(`operator '${text}' at column ${col} needs booleans, found ${typeName(v)} on the ${side}`);
  };
  /** Both numbers, or both strings: the operands may be compared with < <= > >=. */
  const comparable = (x: ExprValue, y: ExprValue): boolean =>
    typeof x === 'number' ? typeof y === 'number' : typeof x === 'string' && typeof y === 'string';

  switch (op) {
    case 'or':
      return (lookup) => {
        const x = a(lookup);
        if (x === true) return true;
        if (x !== false) return notBoolean(x, 'left');
        const y = b(lookup);
        if (typeof y !== 'boolean') return notBoolean(y, 'right');
        return y;
      };
    case 'and':
      return (lookup) => {
        const x = a(lookup);
        if (x === false) return false;
        if (x !== true) return notBoolean(x, 'left');
        const y = b(lookup);
        if (typeof y !== 'boolean') return notBoolean(y, 'right');
        return y;
      };
    case '==':
      return (lookup) => a(lookup) === b(lookup);
    case '!=':
      return (lookup) => a(lookup) !== b(lookup);
    case '<':
      return (lookup) => {
        const x = a(lookup);
        const y = b(lookup);
        if (!comparable(x, y)) return notComparable(x, y);
        return (x as number) < (y as number);
      };
    case '<=':
      return (lookup) => {
        const x = a(lookup);
        const y = b(lookup);
        if (!comparable(x, y)) return notComparable(x, y);
        return (x as number) <= (y as number);
      };
    case '>':
      return (lookup) => {
        const x = a(lookup);
        const y = b(lookup);
        if (!comparable(x, y)) return notComparable(x, y);
        return (x as number) > (y as number);
      };
    case '>=':
      return (lookup) => {
        const x = a(lookup);
        const y = b(lookup);
        if (!comparable(x, y)) return notComparable(x, y);
        return (x as number) >= (y as number);
      };
    case '+':
      return (lookup) => {
        const x = a(lookup);
        const y = b(lookup);
        if (typeof x !== 'number' || typeof y !== 'number') return notNumbers(x, y);
        const r = x + y;
        return Number.isFinite(r) ? r : notFinite(r);
      };
    case '-':
      return (lookup) => {
        const x = a(lookup);
        const y = b(lookup);
        if (typeof x !== 'number' || typeof y !== 'number') return notNumbers(x, y);
        const r = x - y;
        return Number.isFinite(r) ? r : notFinite(r);
      };
    case '*':
      return (lookup) => {
        const x = a(lookup);
        const y = b(lookup);
        if (typeof x !== 'number' || typeof y !== 'number') return notNumbers(x, y);
        const r = x * y;
        return Number.isFinite(r) ? r : notFinite(r);
      };
    case '/':
      return (lookup) => {
        const x = a(lookup);
        const y = b(lookup);
        if (typeof x !== 'number' || typeof y !== 'number') return notNumbers(x, y);
        if (y === 0) return divisionByZero();
        const r = x / y;
        return Number.isFinite(r) ? r : notFinite(r);
      };
    case '%':
      return (lookup) => {
        const x = a(lookup);
        const y = b(lookup);
        if (typeof x !== 'number' || typeof y !== 'number') return notNumbers(x, y);
        if (y === 0) return divisionByZero();
        const r = x % y;
        return Number.isFinite(r) ? r : notFinite(r);
      };
  }
}

class Compiled implements CompiledExpression {
  readonly variables: readonly string[];
  private readonly root: Fn;

  constructor(
    readonly source: string,
    root: Fn,
    variables: string[],
  ) {
    this.root = root;
    this.variables = Object.freeze(variables);
  }

  evaluate(lookup: Lookup): ExprValue {
    return this.root(lookup);
  }
}

/** Parses and compiles `source`; throws ExpressionError (with the column) when it is malformed. */
export function compileExpression(source: string): CompiledExpression {
  const parser = new Parser(source, tokenize(source));
  const tree = parser.parse();
  return new Compiled(source, build(tree, source).fn, parser.variables);
}

/** evaluate and require a boolean result (ExpressionError otherwise, naming the type found). */
export function evaluateCondition(expr: CompiledExpression, lookup: (name: string) => ExprValue | undefined): boolean {
  const v = expr.evaluate(lookup);
  if (typeof v === 'boolean') return v;
  const col = Math.max(expr.source.search(/\S/), 0) + 1;
  throw new ExpressionError(
    `expression must evaluate to a boolean, found ${typeName(v)}${v === null ? '' : ` (${typeof v === 'string' ? JSON.stringify(v) : v})`}`,
    col,
    expr.source,
  );
}
