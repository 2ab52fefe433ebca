import { METRIC_NAMES, type MetricsJson, type Trade } from '../types.js';

/** A value the run stored that the recomputation does not reproduce bit for bit. */
export interface Difference {
  /** A metric name, `trades`, `trades[i].field` or `trial_key`. */
  readonly what: string;
  readonly stored: unknown;
  readonly recomputed: unknown;
}

/**
 * Bit-for-bit equality of doubles (Object.is: NaN equals NaN). SQLite stores −0 as 0, so a
 * recomputed −0 is compared as the 0 the store would hold; null (an undefined metric) equals only null.
 */
function same(stored: unknown, recomputed: unknown): boolean {
  return Object.is(stored, Object.is(recomputed, -0) ? 0 : recomputed);
}

export function metricDifferences(stored: MetricsJson, recomputed: MetricsJson): Difference[] {
  return METRIC_NAMES.filter((m) => !same(stored[m], recomputed[m])).map((m) => ({ what: m, stored: stored[m], recomputed: recomputed[m] }));
}

const TRADE_FIELDS = [
  'symbol',
  'side',
  'qty',
  'entry_time',
  'entry_price',
  'exit_time',
  'exit_price',
  'commission',
  'pnl',
] as const satisfies readonly (keyof Trade)[];

/** Field by field; trade blobs keep −0 as it is, so this is plain Object.is. */
export function tradeDifferences(stored: readonly Trade[], recomputed: readonly Trade[]): Difference[] {
  const out: Difference[] = [];
  if (stored.length !== recomputed.length) out.push({ what: 'trades', stored: `${stored.length} trades`, recomputed: `${recomputed.length} trades` });
  const n = Math.min(stored.length, recomputed.length);
  for (let i = 0; i < n; i++)
    for (const f of TRADE_FIELDS)
      if (!Object.is(stored[i][f], recomputed[i][f])) out.push({ what: `trades[${i}].${f}`, stored: stored[i][f], recomputed: recomputed[i][f] });
  return out;
}

export { TRADE_FIELDS };
