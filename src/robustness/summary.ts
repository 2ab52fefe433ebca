import type { Robustness } from './figures.js';

/** A windowed sequence's robustness at phase level: its windows' (or folds') figures summarised. */
export interface RobustnessSummary {
  readonly per: 'window' | 'fold' | 'split';
  /** Windows or folds with figures. */
  readonly count: number;
  readonly pbo_mean: number | null;
  readonly pbo_max: number | null;
  readonly dsr_mean: number | null;
  readonly dsr_min: number | null;
  readonly psr_mean: number | null;
  /** The largest SPA p-value (the weakest evidence of any window). */
  readonly spa_p_max: number | null;
}

const mean = (xs: number[]): number | null => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);
const values = (xs: (number | null | undefined)[]): number[] => xs.filter((x): x is number => typeof x === 'number');

/**
 * A window's, fold's or split's figures as the JSON keeps them: without the PBO scatter (500 points
 * a search: a walk-forward of 35 windows would carry 35 of them in run.json; the report draws the
 * scatter of single-search phases only).
 */
export function compactRobustness(r: Robustness | null): Robustness | null {
  if (r === null || r.pbo === null) return r;
  return { ...r, pbo: { ...r.pbo, scatter: [] } };
}

/** Means, minima and maxima over the windows that have each figure; null when none has it. */
export function summariseRobustness(per: 'window' | 'fold' | 'split', list: readonly (Robustness | null)[]): RobustnessSummary | null {
  const r = list.filter((x): x is Robustness => x !== null);
  if (r.length === 0) return null;
  const pbo = values(r.map((x) => x.pbo?.value));
  const dsr = values(r.map((x) => x.dsr));
  const psr = values(r.map((x) => x.psr));
  const spa = values(r.map((x) => x.spa?.p_value));
  return {
    per,
    count: r.length,
    pbo_mean: mean(pbo),
    pbo_max: pbo.length ? Math.max(...pbo) : null,
    dsr_mean: mean(dsr),
    dsr_min: dsr.length ? Math.min(...dsr) : null,
    psr_mean: mean(psr),
    spa_p_max: spa.length ? Math.max(...spa) : null,
  };
}
