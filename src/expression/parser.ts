import { describeToken, MAX_DEPTH, type Token } from './lexer.js';
import { ExpressionError, type ExprValue } from './value.js';

// Recursive descent into a small AST (grammar in expression.ts).

export type BinaryOp = 'or' | 'and' | '<' | '<=' | '>' | '>=' | '==' | '!=' | '+' | '-' | '*' | '/' | '%';

export type Node =
  | { readonly k: 'lit'; readonly value: ExprValue; readonly col: number; readonly depth: number }
  | { readonly k: 'name'; readonly name: string; readonly col: number; readonly depth: number }
  | { readonly k: 'unary'; readonly op: 'neg' | 'pos' | 'not'; readonly text: string; readonly col: number; readonly a: Node; readonly depth: number }
  | { readonly k: 'binary'; readonly op: BinaryOp; readonly text: string; readonly col: number; readonly a: Node; readonly b: Node; readonly depth: number };

const COMPARISONS = new Set(['<', '<=', '>', '>=', '==', '!=']);
const EXPECTED_VALUE = "expected a number, string, name or '('";

export class Parser {
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
      throw this.error(`chained comparison '${t2.text}' at column ${t2.col}: comparisons do not chain, write 'a ${t.text} b and b ${t2.text} c'`, t2.col);
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
