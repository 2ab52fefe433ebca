import { KEEP_BYTES, storedStats, type PointRow, type StoredStats } from '../robustness/stored.js';
import { mergePartial } from '../robustness/pbo.js';
import { spaOf, type SpaJson, type SpaSettings } from '../robustness/spa-json.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unpack } from 'msgpackr';
import type { PlanRef } from '../batch/plan.js';
import type { TopEntry } from '../batch/work.js';
import { preparedPlan } from '../batch/prepared.js';
import { unpackRows, type PointStats } from '../batch/rows.js';
import type { Trade, TrialResult } from '../types.js';
import { combineSegments } from '../metrics/combine.js';
import { Leaderboard } from '../metrics/leaderboard.js';
import { trialPoint, trialSet } from '../search/template.js';
import { trialKey } from '../common/trial-key.js';
import type { MetricsJson } from '../contract.js';
import { ResultsStore, type SignalIndexRow, type TrialRow } from './store.js';

/** The robustness input of one search as its batches arrive: their merged first passes and (within KEEP_BYTES) their points. */
class LivePoints {
  partial: Float64Array | null = null;
  points = 0;
  private kept: PointRow[] | null = [];
  private bytes = 0;

  absorb(trials: Float64Array, p: PointStats): void {
    const n = p.objective.length;
    if (this.partial === null) this.partial = p.partial.slice();
    else mergePartial(this.partial, p.partial);
    this.points += n;
    const width = p.sums.length / Math.max(1, n);
    this.bytes += 8 * p.sums.length;
    if (this.kept !== null && this.bytes > KEEP_BYTES) this.kept = null;
    if (this.kept === null) return;
    // One copy per batch (its message's buffer holds its params and keys too), viewed per point.
    const sums = p.sums.slice();
    for (let i = 0; i < n; i++)
      this.kept.push({
        trial: trials[i],
        objective: p.objective[i] === p.objective[i] ? p.objective[i] : null,
        eligible: p.eligible[i] === 1,
        sums: sums.subarray(i * width, (i + 1) * width),
      });
  }

  /** The kept points (in arrival order: the pass over them does not depend on it), or null when they did not fit. */
  rows(): PointRow[] | null {
    return this.kept;
  }
}

/** Grids up to this many points get plateau statistics (a few arrays of that many doubles). */
const MAX_PLATEAU_GRID = 2 ** 25;

/** What a resumed run already has of a search: the points to skip and the best of them. */
export interface Restored {
  /** Grid indices stored on every window of the plan, sorted ascending. */
  readonly skip: Float64Array;
  readonly top: TopEntry[];
  /** Adaptive searches (the plan reports values): every stored point's metrics (combined over segments), in `skip` order. */
  readonly stored: { readonly trial: number; readonly metrics: MetricsJson }[] | null;
}

/** A stored trial as the `runs` of a memory-storage phase list it. */
export type StoredRun = TrialResult;

/**
 * The run's results store as one long-lived service: every batch's rows, test runs and failures are
 * written here, resumed searches are read from here. It is the state the results thread keeps
 * (results/thread.ts runs it there and the coordinator talks to it over a comlink channel); the
 * inline executor uses it in its own thread. Rows arrive packed by the workers, so writing a batch
 * costs this service one transaction and the coordinator nothing per set.
 */
export class ResultsService {
  private store: ResultsStore | null = null;

  open(dir: string): void {
    this.store = new ResultsStore(dir);
  }

  private get db(): ResultsStore {
    if (this.store === null) throw new Error('results store not open');
    return this.store;
  }

  /** A batch's packed rows (batch/work.ts `StoredRows`), in one transaction; its robustness input is kept for the search's figures. */
  commit(rows: Uint8Array): void {
    const unpacked = unpackRows(rows);
    this.db.insertRows(unpacked);
    const points = unpacked.points;
    if (points !== null && points.partial.length > 0) this.liveOf(unpacked.label, points.signature).absorb(unpacked.trial, points);
  }

  /** The robustness input of the searches under way, by label and block signature. */
  private readonly live = new Map<string, LivePoints>();

  private liveOf(label: string, signature: string): LivePoints {
    const key = `${label}\n${signature}`;
    let l = this.live.get(key);
    if (l === undefined) this.live.set(key, (l = new LivePoints()));
    return l;
  }

  /** Rows built by the coordinator itself (test runs, failed trials), in one transaction. */
  add(rows: readonly (Omit<TrialRow, 'tradesFile'> & { readonly trades?: Trade[] | null })[]): void {
    const db = this.db;
    for (const r of rows) {
      const { trades, ...row } = r;
      db.add({ ...row, tradesFile: trades ? db.writeBlob('trades', r.trialKey, trades) : null });
    }
    db.flush();
  }

  /**
   * Resume: the points of a plan the store already holds on every window of the plan, found by
   * grid index and checked by trial key (a row whose key differs, because the config or the data
   * changed, is dropped and its set computed again), and the plan's top-k among them.
   */
  restore(ref: PlanRef, dataHash: string): Restored {
    const { plan, capital } = preparedPlan(ref);
    const db = this.db;
    const windows = plan.windows;
    const board = new Leaderboard<StoredRun>(plan.objective, plan.topK);
    const skip: number[] = [];
    const stored: { trial: number; metrics: MetricsJson }[] | null = plan.report === null ? null : [];
    let current = -1;
    let parts: (MetricsJson | null)[] = [];
    let tradesFile: string | null = null;
    /** Rows of this label and these windows stored for another config or data: recomputed, so dropped. */
    const stale: string[] = [];
    const staleTrials: number[] = [];
    const finish = (): void => {
      if (current < 0 || parts.some((m) => m === null)) return;
      const metrics = plan.combine
        ? combineSegments(
            parts.map((m, w) => ({ metrics: m!, bars: windows[w].end - windows[w].start })),
            capital,
          )
        : parts[0]!;
      skip.push(current);
      stored?.push({ trial: current, metrics });
      const trades = plan.tradesIn === 'top' && tradesFile !== null ? (unpack(readFileSync(join(db.dir, tradesFile))) as Trade[]) : undefined;
      board.offer(current, metrics, { trial: current, params: trialPoint(plan.template, current).params, metrics, ...(trades ? { trades } : {}) });
    };
    for (const row of db.storedRows(plan.label, windows, plan.report !== null)) {
      if (row.trial !== current) {
        finish();
        current = row.trial;
        parts = windows.map(() => null);
        tradesFile = null;
      }
      const w = windows.findIndex((x) => x.start === row.window[0] && x.end === row.window[1]);
      if (trialKey(trialSet(plan.template, row.trial), dataHash, windows[w]) !== row.trialKey) {
        stale.push(row.trialKey);
        staleTrials.push(row.trial);
        continue;
      }
      parts[w] = row.metrics;
      if (w === 0) tradesFile = row.tradesFile;
    }
    finish();
    db.dropRows(plan.label, stale, plan.blocks === null ? null : { signature: plan.blocks.signature, trials: staleTrials });
    return { skip: Float64Array.from(skip), top: board.ranked.map((e) => e.item), stored };
  }

  markPruned(label: string, windows: readonly { start: number; end: number }[], trials: Float64Array): void {
    this.db.markPruned(label, windows, trials);
  }

  /** The successful trials of a label on each window (in the order given), by grid index: a memory-storage phase's runs. */
  runs(label: string, windows: readonly { start: number; end: number }[], withTrades: boolean): StoredRun[] {
    const db = this.db;
    const out: StoredRun[] = [];
    for (const w of windows) {
      for (const row of db.storedRows(label, [w])) {
        const trades = withTrades && row.tradesFile !== null ? (unpack(readFileSync(join(db.dir, row.tradesFile))) as Trade[]) : undefined;
        out.push({ trial: row.trial, params: JSON.parse(row.params) as Record<string, unknown>, metrics: row.metrics, ...(trades ? { trades } : {}) });
      }
    }
    return out;
  }

  /**
   * The robustness figures of a search from its stored rows (robustness/stored.ts): two streaming
   * passes here, in the results thread, so the coordinator's thread stays free.
   */
  stats(ref: PlanRef, best: number | null): StoredStats | null {
    const { plan } = preparedPlan(ref);
    if (plan.blocks === null) return null;
    const db = this.db;
    const dims = plan.template.dimensions;
    const size = dims.reduce((a, d) => a * d.values.length, 1);
    const method = plan.template.config.search?.method ?? 'grid';
    const grid =
      method === 'grid' && size <= MAX_PLATEAU_GRID
        ? { radix: dims.map((d) => d.values.length), numeric: dims.map((d) => d.values.every((v) => typeof v === 'number')), names: dims.map((d) => d.name) }
        : null;
    const signature = plan.blocks.signature;
    const key = `${plan.label}\n${signature}`;
    const live = this.live.get(key) ?? null;
    this.live.delete(key);
    const stored = db.pointCount(plan.label, signature);
    const input = { blocks: plan.blocks, direction: plan.objective.direction, grid, best };
    // Every stored point came through this run's batches (no resume, no task run twice): their first
    // passes merge, and the points kept in memory stand for the store; otherwise the store is read.
    const stats =
      live !== null && live.points === stored
        ? storedStats(() => live.rows() ?? db.pointRows(plan.label, signature, false), stored, input, { partial: live.partial!, points: live.points })
        : storedStats(() => db.pointRows(plan.label, signature), stored, input);
    const withParams = <T extends { trial: number } | null>(p: T): T => (p === null ? p : { ...p, params: trialPoint(plan.template, p.trial).params });
    return stats.plateau === null
      ? stats
      : { ...stats, plateau: { ...stats.plateau, best: withParams(stats.plateau.best), plateau_best: withParams(stats.plateau.plateau_best) } };
  }

  /** SPA over a search's top sets (robustness/figures.ts): the results thread is idle while the coordinator gathers. */
  spa(top: readonly { trial: number; returns: Float64Array }[], benchmark: Float64Array, spec: SpaSettings, topK: number): SpaJson | null {
    return spaOf(top, benchmark, spec, topK);
  }

  /** hybrid storage: the top-k trials of a search get their trades blob (their summary rows are replaced). */
  keepTop(rows: readonly (Omit<TrialRow, 'tradesFile'> & { readonly trades: Trade[] })[]): void {
    const db = this.db;
    db.ensureIndex();
    for (const r of rows) {
      const { trades, ...row } = r;
      db.add({ ...row, tradesFile: db.writeBlob('trades', r.trialKey, trades) });
    }
    db.flush();
  }

  addSignals(phase: string, rows: readonly SignalIndexRow[]): void {
    this.db.addSignals(phase, rows);
  }

  count(phase?: string): number {
    return this.db.count(phase);
  }

  close(): void {
    this.store?.close();
    this.store = null;
  }
}
