import type { FeatureLayout } from '../features/layout.js';
import { getClassifier, getStrategy } from '../strategies/registry.js';
import type { BarView, ClassifierDefinition, SignalGroup, StrategyDefinition } from '../strategies/strategy.js';
import { UserError } from '../errors.js';
import type { MarketState } from './market.js';
import type { StrategySpec } from '../types.js';

/** A strategy (or classifier) bound to one spec: typed params and per-symbol columns and state. */
interface Bound<D> {
  readonly def: D;
  readonly params: unknown;
  /** Per symbol: absolute indices into the per-bar feature values. */
  readonly cols: Int32Array[];
  readonly state: Float64Array[];
}

interface Slot {
  readonly strategy: Bound<StrategyDefinition>;
  readonly filter: (Bound<ClassifierDefinition> & { readonly allowed: Uint8Array }) | null;
  /** Regime switch: the classifier and, per label id, the strategy bound to that label's parameters. */
  readonly switch: (Bound<ClassifierDefinition> & { readonly byLabel: (Bound<StrategyDefinition> | null)[]; readonly raw: Float64Array }) | null;
}

/** The feature keys a strategy spec (with its regime filter or switch) reads. */
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

function bind<D extends StrategyDefinition | ClassifierDefinition>(def: D, raw: StrategySpec['params'], layout: FeatureLayout, symbols: number): Bound<D> {
  const params = def.prepare(raw);
  const columns = def.features(params).map((k) => layout.column(k));
  const cols: Int32Array[] = [];
  const state: Float64Array[] = [];
  for (let s = 0; s < symbols; s++) {
    cols.push(Int32Array.from(columns, (c) => s * layout.width + c));
    state.push(new Float64Array(def.stateSize).fill(NaN));
  }
  return { def, params, cols, state };
}

function bindSlot(spec: StrategySpec, layout: FeatureLayout, symbols: number): Slot {
  const strategy = bind(getStrategy(spec.type), spec.params, layout, symbols);
  let filter: Slot['filter'] = null;
  if (spec.regimeFilter) {
    const c = getClassifier(spec.regimeFilter.type);
    const unknown = spec.regimeFilter.allow.filter((l) => !c.labels.includes(l));
    if (unknown.length > 0) throw new UserError(`regime_filter.allow: unknown label(s) ${unknown.join(', ')} for ${c.name}; labels are ${c.labels.join(', ')}`);
    const allowed = Uint8Array.from(c.labels, (l) => (spec.regimeFilter!.allow.includes(l) ? 1 : 0));
    filter = { ...bind(c, spec.regimeFilter.params, layout, symbols), allowed };
  }
  let regime: Slot['switch'] = null;
  if (spec.regimeSwitch) {
    const rs = spec.regimeSwitch;
    const c = getClassifier(rs.type);
    const unknown = Object.keys(rs.byLabel).filter((l) => !c.labels.includes(l));
    if (unknown.length > 0)
      throw new UserError(`regime_switch.by_label: unknown label(s) ${unknown.join(', ')} for ${c.name}; labels are ${c.labels.join(', ')}`);
    const def = getStrategy(spec.type);
    const byLabel = c.labels.map((l) => (rs.byLabel[l] ? bind(def, { ...spec.params, ...rs.byLabel[l] }, layout, symbols) : null));
    regime = { ...bind(c, rs.params, layout, symbols), byLabel, raw: new Float64Array(c.labels.length * symbols) };
  }
  return { strategy, filter, switch: regime };
}

/**
 * Strategy instances (one per distinct spec) run on every symbol at each bar's close. A strategy's
 * output (NaN = no signal) updates its raw target; a regime filter, if any, forces the target flat
 * under labels it does not allow. A change of the resulting target inside the window is reported
 * to `onChange`; before the window, strategies run only to warm their state. Instances of one
 * symbol are stepped in a row (symbols outer), which keeps the call to the strategy monomorphic in
 * a sweep; a set's symbols still see their changes in symbol order.
 */
export class StrategyBank {
  private readonly slots: Slot[];
  /** Per instance: the strategy's definition and params; per instance × symbol: its columns and state. */
  private readonly defs: StrategyDefinition[];
  private readonly params: unknown[];
  private readonly cols: Int32Array[];
  private readonly state: Float64Array[];
  /** Instances with a regime filter or switch (the plain ones take the short path). */
  private readonly special: Uint8Array;
  /** Per instance × symbol: last target the strategy asked for, and the effective target in force. */
  private readonly raw: Float64Array;
  readonly target: Float64Array;
  /** Instances stepped together (definitions with `group`), and the instances stepped one by one. */
  private readonly groups: { readonly group: SignalGroup; readonly members: Int32Array; readonly out: Float64Array }[] = [];
  private readonly single: Int32Array;

  /** `grouped`: step instances of a definition that can together (the event-driven topology steps each on its own). */
  constructor(
    specs: readonly StrategySpec[],
    layout: FeatureLayout,
    private readonly market: MarketState,
    grouped = false,
  ) {
    const symbols = market.symbolCount;
    this.slots = specs.map((spec) => bindSlot(spec, layout, symbols));
    const byDef = new Map<StrategyDefinition, number[]>();
    const single: number[] = [];
    this.slots.forEach((slot, p) => {
      const def = slot.strategy.def;
      if (!grouped || def.group === undefined || slot.filter !== null || slot.switch !== null) single.push(p);
      else byDef.set(def, [...(byDef.get(def) ?? []), p]);
    });
    for (const [def, members] of byDef) {
      const group = def.group!(
        members.map((p) => ({ params: this.slots[p].strategy.params, cols: this.slots[p].strategy.cols })),
        symbols,
      );
      this.groups.push({ group, members: Int32Array.from(members), out: new Float64Array(members.length) });
    }
    this.single = Int32Array.from(single);
    this.defs = this.slots.map((s) => s.strategy.def);
    this.params = this.slots.map((s) => s.strategy.params);
    this.cols = this.slots.flatMap((s) => s.strategy.cols);
    this.state = this.slots.flatMap((s) => s.strategy.state);
    this.special = Uint8Array.from(this.slots, (s) => (s.filter !== null || s.switch !== null ? 1 : 0));
    this.raw = new Float64Array(specs.length * symbols);
    this.target = new Float64Array(specs.length * symbols);
  }

  reset(): void {
    this.raw.fill(0);
    this.target.fill(0);
    for (const g of this.groups) g.group.reset();
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

  /** Runs every instance on the current bar; `live` = the bar is inside the window. */
  step(values: Float64Array, live: boolean, onChange: (instance: number, symbol: number, target: number) => void): void {
    const { market, defs, params, cols, state, special, raw, target, groups, single } = this;
    const symbols = market.symbolCount;
    const count = single.length;
    for (let s = 0; s < symbols; s++) {
      if (market.hasBar[s] === 0) continue;
      const bar = market.bars[s];
      for (let g = 0; g < groups.length; g++) {
        const { group, members, out } = groups[g];
        group.step(values, s, out);
        for (let j = 0; j < members.length; j++) {
          const i = members[j] * symbols + s;
          const o = out[j];
          let want = raw[i];
          if (o === o && live) raw[i] = want = o;
          if (live && want !== target[i]) {
            target[i] = want;
            onChange(members[j], s, want);
          }
        }
      }
      for (let q = 0; q < count; q++) {
        const p = single[q];
        const i = p * symbols + s;
        let want: number;
        if (special[p] === 0) {
          const out = defs[p].signal(values, cols[i], bar, params[p], state[i]);
          want = raw[i];
          if (out === out && live) raw[i] = want = out;
        } else {
          want = this.stepSpecial(p, s, values, bar, live);
        }
        if (live && want !== target[i]) {
          target[i] = want;
          onChange(p, s, want);
        }
      }
    }
  }

  /** An instance with a regime switch or filter: the target before the window check. */
  private stepSpecial(p: number, s: number, values: Float64Array, bar: BarView, live: boolean): number {
    const { strategy, filter } = this.slots[p];
    const regime = this.slots[p].switch;
    const symbols = this.market.symbolCount;
    const i = p * symbols + s;
    let want: number;
    if (regime === null) {
      const out = strategy.def.signal(values, strategy.cols[s], bar, strategy.params, strategy.state[s]);
      want = this.raw[i];
      if (out === out && live) this.raw[i] = want = out;
    } else {
      want = switched(regime, values, bar, s, symbols, live);
    }
    if (filter !== null) {
      const label = filter.def.classify(values, filter.cols[s], bar, filter.params, filter.state[s]);
      if (!(label === label && filter.allowed[label] === 1)) want = 0;
    }
    return want;
  }
}

/** Every label's strategy runs each bar (its state stays warm); the current label's target is in force. */
function switched(regime: NonNullable<Slot['switch']>, values: Float64Array, bar: BarView, s: number, symbols: number, live: boolean): number {
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
