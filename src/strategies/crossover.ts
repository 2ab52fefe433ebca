import { resolveParams } from './params.js';
import { ALLOW_SHORT, type SignalGroup, type StrategyDefinition } from './strategy.js';

interface CrossoverParams {
  readonly fast: number;
  readonly slow: number;
  readonly level: boolean;
  readonly short: number;
}

/**
 * Moving-average crossover (DESIGN.md section 5, Crossovers). With d = fast − slow and nz the last
 * non-zero d, an up-cross is nz₍t−1₎ < 0 and d_t > 0, a down-cross nz₍t−1₎ > 0 and d_t < 0; ties
 * (d = 0) neither cross nor reset nz. `trigger: level` holds +1 while fast > slow strictly.
 * state[0] = nz (NaN until both averages exist).
 */
function crossover(name: string, average: 'sma' | 'ema'): StrategyDefinition<CrossoverParams> {
  const params = [
    { name: 'fast', type: 'int', default: 10, min: 1, description: `fast ${average.toUpperCase()} length` },
    { name: 'slow', type: 'int', default: 30, min: 1, description: `slow ${average.toUpperCase()} length` },
    {
      name: 'trigger',
      type: 'enum',
      default: 'cross',
      choices: ['cross', 'level'],
      description: 'cross: act on crossovers; level: long while fast > slow (short while fast < slow with allow_short)',
    },
    ALLOW_SHORT,
  ] as const;
  return {
    kind: 'strategy',
    name,
    description: `${average.toUpperCase()}(fast) / ${average.toUpperCase()}(slow) crossover`,
    params,
    stateSize: 1,
    prepare(raw) {
      const p = resolveParams(name, params, raw);
      return { fast: p.fast as number, slow: p.slow as number, level: p.trigger === 'level', short: p.allow_short ? -1 : 0 };
    },
    features: (p) => [`${average}(${p.fast})`, `${average}(${p.slow})`],
    group: (instances, symbols) => crossoverGroup(instances, symbols),
    signal(f, cols, _bar, p, state) {
      const d = f[cols[0]] - f[cols[1]];
      if (d !== d) return NaN;
      if (p.level) return d > 0 ? 1 : d < 0 ? p.short : 0;
      const nz = state[0];
      if (d !== 0) state[0] = d;
      if (nz < 0 && d > 0) return 1;
      if (nz > 0 && d < 0) return p.short;
      return NaN;
    },
  };
}

export const smaCrossover = crossover('sma_crossover', 'sma');
export const emaCrossover = crossover('ema_crossover', 'ema');

/** Crossover instances stepped in one loop: `signal`'s arithmetic on flat arrays (tests hold them equal). */
function crossoverGroup(instances: readonly { readonly params: CrossoverParams; readonly cols: readonly Int32Array[] }[], symbols: number): SignalGroup {
  const n = instances.length;
  const fast = new Int32Array(n * symbols);
  const slow = new Int32Array(n * symbols);
  const level = Uint8Array.from(instances, (i) => (i.params.level ? 1 : 0));
  const short = Float64Array.from(instances, (i) => i.params.short);
  const nz = new Float64Array(n * symbols).fill(NaN);
  instances.forEach((inst, j) => {
    for (let s = 0; s < symbols; s++) {
      fast[j * symbols + s] = inst.cols[s][0];
      slow[j * symbols + s] = inst.cols[s][1];
    }
  });
  return {
    reset: () => nz.fill(NaN),
    step(f, s, out) {
      for (let j = 0; j < n; j++) {
        const k = j * symbols + s;
        const d = f[fast[k]] - f[slow[k]];
        if (d !== d) {
          out[j] = NaN;
          continue;
        }
        if (level[j] === 1) {
          out[j] = d > 0 ? 1 : d < 0 ? short[j] : 0;
          continue;
        }
        const last = nz[k];
        if (d !== 0) nz[k] = d;
        out[j] = last < 0 && d > 0 ? 1 : last > 0 && d < 0 ? short[j] : NaN;
      }
    },
  };
}
