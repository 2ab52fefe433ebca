import { getClassifier } from '../strategies/registry.js';
import { findDimensions } from '../space/space.js';
import { applyChanges } from './changes.js';
import { OptionError, type ComposableWorkflow, type PlainConfig } from './protocol.js';

interface RegimeState {
  /** The classifier map as written (`type` and its parameters). */
  readonly classifier: Readonly<Record<string, unknown>>;
  readonly labels: readonly string[];
}

/** The strategy's own parameters in a best set, without the `strategy.` prefix (not the regime gate or switch). */
function strategyParams(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    if (!k.startsWith('strategy.')) continue;
    const name = k.slice('strategy.'.length);
    if (name.startsWith('regime_filter') || name.startsWith('regime_switch')) continue;
    out[name] = v;
  }
  return out;
}

/** Every dimension that is not a strategy parameter, fixed at the whole-data best (a switch can only vary the strategy). */
function fixedOutsideStrategy(config: PlainConfig, best: Record<string, unknown>): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const dim of findDimensions(config).dimensions) if (dim.path[0] !== 'strategy' && dim.name in best) changes[dim.name] = best[dim.name];
  return changes;
}

/**
 * regime_adaptive: iteration 0 searches the whole data (the regime-blind baseline); its branches,
 * one per classifier label, search the same space with the strategy gated to that label
 * (`regime_filter.allow: [label]`), i.e. optimised on the bars of that regime, every other swept
 * key fixed at the baseline's best; iteration 1 backtests the regime-switched combination
 * (`strategy.regime_switch`): under each label, that label's best parameters decide the target;
 * a label whose branch found no qualifying set is traded flat.
 */
export const regimeAdaptive: ComposableWorkflow<RegimeState> = {
  kind: 'workflow',
  name: 'regime_adaptive',
  description: 'optimise separately on the bars of each classifier regime, then backtest the regime-switched combination',
  prepare(options) {
    for (const key of Object.keys(options))
      if (key !== 'classifier') throw new OptionError(key, `unknown regime_adaptive option '${key}'; the option is classifier: {type, ...params}`);
    const c = options.classifier;
    if (c === null || typeof c !== 'object' || Array.isArray(c) || typeof (c as { type?: unknown }).type !== 'string')
      throw new OptionError('classifier', 'expected a classifier map {type: <classifier>, ...its parameters}');
    const { type, ...params } = c as { type: string } & Record<string, never>;
    let labels: readonly string[];
    try {
      const def = getClassifier(type);
      def.prepare(params);
      labels = def.labels;
    } catch (e) {
      throw new OptionError('classifier', (e as Error).message);
    }
    return { classifier: c as Record<string, unknown>, labels };
  },
  getBranches(result, state) {
    if (result.iteration !== 0 || result.best === null) return [];
    const fixed = fixedOutsideStrategy(result.config, result.best.params);
    return state.labels.map((label) => ({
      name: label,
      changes: { ...fixed, 'strategy.regime_switch': null, 'strategy.regime_filter': { ...state.classifier, allow: [label] } },
    }));
  },
  shouldContinue(result) {
    return result.iteration === 0 && result.branches.some((b) => b.best !== null);
  },
  modifyConfigForNext(config, result, _iteration, state) {
    const byLabel: Record<string, unknown> = {};
    for (const b of result.branches) if (b.best !== null) byLabel[b.name] = strategyParams(b.best.params);
    const base = strategyParams(result.best!.params);
    const changes: Record<string, unknown> = {
      ...fixedOutsideStrategy(config, result.best!.params),
      'strategy.regime_filter': null,
      'strategy.regime_switch': { ...state.classifier, by_label: byLabel },
    };
    for (const [k, v] of Object.entries(base)) changes[`strategy.${k}`] = v;
    return applyChanges(config, changes);
  },
};
