import { describe, expect, it } from 'vitest';
import { compileExpression, evaluateCondition, ExpressionError, type ExprValue } from '../src/expression/expression.js';

/**
 * The constraint / condition language of src/expression/expression.ts: precedence, every operator,
 * short-circuiting, the variables list, and every compile-time and run-time error with its column.
 */

type Vars = Record<string, ExprValue>;

function lookupOf(vars: Vars): (name: string) => ExprValue | undefined {
  return (name) => (Object.hasOwn(vars, name) ? vars[name] : undefined);
}

function ev(source: string, vars: Vars = {}): ExprValue {
  return compileExpression(source).evaluate(lookupOf(vars));
}

/** The ExpressionError thrown by `f` (fails the test if it throws nothing or something else). */
function caught(f: () => unknown): ExpressionError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ExpressionError);
    return e as ExpressionError;
  }
  throw new Error('expected an ExpressionError, nothing was thrown');
}

function compileError(source: string): ExpressionError {
  return caught(() => compileExpression(source));
}

/** Compiles without error, then fails when evaluated. */
function evalError(source: string, vars: Vars = {}): ExpressionError {
  const expr = compileExpression(source);
  return caught(() => expr.evaluate(lookupOf(vars)));
}

describe('precedence and associativity', () => {
  it('multiplication before addition, arithmetic before comparison', () => {
    expect(ev('1 + 2 * 3 == 7')).toBe(true);
    expect(ev('1 + 2 * 3')).toBe(7);
    expect(ev('1 + 2 < 4')).toBe(true);
  });
  it('not binds tighter than or and and, looser than comparison', () => {
    expect(ev('not true or true')).toBe(true);
    expect(ev('not (true or true)')).toBe(false);
    expect(ev('not false and false')).toBe(false);
    expect(ev('not 1 == 2')).toBe(true); // not (1 == 2)
    expect(ev('!true == false')).toBe(true); // !(true == false)
    expect(ev('not not true')).toBe(true);
  });
  it('and binds tighter than or', () => {
    expect(ev('true or false and false')).toBe(true);
    expect(ev('(true or false) and false')).toBe(false);
    expect(ev('false and false or true')).toBe(true);
  });
  it('unary minus binds tightest', () => {
    expect(ev('-2 * -3')).toBe(6);
    expect(ev('-2 + 3')).toBe(1);
    expect(ev('-(2 + 3)')).toBe(-5);
    expect(ev('- -2')).toBe(2);
    expect(ev('+-3')).toBe(-3);
    expect(ev('-x.y * 2', { 'x.y': 4 })).toBe(-8);
  });
  it('binary operators are left-associative', () => {
    expect(ev('10 - 4 - 3 == 3')).toBe(true);
    expect(ev('10 - 4 - 3')).toBe(3);
    expect(ev('24 / 4 / 2')).toBe(3);
    expect(ev('7 % 3 * 2')).toBe(2);
    expect(ev('2 * 9 % 4')).toBe(2);
  });
  it('parentheses override precedence', () => {
    expect(ev('2 * (3 + 4)')).toBe(14);
    expect(ev('((2)) * ((3 + 4) - (1))')).toBe(12);
  });
});

describe('operators', () => {
  it('arithmetic', () => {
    expect(ev('7 + 2')).toBe(9);
    expect(ev('7 - 2')).toBe(5);
    expect(ev('7 * 2')).toBe(14);
    expect(ev('7 / 2')).toBe(3.5);
    expect(ev('7 % 2')).toBe(1);
    expect(ev('-7 % 3')).toBe(-1); // sign of the dividend
    expect(ev('7.5 % 2')).toBe(1.5);
    expect(ev('+5')).toBe(5);
    expect(ev('0.1 + 0.2')).toBe(0.30000000000000004);
  });
  it('ordering comparisons on numbers', () => {
    expect(ev('1 < 2')).toBe(true);
    expect(ev('2 < 2')).toBe(false);
    expect(ev('2 <= 2')).toBe(true);
    expect(ev('3 <= 2')).toBe(false);
    expect(ev('3 > 2')).toBe(true);
    expect(ev('2 > 2')).toBe(false);
    expect(ev('2 >= 2')).toBe(true);
    expect(ev('2 >= 3')).toBe(false);
  });
  it('ordering comparisons on strings', () => {
    expect(ev('"abc" < "abd"')).toBe(true);
    expect(ev("'b' >= 'a'")).toBe(true);
    expect(ev("'B' > 'a'")).toBe(false); // code-unit order
    expect(ev('"a" <= "a"')).toBe(true);
  });
  it('== and != compare strictly, any types', () => {
    expect(ev('1 == 1')).toBe(true);
    expect(ev('1 == 1.0')).toBe(true);
    expect(ev('1 == "1"')).toBe(false);
    expect(ev('1 != "1"')).toBe(true);
    expect(ev('"a" == \'a\'')).toBe(true);
    expect(ev('null == null')).toBe(true);
    expect(ev('null != null')).toBe(false);
    expect(ev('null == 0')).toBe(false);
    expect(ev('null != false')).toBe(true);
    expect(ev('true == true')).toBe(true);
    expect(ev('true != false')).toBe(true);
    expect(ev('risk.stop_loss != null', { 'risk.stop_loss': null })).toBe(false);
    expect(ev('risk.stop_loss != null', { 'risk.stop_loss': 0.05 })).toBe(true);
  });
  it('and / && , or / || , not / !', () => {
    expect(ev('true and true')).toBe(true);
    expect(ev('true and false')).toBe(false);
    expect(ev('true && false')).toBe(false);
    expect(ev('false or true')).toBe(true);
    expect(ev('false or false')).toBe(false);
    expect(ev('false || true')).toBe(true);
    expect(ev('not true')).toBe(false);
    expect(ev('!false')).toBe(true);
    expect(ev('!(1 < 2)')).toBe(false);
  });
  it('literals', () => {
    expect(ev('true')).toBe(true);
    expect(ev('false')).toBe(false);
    expect(ev('null')).toBe(null);
    expect(ev('"s"')).toBe('s');
  });
});

describe('the motivating expressions', () => {
  const set = { 'strategy.fast': 10, 'strategy.slow': 50, 'strategy.trigger': 'level', 'strategy.allow_short': true, 'risk.stop_loss': 0.05 };
  it('parameter constraints', () => {
    expect(ev('strategy.fast < strategy.slow', set)).toBe(true);
    expect(ev('strategy.fast < strategy.slow', { ...set, 'strategy.fast': 50 })).toBe(false);
    expect(ev('strategy.slow - strategy.fast >= 10 and risk.stop_loss != null', set)).toBe(true);
    expect(ev('strategy.slow - strategy.fast >= 10 and risk.stop_loss != null', { ...set, 'risk.stop_loss': null })).toBe(false);
    expect(ev('strategy.slow - strategy.fast >= 10 and risk.stop_loss != null', { ...set, 'strategy.fast': 41 })).toBe(false);
    expect(ev('not (strategy.trigger == "level" and strategy.allow_short)', set)).toBe(false);
    expect(ev('not (strategy.trigger == "level" and strategy.allow_short)', { ...set, 'strategy.trigger': 'cross' })).toBe(true);
  });
  it('phase conditions', () => {
    const src = 'sweep.best.metrics.sharpe > 0.5 and sweep.trials >= 10';
    expect(ev(src, { 'sweep.best.metrics.sharpe': 1.2, 'sweep.trials': 120 })).toBe(true);
    expect(ev(src, { 'sweep.best.metrics.sharpe': 0.4, 'sweep.trials': 120 })).toBe(false);
    expect(ev(src, { 'sweep.best.metrics.sharpe': 1.2, 'sweep.trials': 9 })).toBe(false);
  });
  it('names with digit segments', () => {
    expect(ev('windows.0.sharpe > windows.10.sharpe', { 'windows.0.sharpe': 2, 'windows.10.sharpe': 1 })).toBe(true);
    expect(ev('_x.__y + a1.b_2', { '_x.__y': 1, 'a1.b_2': 2 })).toBe(3);
  });
  it('a compiled expression is reusable with different lookups', () => {
    const e = compileExpression('a.b * 2');
    expect(e.evaluate(() => 3)).toBe(6);
    expect(e.evaluate(() => 5)).toBe(10);
    expect(e.source).toBe('a.b * 2');
  });
});

describe('short-circuit', () => {
  function recording(vars: Vars): { lookup: (name: string) => ExprValue | undefined; seen: string[] } {
    const seen: string[] = [];
    const base = lookupOf(vars);
    return { seen, lookup: (name) => (seen.push(name), base(name)) };
  }
  it('false and … never looks up the right side', () => {
    const r = recording({});
    expect(compileExpression('false and x.y').evaluate(r.lookup)).toBe(false);
    expect(compileExpression('false && (x.y > 1 or z.w)').evaluate(r.lookup)).toBe(false);
    expect(r.seen).toEqual([]);
  });
  it('true or … never looks up the right side', () => {
    const r = recording({});
    expect(compileExpression('true or x.y').evaluate(r.lookup)).toBe(true);
    expect(compileExpression('1 < 2 || x.y').evaluate(r.lookup)).toBe(true);
    expect(r.seen).toEqual([]);
  });
  it('the right side is evaluated when needed', () => {
    const r = recording({ 'a.b': false, 'x.y': true });
    expect(compileExpression('not a.b and x.y').evaluate(r.lookup)).toBe(true);
    expect(r.seen).toEqual(['a.b', 'x.y']);
  });
  it('a short-circuited right side skips its type errors too', () => {
    expect(ev('false and 1')).toBe(false);
    expect(ev('true or 1 / 0')).toBe(true);
    expect(ev('a.on and a.n / a.d > 1', { 'a.on': false })).toBe(false);
  });
  it('no-such-name is reported only when reached', () => {
    const e = evalError('true and x.y');
    expect(e.message).toBe("unknown name 'x.y' at column 10");
    expect(e.column).toBe(10);
  });
});

describe('variables', () => {
  it('lists dotted names once, in first-appearance order', () => {
    const e = compileExpression('strategy.slow - strategy.fast >= 10 and risk.stop_loss != null and strategy.fast > strategy.slow / 5');
    expect(e.variables).toEqual(['strategy.slow', 'strategy.fast', 'risk.stop_loss']);
  });
  it('includes names in branches that may be short-circuited', () => {
    expect(compileExpression('false and x.y or (z.w == windows.0.sharpe)').variables).toEqual(['x.y', 'z.w', 'windows.0.sharpe']);
  });
  it('is empty for literals only and is frozen', () => {
    const e = compileExpression('1 + 2 == 3 and "a" != null');
    expect(e.variables).toEqual([]);
    expect(Object.isFrozen(e.variables)).toBe(true);
  });
  it('keywords are case-sensitive: True is a name', () => {
    expect(compileExpression('True or FALSE').variables).toEqual(['True', 'FALSE']);
    expect(ev('True', { True: 3 })).toBe(3);
  });
});

describe('literals', () => {
  it('numbers', () => {
    expect(ev('1e3')).toBe(1000);
    expect(ev('1e3 == 1000')).toBe(true);
    expect(ev('.5')).toBe(0.5);
    expect(ev('.5 == 0.5')).toBe(true);
    expect(ev('1e-3')).toBe(0.001);
    expect(ev('2.5E+2')).toBe(250);
    expect(ev('.5e1')).toBe(5);
    expect(ev('42')).toBe(42);
    expect(ev('3.25')).toBe(3.25);
    expect(ev('007')).toBe(7);
  });
  it('strings with escapes', () => {
    expect(ev('"a\\"b"')).toBe('a"b');
    expect(ev("'it\\'s'")).toBe("it's");
    expect(ev('"back\\\\slash"')).toBe('back\\slash');
    expect(ev('"\\n\\t\\r"')).toBe('\n\t\r');
    expect(ev("'\\u0041\\u00e9'")).toBe('Aé');
    expect(ev('"it\'s"')).toBe("it's");
    expect(ev(`'say "hi"'`)).toBe('say "hi"');
    expect(ev('""')).toBe('');
    expect(ev('\'level\' == "level"')).toBe(true);
  });
  it('whitespace of any kind separates tokens', () => {
    expect(ev('1\n+\t2')).toBe(3);
    expect(ev('  true  ')).toBe(true);
  });
});

describe('compile-time errors name the column and what was expected', () => {
  it('unexpected token where a value is expected', () => {
    const e = compileError('strategy.fast < < 3');
    expect(e.column).toBe(17);
    expect(e.message).toBe("unexpected '<' at column 17, expected a number, string, name or '('");
    expect(e.source).toBe('strategy.fast < < 3');
    expect(e.name).toBe('ExpressionError');
    expect(e).toBeInstanceOf(Error);
  });
  it('unexpected end of expression', () => {
    const e = compileError('1 +');
    expect(e.column).toBe(4);
    expect(e.message).toBe("unexpected end of expression at column 4, expected a number, string, name or '('");
    expect(compileError('not').column).toBe(4);
    expect(compileError('(').column).toBe(2);
  });
  it('unexpected character', () => {
    const e = compileError('1 + @');
    expect(e.column).toBe(5);
    expect(e.message).toBe("unexpected character '@' at column 5");
    expect(compileError('a.b # c').column).toBe(5);
    expect(compileError('a.b $').message).toContain("'$'");
  });
  it('single = & | get a hint', () => {
    const eq = compileError('a = 1');
    expect(eq.column).toBe(3);
    expect(eq.message).toBe("unexpected character '=' at column 3 (did you mean '=='?)");
    expect(compileError('a & b').column).toBe(3);
    expect(compileError('a & b').message).toContain("'&&'");
    expect(compileError('a | b').column).toBe(3);
    expect(compileError('a | b').message).toContain("'||'");
  });
  it('unterminated string, at the opening quote', () => {
    const e = compileError("x == 'abc");
    expect(e.column).toBe(6);
    expect(e.message).toBe('unterminated string starting at column 6');
    expect(compileError('"abc').column).toBe(1);
    expect(compileError('"abc\\"').column).toBe(1); // the escaped quote does not close it
    expect(compileError('"abc\\').column).toBe(1);
  });
  it('invalid escapes', () => {
    const e = compileError('"a\\q"');
    expect(e.column).toBe(3);
    expect(e.message).toContain("invalid escape '\\q' at column 3");
    expect(compileError('"\\u12"').column).toBe(2);
  });
  it("missing ')'", () => {
    const e = compileError('(1 + 2');
    expect(e.column).toBe(7);
    expect(e.message).toBe("missing ')' at column 7 to close '(' at column 1, found end of expression");
    const f = compileError('2 * (3 + 4 5');
    expect(f.column).toBe(12);
    expect(f.message).toBe("missing ')' at column 12 to close '(' at column 5, found '5'");
  });
  it('trailing tokens', () => {
    const e = compileError('a.b == 1.5 x');
    expect(e.column).toBe(12);
    expect(e.message).toBe("unexpected 'x' at column 12, expected an operator or end of expression");
    expect(compileError('1 + 2)').column).toBe(6);
    expect(compileError('1 + 2)').message).toBe("unexpected ')' at column 6, expected an operator or end of expression");
    expect(compileError('strategy.fast strategy.slow').message).toBe("unexpected 'strategy.slow' at column 15, expected an operator or end of expression");
    expect(compileError('true "x"').column).toBe(6);
    expect(compileError('a not b').column).toBe(3);
  });
  it('empty expression', () => {
    for (const src of ['', '   ', '\t\n']) {
      const e = compileError(src);
      expect(e.column).toBe(1);
      expect(e.message).toBe('empty expression');
    }
    expect(compileError('()').message).toBe("unexpected ')' at column 2, expected a number, string, name or '('");
  });
  it('chained comparisons', () => {
    const e = compileError('1 < 2 < 3');
    expect(e.column).toBe(7);
    expect(e.message).toBe("chained comparison '<' at column 7: comparisons do not chain, write 'a < b and b < c'");
    expect(compileError('a == b != c').column).toBe(8);
    expect(compileError('strategy.fast < strategy.mid <= strategy.slow').column).toBe(30);
    expect(compileError('1 < 2 == true').column).toBe(7);
    // Parenthesised, it parses: the error is then a type error when evaluated.
    const t = evalError('(1 < 2) < 3');
    expect(t.column).toBe(9);
    expect(t.message).toBe("operator '<' at column 9 needs two numbers or two strings, found boolean and number");
    expect(ev('(1 < 2) == true')).toBe(true);
  });
  it('keywords cannot be names', () => {
    const e = compileError('true.x > 1');
    expect(e.column).toBe(1);
    expect(e.message).toBe("'true' is a keyword and cannot start a name ('true.x' at column 1)");
    expect(compileError('x > 1 and null.value == 2').column).toBe(11);
    expect(compileError('and.x').message).toContain("'and' is a keyword");
    const bare = compileError('strategy.fast > and');
    expect(bare.column).toBe(17);
    expect(bare.message).toBe("unexpected 'and' at column 17, expected a number, string, name or '('");
    expect(compileError('or == 1').column).toBe(1);
    // later segments may spell a keyword
    expect(compileExpression('flags.not').variables).toEqual(['flags.not']);
  });
  it('not as a comparison or arithmetic operand needs parentheses', () => {
    const e = compileError('1 == not true');
    expect(e.column).toBe(6);
    expect(e.message).toContain("unexpected 'not' at column 6");
    expect(e.message).toContain('parentheses');
    expect(compileError('1 + !x').column).toBe(5);
    expect(ev('false == (not true)')).toBe(true);
  });
  it('malformed names and numbers', () => {
    const n = compileError('a. == 1');
    expect(n.column).toBe(3);
    expect(n.message).toBe("unexpected ' ' at column 3, expected a name segment after 'a.'");
    expect(compileError('a..b').column).toBe(3);
    expect(compileError('a.b.').message).toBe("unexpected end of expression at column 5, expected a name segment after 'a.b.'");
    expect(compileError('1.').message).toBe("malformed number '1.' at column 1");
    expect(compileError('x + 3abc').message).toBe("malformed number '3abc' at column 5");
    expect(compileError('1e').column).toBe(1);
    expect(compileError('1e+').message).toBe("malformed number '1e+' at column 1");
    expect(compileError('1.5.3').message).toBe("malformed number '1.5.3' at column 1");
    expect(compileError('2 * 1e999').message).toBe("number '1e999' at column 5 is out of range");
    expect(compileError('. 5').message).toBe("unexpected character '.' at column 1");
  });
  it('absurd nesting is an error, not a stack overflow', () => {
    expect(compileError(`${'('.repeat(300)}1${')'.repeat(300)}`).message).toContain('nested too deeply');
    expect(compileError(`${'-'.repeat(5000)}1`).message).toContain('nested too deeply');
    expect(compileError(`${'not '.repeat(5000)}true`).message).toContain('nested too deeply');
    expect(compileError(Array(1000).fill('1').join(' + ')).message).toContain('nested too deeply');
    expect(ev(`${'('.repeat(100)}1${')'.repeat(100)}`)).toBe(1);
    expect(ev(Array(100).fill('1').join(' + '))).toBe(100);
  });
});

describe('run-time errors', () => {
  it('unknown names carry the column of the identifier', () => {
    const e = evalError('strategy.fast < strategy.slow', { 'strategy.fast': 1 });
    expect(e.column).toBe(17);
    expect(e.message).toBe("unknown name 'strategy.slow' at column 17");
    expect(e.source).toBe('strategy.fast < strategy.slow');
    expect(evalError('x.y').column).toBe(1);
  });
  it('arithmetic needs numbers, names the operator and types, at the operator column', () => {
    const e = evalError('x.s + 1', { 'x.s': 'a' });
    expect(e.column).toBe(5);
    expect(e.message).toBe("operator '+' at column 5 needs two numbers, found string and number");
    const cat = evalError('"a" + "b"');
    expect(cat.column).toBe(5);
    expect(cat.message).toBe("operator '+' at column 5 needs two numbers, found string and string ('+' does not concatenate strings)");
    expect(evalError('1 - null').message).toBe("operator '-' at column 3 needs two numbers, found number and null");
    expect(evalError('true * 2').message).toBe("operator '*' at column 6 needs two numbers, found boolean and number");
    expect(evalError('2 / "x"').column).toBe(3);
    expect(evalError('2 % false').column).toBe(3);
  });
  it('unary operators check their operand', () => {
    expect(evalError('-"a"').message).toBe("operator '-' at column 1 needs a number, found string");
    expect(evalError('1 + +x.b', { 'x.b': true }).message).toBe("operator '+' at column 5 needs a number, found boolean");
    expect(evalError('not 1').message).toBe("operator 'not' at column 1 needs a boolean, found number");
    expect(evalError('!null').message).toBe("operator '!' at column 1 needs a boolean, found null");
  });
  it('ordering comparisons need two numbers or two strings', () => {
    expect(evalError('1 < "a"').message).toBe("operator '<' at column 3 needs two numbers or two strings, found number and string");
    expect(evalError('null <= 1').column).toBe(6);
    expect(evalError('true > false').message).toBe("operator '>' at column 6 needs two numbers or two strings, found boolean and boolean");
    expect(evalError('a.x >= 1', { 'a.x': null }).column).toBe(5);
  });
  it('and / or need booleans: no truthiness', () => {
    expect(evalError('1 and true').message).toBe("operator 'and' at column 3 needs booleans, found number on the left");
    expect(evalError('true and 1').message).toBe("operator 'and' at column 6 needs booleans, found number on the right");
    expect(evalError('"" || false').message).toBe("operator '||' at column 4 needs booleans, found string on the left");
    expect(evalError('false or null').message).toBe("operator 'or' at column 7 needs booleans, found null on the right");
    expect(evalError('x.on && true', { 'x.on': 1 }).column).toBe(6);
  });
  it('division by zero', () => {
    const e = evalError('1 / 0');
    expect(e.column).toBe(3);
    expect(e.message).toBe('division by zero at column 3');
    expect(evalError('a.n / a.d', { 'a.n': 1, 'a.d': 0 }).column).toBe(5);
    expect(evalError('0 / 0').message).toBe('division by zero at column 3');
    expect(evalError('5 % a.d', { 'a.d': 0 }).message).toBe('division by zero at column 3');
    expect(evalError('5 % -0').message).toBe('division by zero at column 3');
  });
  it('non-finite results are errors', () => {
    const e = evalError('1e308 * 10');
    expect(e.column).toBe(7);
    expect(e.message).toBe("result of '*' at column 7 is not a finite number (Infinity)");
    expect(evalError('-1e308 - 1e308').column).toBe(8);
    expect(evalError('x.big + x.big', { 'x.big': 1e308 }).message).toContain('not a finite number');
  });
  it('looked-up NaN is an error, Infinity compares but does not compute', () => {
    expect(evalError('m.pf > 1', { 'm.pf': NaN }).message).toBe("name 'm.pf' at column 1 is NaN");
    expect(ev('m.pf > 1.5', { 'm.pf': Infinity })).toBe(true);
    expect(ev('m.pf == m.pf', { 'm.pf': -Infinity })).toBe(true);
    expect(evalError('m.pf * 2', { 'm.pf': Infinity }).message).toBe("result of '*' at column 6 is not a finite number (Infinity)");
  });
  it('looked-up values of other types are errors', () => {
    // eslint-disable-next-line no-restricted-syntax -- a lookup that breaks its type, as plain JavaScript can
    const e = caught(() => compileExpression('a.b == 1').evaluate(() => ({}) as unknown as ExprValue));
    expect(e.message).toBe("name 'a.b' at column 1 has a value of unsupported type object");
    // eslint-disable-next-line no-restricted-syntax -- as above, an array
    const f = caught(() => compileExpression('1 + a.b').evaluate(() => [1] as unknown as ExprValue));
    expect(f.column).toBe(5);
    expect(f.message).toContain('array');
  });
  it('a failing constant sub-expression compiles and fails only when reached', () => {
    const e = compileExpression('x.flag and 1 / 0 > 0');
    expect(e.evaluate(() => false)).toBe(false);
    expect(caught(() => e.evaluate(() => true)).message).toBe('division by zero at column 14');
  });
});

describe('evaluateCondition', () => {
  it('returns the boolean', () => {
    const e = compileExpression('strategy.fast < strategy.slow');
    expect(evaluateCondition(e, lookupOf({ 'strategy.fast': 1, 'strategy.slow': 2 }))).toBe(true);
    expect(evaluateCondition(e, lookupOf({ 'strategy.fast': 3, 'strategy.slow': 2 }))).toBe(false);
  });
  it('rejects other results, naming the type found', () => {
    const n = caught(() => evaluateCondition(compileExpression('  1 + 1'), () => undefined));
    expect(n.message).toBe('expression must evaluate to a boolean, found number (2)');
    expect(n.column).toBe(3);
    expect(caught(() => evaluateCondition(compileExpression('null'), () => undefined)).message).toBe('expression must evaluate to a boolean, found null');
    expect(caught(() => evaluateCondition(compileExpression('a.s'), () => 'yes')).message).toBe('expression must evaluate to a boolean, found string ("yes")');
  });
  it('passes evaluation errors through', () => {
    expect(caught(() => evaluateCondition(compileExpression('x.y > 1'), () => undefined)).message).toBe("unknown name 'x.y' at column 1");
  });
});

describe('compiled once, evaluated many times', () => {
  it('evaluates 1,000,000 parameter sets', () => {
    const expr = compileExpression('strategy.slow - strategy.fast >= 10 and risk.stop_loss != null and not (strategy.trigger == "level")');
    let fast = 0;
    const lookup = (name: string): ExprValue | undefined => {
      switch (name) {
        case 'strategy.fast':
          return fast;
        case 'strategy.slow':
          return 50;
        case 'risk.stop_loss':
          return 0.05;
        case 'strategy.trigger':
          return 'cross';
        default:
          return undefined;
      }
    };
    let accepted = 0;
    for (let i = 0; i < 1_000_000; i++) {
      fast = i % 50;
      if (evaluateCondition(expr, lookup)) accepted++;
    }
    // slow − fast >= 10 ⇔ fast <= 40: 41 of every 50 values
    expect(accepted).toBe(820_000);
  });
});
