import { spaTest, type SpaSpec } from './spa.js';

export type SpaSettings = SpaSpec & { readonly benchmark: 'flat' | 'buy_and_hold' };

/** SPA as the robustness JSON reports it. */
export interface SpaJson {
  readonly p_value: number | null;
  readonly statistic: number | null;
  /** Sets tested: the search's top-k by its objective (those with a spread against the benchmark). */
  readonly sets: number;
  readonly tested: string;
  readonly benchmark: 'flat' | 'buy_and_hold';
  readonly bootstrap: number;
  readonly block: number;
  readonly seed: number;
}

/** SPA over the top-k sets' bar returns against the benchmark's (null when turned off or no set qualified). */
export function spaOf(
  top: readonly { trial: number; returns: Float64Array }[],
  benchmark: Float64Array,
  spa: SpaSettings | null,
  topK: number,
): SpaJson | null {
  if (spa === null || top.length === 0) return null;
  const diffs = top.map(({ returns }) => {
    const d = new Float64Array(returns.length);
    for (let t = 0; t < d.length; t++) d[t] = returns[t] - benchmark[t];
    return d;
  });
  const r = spaTest(diffs, spa);
  return {
    ...r,
    tested: `the search's top ${top.length} sets by the objective (top_k ${topK})`,
    benchmark: spa.benchmark,
    bootstrap: spa.bootstrap,
    block: spa.block,
    seed: spa.seed,
  };
}
