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
  /** Regime switch: the classifier and, per label id, the strategy bound to that label's parameters. */
  readonly switch: (Bound<ClassifierDefinition> & { readonly byLabel: (Bound<StrategyDefinition> | null)[]; readonly raw: Float64Array }) | null;
}

/** The feature keys a strategy spec (with its regime filter) reads; the hub is built from their union. */
export function featureKeysOf(spec: StrategySpec): string[] {
  const def = getStrategy(spec.type);
  const keys = def.features(def.prepare(spec.params));
  if (spec.regimeFilter) {
    const c = getClassifier(spec.regimeFilter.type);
    keys.push(...c.features(c.prepare(spec.regimeFilter.params)));
  }
  if (spec.regimeSwitch) {
    const c = getClassifier(spec.regimeSwitch.type);
    keys.push(...c.features(c.prepare(spec.regimeSwitch.params)));
    for (const over of Object.values(spec.regimeSwitch.byLabel)) keys.push(...def.features(def.prepare({ ...spec.params, ...over })));
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
      let regime: Slot['switch'] = null;
      if (spec.regimeSwitch) {
        const rs = spec.regimeSwitch;
        const c = getClassifier(rs.type);
        const unknown = Object.keys(rs.byLabel).filter((l) => !c.labels.includes(l));
        if (unknown.length > 0) throw new UserError(`regime_switch.by_label: unknown label(s) ${unknown.join(', ')} for ${c.name}; labels are ${c.labels.join(', ')}`);
        const def = getStrategy(spec.type);
        const byLabel = c.labels.map((l) => (rs.byLabel[l] ? bind(def, { ...spec.params, ...rs.byLabel[l] }, hub, symbols) : null));
        regime = { ...bind(c, rs.params, hub, symbols), byLabel, raw: new Float64Array(c.labels.length * symbols) };
      }
      return { strategy, filter, switch: regime };
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
      if (slot.switch) {
        slot.switch.raw.fill(0);
        for (const st of slot.switch.state) st.fill(NaN);
        for (const b of slot.switch.byLabel) if (b) for (const st of b.state) st.fill(NaN);
      }
    }
  }

  onFeatures(e: FeaturesEvent): void {
    const { market, slots, raw, target } = this;
    const values = this.hub.values;
    const symbols = market.symbolCount;
    const live = e.index >= this.window.start;
    for (let p = 0; p < slots.length; p++) {
      const { strategy, filter } = slots[p];
      const regime = slots[p].switch;
      for (let s = 0; s < symbols; s++) {
        if (market.hasBar[s] === 0) continue;
        const bar = market.bars[s];
        let want: number;
        if (regime === null) {
          const out = strategy.def.signal(values, strategy.cols[s], bar, strategy.params, strategy.state[s]);
          want = raw[p * symbols + s];
          if (out === out && live) raw[p * symbols + s] = want = out;
        } else {
          want = this.switched(regime, values, bar, s, symbols, live);
        }
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
          ev.correlation = 0;
          this.bus.publish(ev);
        }
      }
    }
  }

  /** Every label's strategy runs each bar (its state stays warm); the current label's target is in force. */
  private switched(regime: NonNullable<Slot['switch']>, values: Float64Array, bar: Parameters<StrategyDefinition['signal']>[2], s: number, symbols: number, live: boolean): number {
    const { byLabel, raw } = regime;
    for (let l = 0; l < byLabel.length; l++) {
      const b = byLabel[l];
      if (b === null) continue;
      const out = b.def.signal(values, b.cols[s], bar, b.params, b.state[s]);
      if (out === out && live) raw[l * symbols + s] = out;
    }
    const label = regime.def.classify(values, regime.cols[s], bar, regime.params, regime.state[s]);
    return label === label && byLabel[label] !== null ? raw[label * symbols + s] : 0;
  }

  wire(owner: string): void {
    this.bus.subscribe(EventType.FEATURES, owner, (e) => this.onFeatures(e));
  }
}
