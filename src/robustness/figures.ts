import type { StoredStats } from './stored.js';
import type { PboResult } from './pbo.js';
import type { PlateauResult } from './plateau.js';
import { deflatedBenchmark, momentsOf, probabilisticSharpe } from './sharpe.js';
import { spaTest, type SpaSpec } from './spa.js';

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
  readonly spa: (SpaResultJson & { readonly benchmark: 'flat' | 'buy_and_hold'; readonly bootstrap: number; readonly block: number; readonly seed: number }) | null;
  readonly plateau: PlateauResult | null;
}

interface SpaResultJson {
  readonly p_value: number | null;
  readonly statistic: number | null;
  /** Sets tested: the search's top-k by its objective (those with a spread against the benchmark). */
  readonly sets: number;
  readonly tested: string;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** SPA over the top-k sets' bar returns against the benchmark's (null when turned off or no set qualified). */
export function spaOf(top: readonly { trial: number; returns: Float64Array }[], benchmark: Float64Array, spa: (SpaSpec & { benchmark: 'flat' | 'buy_and_hold' }) | null, topK: number): Robustness['spa'] {
  if (spa === null || top.length === 0) return null;
  const diffs = top.map(({ returns }) => {
    const d = new Float64Array(returns.length);
    for (let t = 0; t < d.length; t++) d[t] = returns[t] - benchmark[t];
    return d;
  });
  const r = spaTest(diffs, spa);
  return { ...r, tested: `the search's top ${top.length} sets by the objective (top_k ${topK})`, benchmark: spa.benchmark, bootstrap: spa.bootstrap, block: spa.block, seed: spa.seed };
}

/**
 * Puts a search's figures together: those of its stored rows (N, V, PBO, plateau) and those of the
 * bar returns of its top-k sets (`top[0]` the best): PSR and DSR of the best, SPA over the top-k.
 */
export function robustnessOf(stats: StoredStats, top: readonly { trial: number; returns: Float64Array }[], spaJson: Robustness['spa']): Robustness {
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
