import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExactSum, fsum } from '../src/features/exact-sum.js';

/**
 * `fsum` and the sliding `ExactSum` must return what Python's `math.fsum` returns (DESIGN.md §5: the
 * exactly rounded window sum). Expectations come from two independent sources:
 *  - tests/fixtures/features/exact-sum.json, written by `python3 tests/fixtures/features/gen.py`;
 *  - `exactSumOracle` below: an exact BigInt sum of the doubles, rounded once (half to even).
 */

interface FsumCase {
  values: number[] | null;
  fsum: number;
  naive: number;
}
interface ExactSumFixture {
  cases: Record<string, FsumCase>;
  sliding: {
    count: number;
    n: number;
    first_prices: number[];
    last_prices: number[];
    total_fsum: number;
    window_fsum_by_start: Record<string, number>;
  };
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/features/exact-sum.json', import.meta.url), 'utf8')) as ExactSumFixture;

// ---------------------------------------------------------------------------------------------
// Independent oracle: every finite double is an integer multiple of 2^-1074, so a sum of doubles is
// an exact BigInt in those units; round it once to 53 significant bits (ties to even).

const view = new DataView(new ArrayBuffer(8));

function toUnits(x: number): bigint {
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const sign = hi >>> 31 ? -1n : 1n;
  const exp = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (exp === 0x7ff) throw new Error('non-finite');
  if (exp === 0) return sign * frac; // subnormal: frac · 2^-1074
  return sign * ((frac | (1n << 52n)) << BigInt(exp - 1)); // (1.frac) · 2^(exp-1075) in units of 2^-1074
}

function bitLength(v: bigint): number {
  return v.toString(2).length;
}

function fromUnits(units: bigint): number {
  if (units === 0n) return 0;
  const neg = units < 0n;
  let m = neg ? -units : units;
  let shift = 0;
  const len = bitLength(m);
  if (len > 53) {
    shift = len - 53;
    const q = m >> BigInt(shift);
    const r = m - (q << BigInt(shift));
    const half = 1n << BigInt(shift - 1);
    m = r > half || (r === half && (q & 1n) === 1n) ? q + 1n : q;
  }
  // m ≤ 2^53 is exact as a Number; scaling by a power of two is exact in range.
  let v = Number(m);
  let e = shift - 1074;
  while (e < -1000) {
    v *= 2 ** -1000;
    e += 1000;
  }
  v *= 2 ** e;
  return neg ? -v : v;
}

function exactSumOracle(values: ArrayLike<number>): number {
  let s = 0n;
  for (let i = 0; i < values.length; i++) s += toUnits(values[i]);
  return fromUnits(s);
}

/** Seeded PRNG (mulberry32) so failures are reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The price generator of gen.py (Park–Miller minimal standard, 2-decimal random walk). */
function minstdPrices(count: number): Float64Array {
  let state = 20240601;
  let cents = 10000;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    state = (state * 48271) % 2147483647; // < 2^47: exact in doubles
    cents = Math.max(100, cents + (state % 201) - 100);
    out[i] = cents / 100;
  }
  return out;
}

function caseValues(name: string, c: FsumCase): number[] {
  if (c.values) return c.values;
  const out: number[] = [];
  if (name === 'harmonic_1000') for (let n = 1; n <= 1000; n++) out.push(1 / n);
  else if (name === 'alternating_1000') for (let n = 1; n <= 1000; n++) out.push((-1) ** n / n);
  else throw new Error(`no generator for ${name}`);
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('oracle self-check', () => {
  it('round-trips doubles and rounds half to even', () => {
    for (const x of [0.1, -2.5, 1e-310, 5e-324, 1.7976931348623157e308, 123456.789]) expect(fromUnits(toUnits(x))).toBe(x);
    // 1 + 2^-53 is half-way between 1 and 1 + 2^-52: ties to the even neighbour, 1.
    expect(exactSumOracle([1, 2 ** -53])).toBe(1);
    expect(exactSumOracle([1 + 2 ** -52, 2 ** -53])).toBe(1 + 2 ** -51);
  });
});

describe('fsum = math.fsum', () => {
  it('[0.1]*10 → 1.0 (the naive sum is 0.9999999999999999)', () => {
    const tenths = new Array<number>(10).fill(0.1);
    expect(tenths.reduce((a, b) => a + b, 0)).toBe(0.9999999999999999);
    expect(fsum(tenths)).toBe(1);
  });

  it('[1e100, 1.0, -1e100, 1e-100] → 1.0', () => {
    expect(fsum([1e100, 1.0, -1e100, 1e-100])).toBe(1);
  });

  it('half-way cases round half to even, and a tiny tail breaks the tie', () => {
    expect(fsum([1.0, 2 ** -53])).toBe(1); // exact tie → even (1.0)
    expect(fsum([1.0 + 2 ** -52, 2 ** -53])).toBe(1.0 + 2 ** -51); // exact tie → even (up)
    expect(fsum([1.0, 2 ** -53, 2 ** -105])).toBe(1.0 + 2 ** -52); // just above the tie → up
    expect(fsum([1.0, 2 ** -53, -(2 ** -105)])).toBe(1.0); // just below the tie → down
    expect(fsum([2 ** 53, 1.0, 2 ** -100])).toBe(2 ** 53 + 2);
    expect(fsum([2 ** 53 - 4, 0.5, 2 ** -54])).toBe(2 ** 53 - 3);
  });

  it('2-decimal prices', () => {
    expect(fsum([10.01, 20.02, -10.01, -20.02])).toBe(0); // a naive sum leaves 3.55e-15
    expect(fsum([0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1])).toBe(0.55);
    expect(fsum([])).toBe(0);
  });

  for (const [name, c] of Object.entries(fixture.cases)) {
    it(`fixture case ${name} equals math.fsum (${c.fsum}) and the BigInt oracle`, () => {
      const values = caseValues(name, c);
      expect(fsum(values)).toBe(c.fsum);
      expect(exactSumOracle(values)).toBe(c.fsum);
      // and the same values pushed one by one into an ExactSum, reading the value after every add
      const s = new ExactSum();
      for (let i = 0; i < values.length; i++) {
        s.add(values[i]);
        if (i === values.length - 1) expect(s.value()).toBe(c.fsum);
      }
      expect(s.value()).toBe(c.fsum); // value() does not disturb the state
    });
  }

  it('random doubles over 600 binades match the BigInt oracle (5,000 sums)', () => {
    const rnd = mulberry32(12345);
    const mismatches: string[] = [];
    for (let trial = 0; trial < 5000; trial++) {
      const len = 1 + Math.floor(rnd() * 40);
      const xs: number[] = [];
      for (let i = 0; i < len; i++) {
        const mag = 2 ** Math.floor(rnd() * 600 - 300);
        xs.push((rnd() < 0.5 ? -1 : 1) * (1 + rnd()) * mag);
        // sometimes an exact negation of an earlier value, to force cancellation
        if (rnd() < 0.2 && xs.length > 1) xs.push(-xs[Math.floor(rnd() * (xs.length - 1))]);
      }
      const got = fsum(xs);
      const want = exactSumOracle(xs);
      if (!Object.is(got, want) && !(got === 0 && want === 0)) mismatches.push(`${JSON.stringify(xs)}: ${got} vs ${want}`);
    }
    expect(mismatches.slice(0, 3)).toEqual([]);
  });
});

describe('ExactSum as a sliding window (add x, add −x to remove)', () => {
  const { sliding } = fixture;
  const prices = minstdPrices(sliding.count);

  it('the TS price generator reproduces the Python one', () => {
    expect(Array.from(prices.subarray(0, 5))).toEqual(sliding.first_prices);
    expect(Array.from(prices.subarray(prices.length - 5))).toEqual(sliding.last_prices);
    expect(fsum(prices)).toBe(sliding.total_fsum);
  });

  it('window of 20 over 5,000 2-decimal prices = fsum of each window from scratch, bit for bit', () => {
    const n = sliding.n;
    const s = new ExactSum();
    const mismatches: string[] = [];
    let windows = 0;
    for (let t = 0; t < prices.length; t++) {
      s.add(prices[t]);
      if (t >= n) s.add(-prices[t - n]);
      if (t < n - 1) continue;
      windows++;
      const window = prices.subarray(t - n + 1, t + 1);
      const got = s.value();
      const scratch = fsum(window);
      const oracle = exactSumOracle(window);
      if (got !== scratch || got !== oracle) mismatches.push(`t=${t}: sliding ${got}, scratch ${scratch}, oracle ${oracle}`);
      const py = sliding.window_fsum_by_start[String(t - n + 1)];
      if (py !== undefined && got !== py) mismatches.push(`t=${t}: sliding ${got}, math.fsum ${py}`);
    }
    expect(windows).toBe(5000 - 20 + 1);
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it('the sampled windows of the Python fixture match (math.fsum of prices[s:s+20])', () => {
    const n = sliding.n;
    const starts = Object.keys(sliding.window_fsum_by_start).map(Number);
    expect(starts.length).toBeGreaterThan(150);
    const s = new ExactSum();
    const byStart = new Map<number, number>();
    for (let t = 0; t < prices.length; t++) {
      s.add(prices[t]);
      if (t >= n) s.add(-prices[t - n]);
      if (t >= n - 1) byStart.set(t - n + 1, s.value());
    }
    for (const start of starts) expect(byStart.get(start), `window starting at ${start}`).toBe(sliding.window_fsum_by_start[String(start)]);
  });

  it('sliding windows of wildly mixed magnitudes stay exact (window 7, 3,000 steps)', () => {
    const rnd = mulberry32(777);
    const xs: number[] = [];
    for (let i = 0; i < 3000; i++) xs.push((rnd() < 0.5 ? -1 : 1) * (1 + rnd()) * 2 ** Math.floor(rnd() * 200 - 100));
    const n = 7;
    const s = new ExactSum();
    const mismatches: string[] = [];
    for (let t = 0; t < xs.length; t++) {
      s.add(xs[t]);
      if (t >= n) s.add(-xs[t - n]);
      if (t < n - 1) continue;
      const window = xs.slice(t - n + 1, t + 1);
      const want = exactSumOracle(window);
      const got = s.value();
      if (got !== want && !(got === 0 && want === 0)) mismatches.push(`t=${t}: ${got} vs ${want}`);
    }
    expect(mismatches.slice(0, 3)).toEqual([]);
  });

  it('a window that returns to the same values returns the same sum, and emptying it gives 0', () => {
    const s = new ExactSum();
    const w = [0.1, 0.2, 0.3];
    for (const x of w) s.add(x);
    const first = s.value();
    expect(first).toBe(0.6); // math.fsum([0.1, 0.2, 0.3]) == 0.6 (naive: 0.6000000000000001)
    for (let k = 0; k < 100; k++) {
      s.add(0.7);
      s.add(-0.1);
      s.add(0.1);
      s.add(-0.7);
    }
    expect(s.value()).toBe(first);
    for (const x of w) s.add(-x);
    expect(s.value()).toBe(0);
  });

  it('reset() empties the sum', () => {
    const s = new ExactSum();
    s.add(1e100);
    s.add(1);
    s.reset();
    s.add(0.1);
    s.add(0.2);
    expect(s.value()).toBe(0.30000000000000004); // math.fsum([0.1, 0.2])
  });
});
