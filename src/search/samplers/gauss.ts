import { normalCdf, normalQuantile } from '../../robustness/normal.js';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** log Φ(x), accurate in the far lower tail (where Φ itself underflows) by the asymptotic series of the Mills ratio. */
export function logPhi(x: number): number {
  if (x > -20) return Math.log(normalCdf(x));
  const r = 1 / (x * x);
  return -0.5 * x * x - Math.log(-x) - LOG_SQRT_2PI + Math.log1p(-r + 3 * r * r - 15 * r * r * r);
}

/** log(Φ(b) − Φ(a)) for a < b: the log of a standard normal's mass on [a, b], without cancellation in either tail. */
export function logMass(a: number, b: number): number {
  if (a >= 0) return logMass(-b, -a);
  if (b <= 0) {
    const lb = logPhi(b);
    return lb + Math.log1p(-Math.exp(logPhi(a) - lb));
  }
  return Math.log1p(-normalCdf(a) - normalCdf(-b));
}

/** log of the normal(μ, σ) density at x. */
export function logDensity(x: number, mu: number, sigma: number): number {
  const z = (x - mu) / sigma;
  return -0.5 * z * z - Math.log(sigma) - LOG_SQRT_2PI;
}

/**
 * A draw from normal(μ, σ) truncated to [low, high] by inversion: u spread over [Φ(a), Φ(b)].
 * Kernels sit inside their range, so a ≤ 0 ≤ b and neither end loses precision.
 */
export function truncatedNormal(mu: number, sigma: number, low: number, high: number, u: number): number {
  const pa = normalCdf((low - mu) / sigma);
  const pb = normalCdf((high - mu) / sigma);
  const x = mu + sigma * normalQuantile(pa + u * (pb - pa));
  return x < low ? low : x > high ? high : x;
}

/** log Σ exp(x_i), stable. */
export function logSumExp(xs: ArrayLike<number>, n = xs.length): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (xs[i] > max) max = xs[i];
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(xs[i] - max);
  return max + Math.log(s);
}
