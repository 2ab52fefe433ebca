import { createHash } from 'node:crypto';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { DataError } from '../errors.js';
import { hashMarketData } from './hash.js';
import { sharedColumn, type MarketData, type SymbolBars } from './series.js';

export interface SyntheticOptions {
  readonly bars: number;
  readonly symbols?: readonly string[];
  readonly seed: number;
  /** UTC ms of the first bar; default 2000-01-03 (a Monday). */
  readonly start?: number;
  /** Default one day; daily bars then skip weekends, other intervals are consecutive. */
  readonly intervalMs?: number;
}

const DAY_MS = 86_400_000;
const DEFAULT_START = Date.UTC(2000, 0, 3);

/** Drift is the per-day mean log return, vol the per-day sd of log returns. */
interface Regime {
  readonly drift: number;
  readonly vol: number;
}
// calm-up, calm-down, volatile-up, volatile-down. The drifts average slightly above zero so that
// long series (20,000 bars) neither collapse towards the 0.01 floor nor explode.
const REGIMES: readonly Regime[] = [
  { drift: 0.0005, vol: 0.008 },
  { drift: -0.0004, vol: 0.009 },
  { drift: 0.0006, vol: 0.02 },
  { drift: -0.0006, vol: 0.03 },
];
const SWITCH_PROBABILITY = 0.01;

/**
 * Seeded geometric Brownian motion with Markov-switching drift/volatility regimes, one independent
 * random stream per symbol. Prices are rounded to cents like real quotes, so equal moving averages
 * tie exactly. The same options always give bit-identical data.
 */
export function generateSynthetic(opts: SyntheticOptions): MarketData {
  const symbols = opts.symbols ?? ['SYN'];
  const start = opts.start ?? DEFAULT_START;
  const interval = opts.intervalMs ?? DAY_MS;
  let source = `synthetic(seed=${opts.seed}, bars=${opts.bars}, symbols=${symbols.join(',')}`;
  if (start !== DEFAULT_START) source += `, start=${start}`;
  if (interval !== DAY_MS) source += `, interval_ms=${interval}`;
  source += ')';

  const fail = (reason: string): never => {
    throw new DataError(source, null, reason);
  };
  if (!Number.isSafeInteger(opts.bars) || opts.bars < 1) fail(`bars must be a positive integer, got ${opts.bars}`);
  if (!Number.isSafeInteger(opts.seed)) fail(`seed must be an integer, got ${opts.seed}`);
  if (!Number.isFinite(start)) fail(`start must be a finite UTC millisecond time, got ${start}`);
  if (!Number.isFinite(interval) || interval <= 0) fail(`interval_ms must be positive, got ${interval}`);
  if (symbols.length === 0) fail('no symbols');
  if (new Set(symbols).size !== symbols.length) fail(`duplicate symbol in ${symbols.join(',')}`);

  const time = sharedColumn(opts.bars);
  fillTimes(time, start, interval);
  const bars = symbols.map((symbol, k) => simulate(symbol, opts.bars, interval, new Normals(streamFor(opts.seed, k))));
  return { time, symbols: bars, hash: hashMarketData(time, bars), source };
}

function fillTimes(time: Float64Array, start: number, interval: number): void {
  const skipWeekends = interval === DAY_MS;
  let t = start;
  for (let i = 0; i < time.length; i++) {
    while (skipWeekends && isWeekend(t)) t += DAY_MS;
    time[i] = t;
    t += interval;
  }
}

function isWeekend(t: number): boolean {
  const weekday = (((Math.floor(t / DAY_MS) + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday (4)
  return weekday === 0 || weekday === 6;
}

/**
 * Seeds by hashing rather than by `xoroshiro128plus(seed)`: that seeding makes the first outputs of
 * nearby seeds nearly equal, so seeds 7 and 8 would start at almost the same price.
 */
function streamFor(seed: number, index: number): RandomGenerator {
  const digest = createHash('sha256').update(`fanfold-synthetic:${seed}:${index}`).digest();
  const state: number[] = [0, 4, 8, 12].map((o) => digest.readInt32LE(o));
  if (!state.some((v) => v !== 0)) state[0] = -1; // the all-zero state is a fixed point
  return xoroshiro128plusFromState(state);
}

class Normals {
  private spare = NaN;
  constructor(private readonly rng: RandomGenerator) {}

  uniform(): number {
    return uniformFloat64(this.rng);
  }

  /** Box–Muller; each pair of uniforms gives two normals. */
  next(): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = NaN;
      return z;
    }
    const r = Math.sqrt(-2 * Math.log(1 - this.uniform())); // 1 − u lies in (0, 1]
    const a = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(a);
    return r * Math.cos(a);
  }
}

function simulate(symbol: string, n: number, interval: number, z: Normals): SymbolBars {
  const open = sharedColumn(n);
  const high = sharedColumn(n);
  const low = sharedColumn(n);
  const close = sharedColumn(n);
  const volume = sharedColumn(n);
  const days = interval / DAY_MS; // drift scales with time, volatility with its square root
  const sqrtDays = Math.sqrt(days);
  let regime = Math.floor(z.uniform() * REGIMES.length);
  let price = 20 + 180 * z.uniform(); // unrounded close; rounding is applied to outputs only
  const baseVolume = 2e5 + 5e6 * z.uniform();
  for (let t = 0; t < n; t++) {
    if (z.uniform() < SWITCH_PROBABILITY) {
      regime = (regime + 1 + Math.floor(z.uniform() * (REGIMES.length - 1))) % REGIMES.length;
    }
    const { drift, vol } = REGIMES[regime];
    const sigma = vol * sqrtDays;
    const o = t === 0 ? price : price * Math.exp(0.15 * sigma * z.next());
    const c = o * Math.exp(drift * days + sigma * z.next());
    const up = Math.min(0.5, 0.5 * sigma * Math.abs(z.next()));
    const down = Math.min(0.5, 0.5 * sigma * Math.abs(z.next()));
    const oc = cents(o);
    const cc = cents(c);
    open[t] = oc;
    close[t] = cc;
    // Re-clamp after rounding: rounding the extremes separately could cross the rounded open/close.
    high[t] = Math.max(cents(Math.max(o, c) * (1 + up)), oc, cc);
    low[t] = Math.min(cents(Math.min(o, c) * (1 - down)), oc, cc);
    volume[t] = Math.max(1, Math.round(baseVolume * days * (vol / 0.01) * Math.exp(0.3 * z.next())));
    price = c;
  }
  return { symbol, open, high, low, close, volume };
}

/** Rounded to a cent, never below one cent. */
function cents(x: number): number {
  return Math.max(0.01, Math.round(x * 100) / 100);
}
