/**
 * Per-period Sharpe ratio of n returns from their sum s1 and sum of squares s2: mean / sd with sd's
 * divisor n − 1; NaN (undefined) when n < 2 or sd = 0. Σ(r − mean)² = s2 − s1·mean; a value at or
 * below 10⁻¹²·s2 is the rounding of a constant series and counts as sd = 0.
 */
export function sharpeOfSums(n: number, s1: number, s2: number): number {
  if (n < 2) return NaN;
  const mean = s1 / n;
  const squares = s2 - s1 * mean;
  if (!(squares > 1e-12 * s2)) return NaN;
  return mean / Math.sqrt(squares / (n - 1));
}

/** The moments PSR and DSR read from a return series (two passes; central moments with divisor n). */
export interface ReturnMoments {
  readonly n: number;
  /** Per-period Sharpe (sd with divisor n − 1); NaN when undefined. */
  readonly sharpe: number;
  /** Skewness m3 / m2^1.5. */
  readonly skew: number;
  /** Kurtosis m4 / m2² (not excess: 3 for a normal). */
  readonly kurtosis: number;
}

export function momentsOf(r: ArrayLike<number>): ReturnMoments {
  const n = r.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += r[i];
  const mean = n > 0 ? sum / n : NaN;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = r[i] - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  const sd = n > 1 ? Math.sqrt(m2 / (n - 1)) : NaN;
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return { n, sharpe: sd > 0 ? mean / sd : NaN, skew: m3 / Math.pow(m2, 1.5), kurtosis: m4 / (m2 * m2) };
}
