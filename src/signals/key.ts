import { hash } from 'node:crypto';
import type { BarWindow, StrategySpec } from '../types.js';
import { resolveParams } from '../strategies/params.js';
import { getClassifier, getStrategy } from '../strategies/registry.js';
import { canonicalJson } from '../common/trial-key.js';

/** Bump when the stored content or the meaning of a signal changes, so old files are not reused. */
export const SIGNAL_FORMAT_VERSION = 1;

/**
 * What determines a strategy's signal: its type and parameters with defaults applied, and its regime
 * filter (classifier, parameters with defaults, allowed labels as a set). Risk, broker and capital
 * settings do not enter: they act on the signal, not in it.
 */
export function resolvedStrategy(spec: StrategySpec): Record<string, unknown> {
  const def = getStrategy(spec.type);
  const filter = spec.regimeFilter;
  return {
    type: spec.type,
    params: resolveParams(def.name, def.params, spec.params),
    regime_filter:
      filter === null
        ? null
        : { type: filter.type, params: resolveParams(filter.type, getClassifier(filter.type).params, filter.params), allow: [...new Set(filter.allow)].sort() },
  };
}

/**
 * Key of a stored signal set: sha256 of the canonical JSON of the resolved strategy, the market
 * data's content hash and the window (its start decides where targets may first change; the strategy
 * warms on the bars before it).
 */
export function signalKey(spec: StrategySpec, dataHash: string, window: BarWindow): string {
  return hash(
    'sha256',
    canonicalJson({ signals: SIGNAL_FORMAT_VERSION, strategy: resolvedStrategy(spec), data: dataHash, window: [window.start, window.end] }),
  );
}
