import type { BinaryOp, Node } from './parser.js';
import { ExpressionError, type ExprValue, type Lookup } from './value.js';

// The AST compiled once into a tree of closures, constant sub-expressions folded (semantics in expression.ts).

export type Fn = (lookup: Lookup) => ExprValue;

interface Built {
  readonly fn: Fn;
  /** Reads no name: safe to evaluate at compile time. */
  readonly constant: boolean;
}

export function typeName(v: ExprValue): string {
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

export function build(node: Node, source: string): Built {
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
  switch (op) {
    case 'or':
    case 'and':
      return logicalFn(op, a, b, text, col, err);
    case '==':
      return (lookup) => a(lookup) === b(lookup);
    case '!=':
      return (lookup) => a(lookup) !== b(lookup);
    case '<':
    case '<=':
    case '>':
    case '>=':
      return orderFn(op, a, b, text, col, err);
    default:
      return arithmeticFn(op, a, b, text, col, err);
  }
}

type ErrorAt = (message: string) => ExpressionError;

/** `and`, `or`: booleans only, short-circuit. */
function logicalFn(op: 'or' | 'and', a: Fn, b: Fn, text: string, col: number, err: ErrorAt): Fn {
  const notBoolean = (v: ExprValue, side: string): never => {
    throw err(`operator '${text}' at column ${col} needs booleans, found ${typeName(v)} on the ${side}`);
  };
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
  }
}

/** `< <= > >=`: two numbers or two strings. */
function orderFn(op: '<' | '<=' | '>' | '>=', a: Fn, b: Fn, text: string, col: number, err: ErrorAt): Fn {
  const notComparable = (x: ExprValue, y: ExprValue): never => {
    throw err(`operator '${text}' at column ${col} needs two numbers or two strings, found ${typeName(x)} and ${typeName(y)}`);
  };
  /** Both numbers, or both strings: the operands may be compared with < <= > >=. */
  const comparable = (x: ExprValue, y: ExprValue): boolean => (typeof x === 'number' ? typeof y === 'number' : typeof x === 'string' && typeof y === 'string');
  switch (op) {
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
  }
}

/** `+ - * / %`: numbers only, a finite result, no division by zero. */
function arithmeticFn(op: '+' | '-' | '*' | '/' | '%', a: Fn, b: Fn, text: string, col: number, err: ErrorAt): Fn {
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
  switch (op) {
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
