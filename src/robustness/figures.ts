import type { StoredStats } from './stored.js';
import type { PboResult } from './pbo.js';
import type { PlateauResult } from './plateau.js';
import type { SpaJson } from './spa-json.js';
import { deflatedBenchmark, probabilisticSharpe } from './deflated.js';
import { momentsOf } from './sharpe.js';

/** The `robustness` of a search (README "Is the best set real?"). */
export interface Robustness {
  /** Trials that ran (with stored block sums). */
  readonly trials: number;
  /** Of those, with a defined per-period Sharpe over the window (DSR's N). */
  readonly defined: number;
  /** Returns in the search window (DESIGN.md section 5's bar returns; k_fold: the train segments' concatenated). */
  readonly returns: number;
  /** The best set's per-period Sharpe, skewness and (non-excess) kurtosis of its returns. */
  readonly best: { readonly trial: number; readonly sharpe: number | null; readonly skew: number | null; readonly kurtosis: number | null } | null;
  readonly psr: number | null;
  readonly dsr: number | null;
  /** SR0: the per-period Sharpe the best of N skill-less trials is expected to reach. */
  readonly sr0: number | null;
  /** Variance (divisor N − 1) of the N trials' per-period Sharpe ratios. */
  readonly sharpe_variance: number | null;
  readonly pbo: PboResult | null;
  readonly spa: SpaJson | null;
  readonly plateau: PlateauResult | null;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * Puts a search's figures together: those of its stored rows (N, V, PBO, plateau) and those of the
 * bar returns of its top-k sets (`top[0]` the best): PSR and DSR of the best, SPA over the top-k.
 */
export function robustnessOf(stats: StoredStats, top: readonly { trial: number; returns: Float64Array }[], spaJson: SpaJson | null): Robustness {
  const best = top[0] ?? null;
  const m = best === null ? null : momentsOf(best.returns);
  const sr0 = deflatedBenchmark(stats.defined, stats.sharpeVariance ?? NaN);
  return {
    trials: stats.trials,
    defined: stats.defined,
    returns: best?.returns.length ?? 0,
    best: best === null || m === null ? null : { trial: best.trial, sharpe: finite(m.sharpe), skew: finite(m.skew), kurtosis: finite(m.kurtosis) },
    psr: m === null ? null : probabilisticSharpe(m, 0),
    dsr: m === null || sr0 === null ? null : probabilisticSharpe(m, sr0),
    sr0,
    sharpe_variance: stats.sharpeVariance,
    pbo: stats.pbo,
    spa: spaJson,
    plateau: stats.plateau,
  };
}
