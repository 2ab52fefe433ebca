import cdf from '@stdlib/stats-base-dists-normal-cdf';
import quantile from '@stdlib/stats-base-dists-normal-quantile';

/** Φ, the standard normal distribution function (stdlib's, accurate to double precision). */
export function normalCdf(x: number): number {
  return cdf(x, 0, 1);
}

/** Φ⁻¹, its inverse (−∞ at 0, +∞ at 1). */
export function normalQuantile(p: number): number {
  return quantile(p, 0, 1);
}
