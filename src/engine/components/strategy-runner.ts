import type { FeatureHub } from '../../features/hub.js';
import { getClassifier, getStrategy } from '../../strategies/registry.js';
import type { ClassifierDefinition, StrategyDefinition } from '../../strategies/strategy.js';
import { UserError } from '../../errors.js';
import type { EventBus } from '../bus.js';
import type { Component } from '../container.js';
import { EventType, signalEvent, type FeaturesEvent } from '../events.js';
import type { MarketState } from '../market.js';
import type { BarWindow, StrategySpec } from '../spec.js';

/** A strategy (or classifier) bound to one parameter set: typed params and per-symbol columns and state. */
interface Bound<D> {
  readonly def: D;
  readonly params: unknown;
  /** Per symbol: absolute indices into the hub's values. */
  readonly cols: Int32Array[];
  readonly state: Float64Array[];
}

interface Slot {
  readonly strategy: Bound<StrategyDefinition>;
  readonly filter: (Bound<ClassifierDefinition> & { readonly allowed: Uint8Array }) | null;
}

/** The feature keys a strategy spec (with its regime filter) reads; the hub is built from their union. */
export function featureKeysOf(spec: StrategySpec): string[] {
  const def = getStrategy(spec.type);
  const keys = def.features(def.prepare(spec.params));
  if (spec.regimeFilter) {
    const c = getClassifier(spec.regimeFilter.type);
    keys.push(...c.features(c.prepare(spec.regimeFilter.params)));
  }
  return keys;
}

function bind<D extends StrategyDefinition | ClassifierDefinition>(def: D, raw: StrategySpec['params'], hub: FeatureHub, symbols: number): Bound<D> {
  const params = def.prepare(raw);
  const columns = def.features(params).map((k) => hub.column(k));
  const cols: Int32Array[] = [];
  const state: Float64Array[] = [];
  for (let s = 0; s < symbols; s++) {
    cols.push(Int32Array.from(columns, (c) => s * hub.width + c));
    state.push(new Float64Array(def.stateSize).fill(NaN));
  }
  return { def, params, cols, state };
}

/**
 * Runs every parameter set's strategy on every symbol at each bar's close. A strategy's output
 * (NaN = no signal) updates its raw target; a regime filter, if any, forces the target flat under
 * labels it does not allow. A change of the resulting target inside the window is a SIGNAL for that
 * set's portfolio. Before the window, strategies run only to warm their state.
 */
export class StrategyRunner implements Component {
  readonly name = 'strategy_runner';
  private readonly slots: Slot[];
  /** Per set × symbol: last target the strategy asked for, and the effective target in force. */
  private readonly raw: Float64Array;
  private readonly target: Float64Array;
  private readonly event = signalEvent();

  constructor(
    private readonly bus: EventBus,
    private readonly market: MarketState,
    private readonly hub: FeatureHub,
    specs: readonly StrategySpec[],
    private readonly window: BarWindow,
  ) {
    const symbols = market.symbolCount;
    this.slots = specs.map((spec) => {
      const strategy = bind(getStrategy(spec.type), spec.params, hub, symbols);
      let filter: Slot['filter'] = null;
      if (spec.regimeFilter) {
        const c = getClassifier(spec.regimeFilter.type);
        const unknown = spec.regimeFilter.allow.filter((l) => !c.labels.includes(l));
        if (unknown.length > 0) throw new UserError(`regime_filter.allow: unknown label(s) ${unknown.join(', ')} for ${c.name}; labels are ${c.labels.join(', ')}`);
        const allowed = Uint8Array.from(c.labels, (l) => (spec.regimeFilter!.allow.includes(l) ? 1 : 0));
        filter = { ...bind(c, spec.regimeFilter.params, hub, symbols), allowed };
      }
      return { strategy, filter };
    });
    this.raw = new Float64Array(specs.length * symbols);
    this.target = new Float64Array(specs.length * symbols);
  }

  /** Per set × symbol: the target in force (read by the signal recorder after each bar). */
  get targets(): Float64Array {
    return this.target;
  }

  initialize(): void {
    this.raw.fill(0);
    this.target.fill(0);
    for (const slot of this.slots) {
      for (const st of slot.strategy.state) st.fill(NaN);
      if (slot.filter) for (const st of slot.filter.state) st.fill(NaN);
    }
  }

  onFeatures(e: FeaturesEvent): void {
    const { market, slots, raw, target } = this;
    const values = this.hub.values;
    const symbols = market.symbolCount;
    const live = e.index >= this.window.start;
    for (let p = 0; p < slots.length; p++) {
      const { strategy, filter } = slots[p];
      for (let s = 0; s < symbols; s++) {
        if (market.hasBar[s] === 0) continue;
        const bar = market.bars[s];
        const out = strategy.def.signal(values, strategy.cols[s], bar, strategy.params, strategy.state[s]);
        let want = raw[p * symbols + s];
        if (out === out && live) raw[p * symbols + s] = want = out;
        if (filter !== null) {
          const label = filter.def.classify(values, filter.cols[s], bar, filter.params, filter.state[s]);
          if (!(label === label && filter.allowed[label] === 1)) want = 0;
        }
        if (live && want !== target[p * symbols + s]) {
          target[p * symbols + s] = want;
          const ev = this.event;
          ev.portfolio = p;
          ev.symbol = s;
          ev.index = e.index;
          ev.target = want;
          ev.causation = e.id;
          ev.correlation = this.bus.seq + 1;
          this.bus.publish(ev);
        }
      }
    }
  }

  wire(owner: string): void {
    this.bus.subscribe(EventType.FEATURES, owner, (e) => this.onFeatures(e));
  }
}
