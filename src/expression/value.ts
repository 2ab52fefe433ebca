// The values, errors and compiled form of the expression language (expression.ts has its grammar).

export type ExprValue = number | string | boolean | null;

export type Lookup = (name: string) => ExprValue | undefined;

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
