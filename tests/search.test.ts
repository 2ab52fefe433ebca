import { describe, expect, it } from 'vitest';
import { compileExpression } from '../src/expression/expression.js';
import { expandRange, isRangeText } from '../src/space/range.js';
import { Sampler, type SearchSpec } from '../src/search/sampler.js';
import { assign, findDimensions, Grid, sweptParams, type Dimension } from '../src/space/space.js';

/**
 * The parameter space (DESIGN.md sections 2 and 6, src/search/*.ts): `range(a, b, step)` expansion,
 * the lazily enumerated grid and its fixed order (document order of the dimensions, the last one
 * varying fastest), which config values are dimensions, and the sampler (constraints, seeded random
 * search).
 */

const dim = (name: string, values: readonly unknown[], range = false): Dimension => ({ path: name.split('.'), name, values, range });

function values(text: string): number[] {
  const v = expandRange(text);
  if (typeof v === 'string') throw new Error(`unexpected range error: ${v}`);
  return v;
}

/** Every element identical (Object.is): no drift of 1 ulp, no -0 for 0. */
function expectExactly(actual: readonly number[], expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(Object.is(v, expected[i]), `index ${i}: ${v} vs ${expected[i]}`).toBe(true));
}

// -------------------------------------------------------------------------------------------------
describe('expandRange', () => {
  it('integer steps, end included when it lands on the grid', () => {
    expectExactly(values('range(5, 30, 5)'), [5, 10, 15, 20, 25, 30]);
    expectExactly(values('range(1, 3, 1)'), [1, 2, 3]);
    expectExactly(values('range(7, 7, 1)'), [7]);
  });

  it('end not on the grid: stops at the last value below it', () => {
    expectExactly(values('range(1, 10, 4)'), [1, 5, 9]);
    expectExactly(values('range(0, 10, 3)'), [0, 3, 6, 9]);
    expectExactly(values('range(5, 6, 10)'), [5]);
  });

  it('decimal steps without drift: range(0.1, 0.3, 0.1) is exactly [0.1, 0.2, 0.3]', () => {
    const v = values('range(0.1, 0.3, 0.1)');
    expectExactly(v, [0.1, 0.2, 0.3]);
    // repeated addition would give 0.30000000000000004
    expect(0.1 + 0.1 + 0.1).not.toBe(0.3);
    expect(v[2]).toBe(0.3);
  });

  it('range(0, 1, 0.1) has 11 values, each the decimal literal, the last exactly 1', () => {
    const v = values('range(0, 1, 0.1)');
    expect(v).toHaveLength(11);
    expectExactly(v, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(v[10]).toBe(1);
    expect(v[3]).toBe(0.3); // 3 × 0.1 = 0.30000000000000004 in floating point
    expect(v[7]).toBe(0.7); // 7 × 0.1 = 0.7000000000000001
  });

  it('more decimal cases: small steps, negative starts, exponent literals, mixed decimals', () => {
    expectExactly(values('range(0.01, 0.05, 0.01)'), [0.01, 0.02, 0.03, 0.04, 0.05]);
    expectExactly(values('range(-1, 1, 0.5)'), [-1, -0.5, 0, 0.5, 1]);
    expectExactly(values('range(1e-3, 3e-3, 1e-3)'), [0.001, 0.002, 0.003]);
    expectExactly(values('range(1, 2, 0.25)'), [1, 1.25, 1.5, 1.75, 2]);
    expectExactly(values('range(0.5, 2, 0.5)'), [0.5, 1, 1.5, 2]);
    expectExactly(values('  range( 2 ,4,1 )  '), [2, 3, 4]);
  });

  it('a value count that is huge in floating point is still counted exactly', () => {
    const v = values('range(0, 100, 0.01)');
    expect(v).toHaveLength(10_001);
    expect(v[v.length - 1]).toBe(100);
    expect(v[4_999]).toBe(49.99);
  });

  it('error messages', () => {
    expect(expandRange('rang(1, 2, 3)')).toBe("expected range(start, end, step), found 'rang(1, 2, 3)'");
    expect(expandRange('range(1, 2)')).toBe("range takes 3 numbers (start, end, step), found 'range(1, 2)'");
    expect(expandRange('range(1, 2, 3, 4)')).toBe("range takes 3 numbers (start, end, step), found 'range(1, 2, 3, 4)'");
    expect(expandRange('range(1, , 3)')).toBe("range takes 3 numbers (start, end, step), found 'range(1, , 3)'");
    expect(expandRange('range(1, x, 1)')).toBe("range: 'x' is not a number");
    expect(expandRange('range(0x10, 20, 1)')).toBe("range: '0x10' is not a number");
    expect(expandRange('range(1, Infinity, 1)')).toBe("range: 'Infinity' is not a number");
    expect(expandRange('range(1, 5, 0)')).toBe('range: step must be positive, found 0');
    expect(expandRange('range(1, 5, -1)')).toBe('range: step must be positive, found -1');
    expect(expandRange('range(5, 1, 1)')).toBe('range: end 1 is below start 5');
    expect(expandRange('range(0, 100000000, 1)')).toBe('range: 100000001 values is more than one dimension may hold (10,000,000)');
  });

  it('isRangeText recognises only complete range(...) strings', () => {
    expect(isRangeText('range(1, 2, 1)')).toBe(true);
    expect(isRangeText(' range (1,2,1) ')).toBe(true);
    expect(isRangeText('range(1')).toBe(false);
    expect(isRangeText('ranged')).toBe(false);
    expect(isRangeText(3)).toBe(false);
  });
});

// -------------------------------------------------------------------------------------------------
describe('Grid', () => {
  const a = dim('strategy.a', ['a0', 'a1', 'a2']);
  const b = dim('strategy.b', ['b0', 'b1']);
  const c = dim('risk.c', ['c0', 'c1']);

  it('size is the product of the dimension sizes (1 with no dimension)', () => {
    expect(new Grid([a, b, c]).size).toBe(12);
    expect(new Grid([a]).size).toBe(3);
    expect(new Grid([]).size).toBe(1);
    expect(new Grid([a, dim('x', [1])]).size).toBe(3);
  });

  it('3×2×2: nested loops in document order, the last dimension varying fastest, point by point', () => {
    const grid = new Grid([a, b, c]);
    const expected: [number, number, number][] = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 2; k++) expected.push([i, j, k]);
    const out = new Int32Array(3);
    for (let k = 0; k < grid.size; k++) expect([...grid.indicesAt(k, out)], `point ${k}`).toEqual(expected[k]);
    // spelled out for a few points
    expect([...grid.indicesAt(0, out)]).toEqual([0, 0, 0]);
    expect([...grid.indicesAt(1, out)]).toEqual([0, 0, 1]);
    expect([...grid.indicesAt(2, out)]).toEqual([0, 1, 0]);
    expect([...grid.indicesAt(3, out)]).toEqual([0, 1, 1]);
    expect([...grid.indicesAt(4, out)]).toEqual([1, 0, 0]);
    expect([...grid.indicesAt(11, out)]).toEqual([2, 1, 1]);
  });

  it('indicesAt writes into and returns the given buffer', () => {
    const out = new Int32Array(3);
    expect(new Grid([a, b, c]).indicesAt(7, out)).toBe(out);
    expect([...out]).toEqual([1, 1, 1]);
  });

  it('a 10^6-point grid decodes point 999_999 without materialising anything', () => {
    const hundred = (name: string): Dimension =>
      dim(
        name,
        Array.from({ length: 100 }, (_, i) => i),
      );
    const grid = new Grid([hundred('strategy.x'), hundred('strategy.y'), hundred('strategy.z')]);
    expect(grid.size).toBe(1_000_000);
    const out = new Int32Array(3);
    expect([...grid.indicesAt(999_999, out)]).toEqual([99, 99, 99]);
    expect([...grid.indicesAt(123_456, out)]).toEqual([12, 34, 56]);
    expect([...grid.indicesAt(0, out)]).toEqual([0, 0, 0]);
    // and the first points come out of the sampler lazily, one at a time
    const sampler = new Sampler(grid.dimensions, [], { method: 'grid', seed: 0 }, () => undefined);
    const it = sampler.points();
    expect([it.next().value, it.next().value, it.next().value]).toEqual([0, 1, 2]);
  });

  it('a 10^15-point grid is only decoded, never enumerated (instant)', () => {
    const thousand = (name: string): Dimension =>
      dim(
        name,
        Array.from({ length: 1000 }, (_, i) => i),
      );
    const started = performance.now();
    const grid = new Grid([thousand('s.a'), thousand('s.b'), thousand('s.c'), thousand('s.d'), thousand('s.e')]);
    expect(grid.size).toBe(1e15);
    expect([...grid.indicesAt(1e15 - 1, new Int32Array(5))]).toEqual([999, 999, 999, 999, 999]);
    expect([...grid.indicesAt(123_456_789_012_345, new Int32Array(5))]).toEqual([123, 456, 789, 12, 345]);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('a grid larger than a safe integer is refused', () => {
    const big = (name: string): Dimension =>
      dim(
        name,
        Array.from({ length: 100_000 }, (_, i) => i),
      );
    expect(() => new Grid([big('s.a'), big('s.b'), big('s.c'), big('s.d')])).toThrow(RangeError);
  });

  it('assign and sweptParams of a point', () => {
    const config = { strategy: { type: 't', a: ['a0', 'a1', 'a2'], b: ['b0', 'b1'], k: [9] }, risk: { c: ['c0', 'c1'] } };
    const { dimensions } = findDimensions(config);
    expect(dimensions.map((d) => d.name)).toEqual(['strategy.a', 'strategy.b', 'strategy.k', 'risk.c']);
    const idx = new Grid(dimensions).indicesAt(9, new Int32Array(4)); // 3×2×1×2: 9 = 2·4 + 0·2 + 0 + 1
    expect([...idx]).toEqual([2, 0, 0, 1]);
    expect(assign(config, dimensions, idx)).toEqual({ strategy: { type: 't', a: 'a2', b: 'b0', k: 9 }, risk: { c: 'c1' } });
    // a one-value dimension is not a swept parameter
    expect(sweptParams(dimensions, idx)).toEqual({ 'strategy.a': 'a2', 'strategy.b': 'b0', 'risk.c': 'c1' });
    // the source config is untouched
    expect(config.strategy.a).toEqual(['a0', 'a1', 'a2']);
  });
});

// -------------------------------------------------------------------------------------------------
describe('findDimensions', () => {
  it('lists and ranges in the sweepable sections, in document order; a list of maps is a variant dimension', () => {
    const config = {
      name: 'x',
      data: {
        symbols: [
          { symbol: 'A', path: 'a.csv' },
          { symbol: 'B', path: 'b.csv' },
        ],
      },
      capital: [50_000, 100_000],
      strategy: { type: 'sma_crossover', fast: 'range(5, 15, 5)', slow: [20, 50], trigger: 'cross' },
      risk: { sizing: [{ percent_equity: 1 }, { fixed: 100 }], stop_loss: null, take_profit: 0.1 },
      broker: { fill: 'next_open', commission: { percent: [0, 0.001] } },
      search: { constraints: ['strategy.fast < strategy.slow'] },
      results: { top_k: 5 },
    };
    const { dimensions, problems } = findDimensions(config);
    expect(problems).toEqual([]);
    expect(dimensions).toEqual([
      { path: ['capital'], name: 'capital', values: [50_000, 100_000], range: false },
      { path: ['strategy', 'fast'], name: 'strategy.fast', values: [5, 10, 15], range: true },
      { path: ['strategy', 'slow'], name: 'strategy.slow', values: [20, 50], range: false },
      { path: ['risk', 'sizing'], name: 'risk.sizing', values: [{ percent_equity: 1 }, { fixed: 100 }], range: false },
      { path: ['broker', 'commission', 'percent'], name: 'broker.commission.percent', values: [0, 0.001], range: false },
    ]);
    // data.symbols and search.constraints are lists but not in a sweepable section
  });

  it('dimensions follow the document order of the sections, not a fixed section order', () => {
    // DESIGN / space.ts: "Dimensions are kept in document order"; Grid: "nested loops in document order".
    const config = { broker: { slippage: { percent: [0, 0.001] } }, strategy: { type: 'sma_crossover', fast: [5, 10] }, capital: [1000, 2000] };
    expect(findDimensions(config).dimensions.map((d) => d.name)).toEqual(['broker.slippage.percent', 'strategy.fast', 'capital']);
  });

  it('regime_filter.allow: a list of labels is a value, a list of lists is a dimension', () => {
    const labels = { strategy: { type: 'sma_crossover', regime_filter: { type: 'trend_regime', allow: ['trending', 'ranging'] } } };
    expect(findDimensions(labels)).toEqual({ dimensions: [], problems: [] });

    const lists = {
      strategy: { type: 'sma_crossover', regime_filter: { type: 'trend_regime', fast: [10, 20], allow: [['trending'], ['trending', 'ranging']] } },
    };
    const { dimensions, problems } = findDimensions(lists);
    expect(problems).toEqual([]);
    expect(dimensions).toEqual([
      { path: ['strategy', 'regime_filter', 'fast'], name: 'strategy.regime_filter.fast', values: [10, 20], range: false },
      { path: ['strategy', 'regime_filter', 'allow'], name: 'strategy.regime_filter.allow', values: [['trending'], ['trending', 'ranging']], range: false },
    ]);
    const idx = new Grid(dimensions).indicesAt(3, new Int32Array(2));
    expect(assign(lists, dimensions, idx)).toEqual({
      strategy: { type: 'sma_crossover', regime_filter: { type: 'trend_regime', fast: 20, allow: ['trending', 'ranging'] } },
    });
  });

  it('problems are returned, not thrown: an empty list, a malformed range, a cut-off range', () => {
    const { dimensions, problems } = findDimensions({ strategy: { type: 't', a: [], b: 'range(1, 5, 0)', c: 'range(5', d: [1, 2] } });
    expect(dimensions.map((d) => d.name)).toEqual(['strategy.d']);
    expect(problems).toEqual([
      { path: ['strategy', 'a'], message: 'an empty list gives a dimension with no value' },
      { path: ['strategy', 'b'], message: 'range: step must be positive, found 0' },
      { path: ['strategy', 'c'], message: expect.stringContaining("'range(5' is a range(...) cut at its first comma") },
    ]);
  });
});

// -------------------------------------------------------------------------------------------------
describe('Sampler', () => {
  const fast = dim('strategy.fast', [5, 10, 20]);
  const slow = dim('strategy.slow', [10, 20]);
  const grid: SearchSpec = { method: 'grid', seed: 0 };
  const lt = compileExpression('strategy.fast < strategy.slow');
  const collect = (s: Sampler): number[] => [...s.points()];
  const decode = (s: Sampler, ks: number[]): number[][] =>
    ks.map((k) => [...s.indicesAt(k, new Int32Array(s.dimensions.length))].map((i, d) => s.dimensions[d].values[i] as number));

  it('grid without constraints: every point in grid order', () => {
    const s = new Sampler([fast, slow], [], grid, () => undefined);
    expect(collect(s)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(s.countAccepted()).toBe(6);
  });

  it('constraints filter the grid: fast < slow on fast [5,10,20] × slow [10,20]', () => {
    const s = new Sampler([fast, slow], [lt], grid, () => undefined);
    const points = collect(s);
    expect(points).toEqual([0, 1, 3]);
    expect(decode(s, points)).toEqual([
      [5, 10],
      [5, 20],
      [10, 20],
    ]);
    expect([0, 1, 2, 3, 4, 5].map((k) => s.accepts(k))).toEqual([true, true, false, true, false, false]);
    expect(s.countAccepted()).toBe(3);
  });

  it('several constraints all apply; a constraint may read a fixed (non-swept) value', () => {
    const cap = compileExpression('strategy.fast <= risk.cap');
    const fixed = (name: string): unknown => (name === 'risk.cap' ? 5 : undefined);
    const s = new Sampler([fast, slow], [lt, cap], grid, fixed);
    expect(decode(s, collect(s))).toEqual([
      [5, 10],
      [5, 20],
    ]);
    expect(s.countAccepted()).toBe(2);
  });

  it('a variant dimension (list of maps) is seen by constraints as its JSON text', () => {
    const sizing = dim('risk.sizing', [{ percent_equity: 1 }, { fixed: 100 }]);
    const s = new Sampler([sizing, fast], [compileExpression(`risk.sizing == '{"fixed":100}'`)], grid, () => undefined);
    expect(collect(s)).toEqual([3, 4, 5]);
  });

  it('countAccepted: the grid size without constraints, null past the enumeration limit', () => {
    const s = new Sampler([fast, slow], [lt], grid, () => undefined);
    expect(s.countAccepted(5)).toBeNull();
    expect(s.countAccepted(6)).toBe(3);
    const big = dim(
      'strategy.big',
      Array.from({ length: 1000 }, (_, i) => i),
    );
    expect(new Sampler([big, big, big], [], grid, () => undefined).countAccepted()).toBe(1e9);
  });

  const wide = [dim('strategy.fast', values('range(1, 50, 1)')), dim('strategy.slow', values('range(1, 50, 1)'))];

  it('random search with a seed is reproducible and draws distinct points', () => {
    const draw = (seed: number, trials = 20): number[] => collect(new Sampler(wide, [], { method: 'random', trials, seed }, () => undefined));
    const a = draw(7);
    expect(a).toHaveLength(20);
    expect(new Set(a).size).toBe(20);
    for (const k of a) {
      expect(Number.isInteger(k)).toBe(true);
      expect(k).toBeGreaterThanOrEqual(0);
      expect(k).toBeLessThan(2500);
    }
    expect(draw(7)).toEqual(a);
    expect(draw(8)).not.toEqual(a);
    expect(a).not.toEqual([...a].sort((x, y) => x - y)); // drawn, not walked in grid order
    const many = draw(3, 2000);
    expect(many).toHaveLength(2000);
    expect(new Set(many).size).toBe(2000);
  });

  it('random search with constraints draws only accepted points, reproducibly', () => {
    const s = (seed: number): Sampler => new Sampler(wide, [lt], { method: 'random', trials: 30, seed }, () => undefined);
    const a = collect(s(11));
    expect(a).toHaveLength(30);
    expect(new Set(a).size).toBe(30);
    for (const [f, sl] of decode(s(11), a)) expect(f).toBeLessThan(sl);
    expect(collect(s(11))).toEqual(a);
  });

  it('trials >= grid size: every accepted point, in grid order', () => {
    expect(collect(new Sampler([fast, slow], [], { method: 'random', trials: 6, seed: 1 }, () => undefined))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(collect(new Sampler([fast, slow], [], { method: 'random', trials: 100, seed: 1 }, () => undefined))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(collect(new Sampler([fast, slow], [lt], { method: 'random', trials: 6, seed: 99 }, () => undefined))).toEqual([0, 1, 3]);
  });

  it('random search without trials walks the whole grid', () => {
    expect(collect(new Sampler([fast, slow], [lt], { method: 'random', seed: 5 }, () => undefined))).toEqual([0, 1, 3]);
  });

  it('random search over a 10^9-point space draws without enumerating it', () => {
    const big = dim(
      'strategy.big',
      Array.from({ length: 1000 }, (_, i) => i),
    );
    const s = new Sampler([big, big, big], [], { method: 'random', trials: 5, seed: 42 }, () => undefined);
    const pts = collect(s);
    expect(pts).toHaveLength(5);
    expect(new Set(pts).size).toBe(5);
    for (const k of pts) expect(k).toBeLessThan(1e9);
  });
});
