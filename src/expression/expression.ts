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

import { build, typeName, type Fn } from './compiler.js';
import { tokenize } from './lexer.js';
import { Parser } from './parser.js';
import { ExpressionError, type CompiledExpression, type ExprValue, type Lookup } from './value.js';

export { ExpressionError, type CompiledExpression, type ExprValue };

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
