import type { MarketData } from '../../data/series.js';
import type { ColumnSource } from '../../features/columns.js';
import { FeatureLayout } from '../../features/layout.js';
import type { SetResult } from '../components/portfolio-manager.js';
import { MarketState } from '../market.js';
import { canonicalStrategy } from '../../common/trial-key.js';
import type { BarWindow, ParameterSet } from '../../types.js';
import { featureKeysOf, StrategyBank } from '../strategy-bank.js';
import { Book } from './book.js';
import type { BlockSpec } from '../../metrics/blocks.js';
import { BatchFeatures } from './features.js';

export interface KernelOptions {
  readonly window: BarWindow;
  readonly periodsPerYear: number;
  readonly storeTrades: boolean;
  readonly recordCurves: boolean;
  /** Per-block sums of each set's bar returns (the robustness statistics), or none. */
  readonly blocks: BlockSpec | null;
  /** Whole-series feature columns (shared by batches); null: every feature is updated bar by bar. */
  readonly columns: ColumnSource | null;
}

/**
 * The optimization topology as one loop over the bars, for a batch of parameter sets over the same
 * data: no event is dispatched. Sets that share a strategy (same spec: only their risk or broker
 * differ) share one strategy instance, so a strategy runs once per bar however many sets read it.
 * Per bar, in the order the event-driven topology unfolds it: orders waiting for the open fill and
 * risk exits are checked (only for sets with something to do), the strategies act at the close and
 * their target changes become orders, and every set is marked to market. Results equal the
 * event-driven topology's bit for bit (tests/kernel.test.ts); that topology stays the reference and
 * the one that traces.
 */
export function runKernel(market: MarketData, sets: readonly ParameterSet[], options: KernelOptions): SetResult[] {
  const { window } = options;
  const state = new MarketState(market);
  // One strategy instance per distinct spec; `members` lists each instance's sets, in set order.
  const instanceOf = new Map<string, number>();
  const specs: ParameterSet['strategy'][] = [];
  const instanceOfSet = new Int32Array(sets.length);
  sets.forEach((set, p) => {
    const key = canonicalStrategy(set.strategy);
    let i = instanceOf.get(key);
    if (i === undefined) {
      i = specs.length;
      instanceOf.set(key, i);
      specs.push(set.strategy);
    }
    instanceOfSet[p] = i;
  });
  const memberStart = new Int32Array(specs.length + 1);
  for (let p = 0; p < sets.length; p++) memberStart[instanceOfSet[p] + 1]++;
  for (let i = 0; i < specs.length; i++) memberStart[i + 1] += memberStart[i];
  const members = new Int32Array(sets.length);
  const fillAt = memberStart.slice(0, specs.length);
  for (let p = 0; p < sets.length; p++) members[fillAt[instanceOfSet[p]]++] = p;

  const layout = new FeatureLayout(specs.flatMap((s) => featureKeysOf(s)));
  const features = new BatchFeatures(market, layout, options.columns);
  const bank = new StrategyBank(specs, layout, state, true);
  const book = new Book(
    sets,
    state,
    market.symbols.map((s) => s.symbol),
    window.start,
    window.end - window.start,
    options.storeTrades,
    options.recordCurves,
    options.blocks,
  );
  const onChange = (instance: number, symbol: number, target: number): void => {
    for (let m = memberStart[instance]; m < memberStart[instance + 1]; m++) book.signal(members[m], symbol, target);
  };
  features.reset();
  bank.reset();
  const values = features.values;
  for (let t = 0; t < window.end; t++) {
    state.advance(t);
    const live = t >= window.start;
    if (live) book.open();
    features.load(t, state);
    bank.step(values, live, onChange);
    if (live) book.mark(t);
  }
  book.closeBlocks();
  return sets.map((_, p) => ({
    metrics: book.metrics(p, options.periodsPerYear),
    trades: book.tradeLists[p],
    ...(book.curves ? { curve: book.curves[p] } : {}),
    ...(book.blocks ? { blocks: book.blocks.of(p) } : {}),
  }));
}
