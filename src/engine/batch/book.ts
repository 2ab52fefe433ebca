import { finishMetrics } from '../../metrics/accumulator.js';
import { ReturnBlocks, type BlockSpec } from '../../metrics/blocks.js';
import type { Metrics, ParameterSet, Trade } from '../../types.js';
import { commissionFor, slippedPrice } from '../costs.js';
import { exitOf, type ExitDecision } from '../exits.js';
import { closedTrade } from '../portfolio.js';
import type { MarketState } from '../market.js';
import type { OrderReason } from '../events.js';
import { orderQuantity } from '../sizing.js';

/**
 * The accounts of a batch of parameter sets, one per set, as typed arrays: cash and positions, the
 * orders waiting for the next open, the risk exits' levels and the streaming metrics. It applies the
 * semantics of the event-driven topology's execution, risk manager, portfolio and metrics
 * accumulator (DESIGN.md section 5) with the same arithmetic in the same order, so both give the
 * same bits; tests hold them equal. A set only costs work when it has something to do: `active`
 * lists the sets with an order waiting or a watched position open, and marking to market is the one
 * step every set takes at every bar.
 */
export class Book {
  private readonly sets: readonly ParameterSet[];
  private readonly exit: ExitDecision = { reason: 'stop_loss', price: NaN };
  private readonly symbols: number;
  // Per set.
  readonly cash: Float64Array;
  private readonly openCount: Int32Array;
  private readonly pendingCount: Int32Array;
  private readonly allowShort: Uint8Array;
  private readonly fillAtClose: Uint8Array;
  private readonly watching: Uint8Array;
  /** Watched symbols with a position open. */
  private readonly watchedOpen: Int32Array;
  private readonly stopLoss: Float64Array;
  private readonly takeProfit: Float64Array;
  private readonly trailingStop: Float64Array;
  // Per set × symbol.
  private readonly quantity: Float64Array;
  private readonly weight: Float64Array;
  private readonly entryPrice: Float64Array;
  private readonly entryCommission: Float64Array;
  private readonly entryTime: Float64Array;
  private readonly pending: Float64Array;
  private readonly direction: Int8Array;
  private readonly stopAt: Float64Array;
  private readonly profitAt: Float64Array;
  private readonly extreme: Float64Array;
  // Sets with an order waiting or a watched position open.
  private readonly active: Int32Array;
  private readonly isActive: Uint8Array;
  private activeCount = 0;
  // Streaming metrics per set (MetricsAccumulator's fields); the bar count is the same for all.
  private bars = 0;
  private readonly prevEquity: Float64Array;
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;
  private readonly downside: Float64Array;
  private readonly peak: Float64Array;
  private readonly maxDrawdown: Float64Array;
  private readonly exposedBars: Float64Array;
  private readonly trades: Float64Array;
  private readonly wins: Float64Array;
  private readonly grossProfit: Float64Array;
  private readonly grossLoss: Float64Array;
  readonly tradeLists: (Trade[] | null)[];
  readonly curves: { equity: Float64Array; exposed: Uint8Array }[] | null;
  readonly blocks: ReturnBlocks | null;

  constructor(
    sets: readonly ParameterSet[],
    private readonly market: MarketState,
    private readonly names: readonly string[],
    private readonly start: number,
    bars: number,
    storeTrades: boolean,
    recordCurves: boolean,
    blocks: BlockSpec | null = null,
  ) {
    this.sets = sets;
    const n = sets.length;
    const m = n * market.symbolCount;
    this.symbols = market.symbolCount;
    this.cash = Float64Array.from(sets, (s) => s.capital);
    this.openCount = new Int32Array(n);
    this.pendingCount = new Int32Array(n);
    this.allowShort = Uint8Array.from(sets, (s) => (s.strategy.params.allow_short === true ? 1 : 0));
    this.fillAtClose = Uint8Array.from(sets, (s) => (s.broker.fill === 'close' ? 1 : 0));
    this.watching = Uint8Array.from(sets, (s) => (s.risk.stopLoss !== null || s.risk.takeProfit !== null || s.risk.trailingStop !== null ? 1 : 0));
    this.watchedOpen = new Int32Array(n);
    this.stopLoss = Float64Array.from(sets, (s) => s.risk.stopLoss ?? NaN);
    this.takeProfit = Float64Array.from(sets, (s) => s.risk.takeProfit ?? NaN);
    this.trailingStop = Float64Array.from(sets, (s) => s.risk.trailingStop ?? NaN);
    this.quantity = new Float64Array(m);
    this.weight = new Float64Array(m);
    this.entryPrice = new Float64Array(m).fill(NaN);
    this.entryCommission = new Float64Array(m);
    this.entryTime = new Float64Array(m).fill(NaN);
    this.pending = new Float64Array(m).fill(NaN);
    this.direction = new Int8Array(m);
    this.stopAt = new Float64Array(m);
    this.profitAt = new Float64Array(m);
    this.extreme = new Float64Array(m);
    this.active = new Int32Array(n);
    this.isActive = new Uint8Array(n);
    this.prevEquity = new Float64Array(n).fill(NaN);
    this.mean = new Float64Array(n);
    this.m2 = new Float64Array(n);
    this.downside = new Float64Array(n);
    this.peak = new Float64Array(n).fill(NaN);
    this.maxDrawdown = new Float64Array(n);
    this.exposedBars = new Float64Array(n);
    this.trades = new Float64Array(n);
    this.wins = new Float64Array(n);
    this.grossProfit = new Float64Array(n);
    this.grossLoss = new Float64Array(n);
    this.tradeLists = sets.map(() => (storeTrades ? [] : null));
    this.curves = recordCurves ? sets.map(() => ({ equity: new Float64Array(bars), exposed: new Uint8Array(bars) })) : null;
    this.blocks = blocks === null ? null : new ReturnBlocks(n, blocks);
  }

  private activate(p: number): void {
    if (this.isActive[p] === 1) return;
    this.isActive[p] = 1;
    this.active[this.activeCount++] = p;
  }

  /**
   * The bar's opening steps for every set with something to do: orders waiting for this open fill
   * (the execution's BAR handler), then stops and take-profits are checked against the bar's range
   * (the risk manager's). Sets left with nothing to do leave the active list.
   */
  open(): void {
    const { active, isActive } = this;
    for (let a = 0; a < this.activeCount;) {
      const p = active[a];
      if (this.pendingCount[p] > 0) this.fillPending(p);
      if (this.watchedOpen[p] > 0) this.checkExits(p);
      if (this.pendingCount[p] === 0 && this.watchedOpen[p] === 0) {
        isActive[p] = 0;
        active[a] = active[--this.activeCount];
        continue;
      }
      a++;
    }
  }

  private fillPending(p: number): void {
    const { market, pending } = this;
    const symbols = this.symbols;
    for (let s = 0; s < symbols; s++) {
      const i = p * symbols + s;
      const target = pending[i];
      if (target !== target) continue;
      if (market.hasBar[s] === 0) continue;
      pending[i] = NaN;
      this.pendingCount[p]--;
      this.execute(p, s, target, market.bars[s].open, 'signal', true);
    }
  }

  private checkExits(p: number): void {
    const { market, direction } = this;
    const symbols = this.symbols;
    const trail = this.trailingStop[p];
    for (let s = 0; s < symbols; s++) {
      const i = p * symbols + s;
      const dir = direction[i];
      if (dir === 0 || market.hasBar[s] === 0) continue;
      const bar = market.bars[s];
      if (exitOf(dir, bar.open, bar.high, bar.low, this.extreme[i], this.stopAt[i], this.profitAt[i], trail, this.exit))
        this.execute(p, s, 0, this.exit.price, this.exit.reason, false);
      else if (dir > 0 ? bar.high > this.extreme[i] : bar.low < this.extreme[i]) this.extreme[i] = dir > 0 ? bar.high : bar.low;
    }
  }

  /** A change of set p's target for symbol s at this bar's close: fills now (`fill: close`) or at the next open. */
  signal(p: number, s: number, target: number): void {
    if (this.fillAtClose[p] === 1) {
      this.execute(p, s, target, this.market.bars[s].close, 'signal', false);
      return;
    }
    const i = p * this.symbols + s;
    if (this.pending[i] !== this.pending[i]) this.pendingCount[p]++;
    this.pending[i] = target;
    this.activate(p);
  }

  /** Moves one position to `target` at `base` (before slippage): close what must go, then open. */
  private execute(p: number, s: number, target: number, base: number, reason: OrderReason, atOpen: boolean): void {
    const set = this.sets[p];
    const want = target < 0 && this.allowShort[p] === 0 ? 0 : target;
    const i = p * this.symbols + s;
    const held = this.quantity[i];
    if (held !== 0) {
      if (want !== 0 && Math.sign(want) === Math.sign(held) && want === this.weight[i]) return;
      const price = slippedPrice(set.broker.slippage, base, held > 0 ? -1 : 1);
      this.fill(p, s, -held, price, commissionFor(set.broker.commission, held, price), want);
    }
    if (want === 0 || reason !== 'signal') return;
    const side = want > 0 ? 1 : -1;
    const price = slippedPrice(set.broker.slippage, base, side);
    const quantity = this.size(p, s, Math.abs(want), price, side, atOpen);
    if (quantity > 0) this.fill(p, s, side * quantity, price, commissionFor(set.broker.commission, quantity, price), want);
  }

  private size(p: number, s: number, weight: number, price: number, side: number, atOpen: boolean): number {
    const set = this.sets[p];
    return orderQuantity(set.risk.sizing, set.broker.commission, weight, price, side, this.cash[p], () => this.equityAt(p, s, price, atOpen));
  }

  /** Set p's equity with symbol s at `price` and the others at the price of this moment (open or close). */
  private equityAt(p: number, s: number, price: number, atOpen: boolean): number {
    const { market } = this;
    let equity = this.cash[p];
    if (this.openCount[p] === 0) return equity;
    for (let k = 0; k < this.symbols; k++) {
      const q = this.quantity[p * this.symbols + k];
      if (q === 0) continue;
      equity += q * (k === s ? price : atOpen && market.hasBar[k] === 1 ? market.bars[k].open : market.lastClose[k]);
    }
    return equity;
  }

  /** Books a fill (the portfolio's apply) and tells the risk manager the new position. */
  private fill(p: number, s: number, quantity: number, price: number, commission: number, target: number): void {
    const i = p * this.symbols + s;
    this.cash[p] -= quantity * price + commission;
    const held = this.quantity[i];
    if (held === 0) {
      this.quantity[i] = quantity;
      this.weight[i] = target;
      this.entryPrice[i] = price;
      this.entryCommission[i] = commission;
      this.entryTime[i] = this.market.time;
      this.openCount[p]++;
    } else {
      if (quantity !== -held) throw new Error(`fill of ${quantity} does not close the position of ${held} in ${this.names[s]}`);
      const paid = this.entryCommission[i] + commission;
      const pnl = held * (price - this.entryPrice[i]) - paid;
      this.trades[p]++;
      if (pnl > 0) {
        this.wins[p]++;
        this.grossProfit[p] += pnl;
      } else if (pnl < 0) {
        this.grossLoss[p] -= pnl;
      }
      const list = this.tradeLists[p];
      if (list !== null) {
        list.push(closedTrade(this.names[s], held, this.entryTime[i], this.entryPrice[i], this.market.time, price, paid, pnl));
      }
      this.quantity[i] = 0;
      this.weight[i] = 0;
      this.entryPrice[i] = NaN;
      this.entryCommission[i] = 0;
      this.entryTime[i] = NaN;
      this.openCount[p]--;
    }
    if (this.watching[p] === 1) this.onPosition(p, i);
  }

  /** The risk manager's view of a new position: levels from the entry price, or none when flat. */
  private onPosition(p: number, i: number): void {
    const q = this.quantity[i];
    const dir = q > 0 ? 1 : q < 0 ? -1 : 0;
    if (this.direction[i] !== 0) this.watchedOpen[p]--;
    this.direction[i] = dir;
    if (dir === 0) return;
    this.watchedOpen[p]++;
    const entry = this.entryPrice[i];
    const stop = this.stopLoss[p];
    const profit = this.takeProfit[p];
    this.stopAt[i] = stop !== stop ? NaN : entry * (1 - dir * stop);
    this.profitAt[i] = profit !== profit ? NaN : entry * (1 + dir * profit);
    this.extreme[i] = entry;
    this.activate(p);
  }

  /**
   * Marks every set to market at this bar's close and feeds its streaming metrics (the portfolio
   * manager's BAR handler and MetricsAccumulator.onBar, operation for operation).
   */
  mark(t: number): void {
    const n = this.sets.length;
    const symbols = this.symbols;
    const prices = this.market.lastClose;
    const { cash, openCount, quantity, prevEquity, mean, m2, downside, peak, maxDrawdown, exposedBars, curves } = this;
    const k = this.bars; // the return count after this bar
    if (k === 0) {
      for (let p = 0; p < n; p++) {
        const equity = this.equity(p, prices);
        peak[p] = equity;
        const dd = 1 - equity / equity;
        if (dd > maxDrawdown[p]) maxDrawdown[p] = dd;
        prevEquity[p] = equity;
        if (openCount[p] > 0) exposedBars[p]++;
      }
    } else {
      const price0 = prices[0];
      const blocks = this.blocks;
      // A block ends before this bar's return: its sums from the moments of the returns so far.
      if (blocks !== null && blocks.next()) for (let p = 0; p < n; p++) blocks.cut(p, k - 1, mean[p], m2[p]);
      for (let p = 0; p < n; p++) {
        const open = openCount[p];
        let equity = cash[p];
        if (open !== 0) {
          if (symbols === 1) {
            const q = quantity[p];
            if (q !== 0) equity += q * price0;
          } else equity = this.equity(p, prices);
        }
        const prev = prevEquity[p];
        // An unchanged (finite, non-zero) equity returns exactly 0 and leaves the drawdown as it was.
        const same = equity === prev && equity !== 0 && equity - equity === 0;
        const r = same ? 0 : equity / prev - 1;
        const m0 = mean[p];
        const delta = r - m0;
        const m1 = m0 + delta / k;
        mean[p] = m1;
        m2[p] += delta * (r - m1);
        if (!same) {
          if (r < 0) downside[p] += r * r;
          if (equity > peak[p]) peak[p] = equity;
          const dd = 1 - equity / peak[p];
          if (dd > maxDrawdown[p]) maxDrawdown[p] = dd;
          prevEquity[p] = equity;
        }
        if (open > 0) exposedBars[p]++;
      }
    }
    if (curves !== null) {
      const at = t - this.start;
      for (let p = 0; p < n; p++) {
        curves[p].equity[at] = prevEquity[p];
        curves[p].exposed[at] = openCount[p] > 0 ? 1 : 0;
      }
    }
    this.bars++;
  }

  /** After the last bar: each set's running block closed (its block sums complete). */
  closeBlocks(): void {
    const returns = this.bars > 0 ? this.bars - 1 : 0;
    if (this.blocks !== null) for (let p = 0; p < this.sets.length; p++) this.blocks.finish(p, returns, this.mean[p], this.m2[p]);
  }

  /** cash + Σ position × price (the portfolio's equity), positions in symbol order. */
  private equity(p: number, prices: Float64Array): number {
    let equity = this.cash[p];
    if (this.openCount[p] === 0) return equity;
    for (let s = 0; s < this.symbols; s++) {
      const q = this.quantity[p * this.symbols + s];
      if (q !== 0) equity += q * prices[s];
    }
    return equity;
  }

  metrics(p: number, periodsPerYear: number): Metrics {
    const returns = this.bars > 0 ? this.bars - 1 : 0;
    return finishMetrics(
      this.sets[p].capital,
      this.bars,
      this.exposedBars[p],
      this.prevEquity[p],
      returns,
      this.mean[p],
      this.m2[p],
      this.downside[p],
      this.maxDrawdown[p],
      this.trades[p],
      this.wins[p],
      this.grossProfit[p],
      this.grossLoss[p],
      periodsPerYear,
    );
  }
}
