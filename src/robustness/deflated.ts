import { normalCdf, normalQuantile } from './normal.js';
import type { ReturnMoments } from './sharpe.js';

/** The Euler–Mascheroni constant. */
export const EULER_GAMMA = 0.5772156649015329;

/**
 * Φ((SR − benchmark)·√(n−1) / √(1 − g3·SR + ((g4 − 1)/4)·SR²)): the probabilistic Sharpe ratio
 * (Bailey & López de Prado 2012) against `benchmark`; the deflated one when the benchmark is SR0.
 * null when SR is undefined or the radicand is not positive.
 */
export function probabilisticSharpe(m: ReturnMoments, benchmark = 0): number | null {
  const sr = m.sharpe;
  if (!Number.isFinite(sr) || !Number.isFinite(benchmark)) return null;
  const radicand = 1 - m.skew * sr + ((m.kurtosis - 1) / 4) * sr * sr;
  if (!(radicand > 0)) return null;
  return normalCdf(((sr - benchmark) * Math.sqrt(m.n - 1)) / Math.sqrt(radicand));
}

/** E[max of N standard normals] ≈ (1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e)). */
export function expectedMaxNormal(trials: number): number {
  return (1 - EULER_GAMMA) * normalQuantile(1 - 1 / trials) + EULER_GAMMA * normalQuantile(1 - 1 / (trials * Math.E));
}

/** SR0 = √V·E[max of N standard normals]: the Sharpe the best of N skill-less trials reaches; null for N < 2. */
export function deflatedBenchmark(trials: number, variance: number): number | null {
  if (trials < 2 || !(variance >= 0)) return null;
  return Math.sqrt(variance) * expectedMaxNormal(trials);
}
