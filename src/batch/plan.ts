import { createHash } from 'node:crypto';
import { Packr } from 'msgpackr';
import type { BlockPlan } from '../robustness/block-plan.js';
import type { BarWindow, MetricName } from '../types.js';
import type { Objective } from '../metrics/leaderboard.js';
import type { PhaseTemplate } from '../search/template.js';
import type { TraceSettings } from '../tracing/settings.js';

/**
 * What a worker needs to evaluate any part of one search: the phase's validated template (it builds
 * the parameter sets and trial keys itself), the windows, how results are kept and ranked. The
 * coordinator encodes a plan once per search; a task then names only a range of grid indices (or
 * packed point indices), so what the coordinator does per task does not grow with its sets.
 */
export interface SearchPlan {
  /** Where the trials are stored (the phase, or a composed phase's iteration or branch). */
  readonly label: string;
  readonly template: PhaseTemplate;
  /** One window, or (k_fold) one fold's train segments, each backtested on its own. */
  readonly windows: readonly BarWindow[];
  /** k_fold: a set's segment metrics combine (metrics/combine.ts) and its combined metrics rank it. */
  readonly combine: boolean;
  /** The market data's content hash (part of every trial key). */
  readonly dataHash: string;
  readonly periodsPerYear: number | null;
  readonly storeTrades: boolean;
  /** Which trades travel back: every stored row's (`rows`), the batch's top-k entries' (`top`, hybrid) or none. */
  readonly tradesIn: 'rows' | 'top' | 'none';
  readonly objective: Objective;
  readonly topK: number;
  /** signal_replay: the signal store, and why the generation of some keys failed. */
  readonly replay: { readonly dir: string; readonly failed?: Readonly<Record<string, string>> } | null;
  /** Event tracing of each batch (the event-driven topology then runs). */
  readonly trace: TraceSettings | null;
  /** Robustness statistics: each row carries its set's per-block return sums (see {@link BlockPlan}). */
  readonly blocks: BlockPlan | null;
  /** Adaptive searches: each reply carries these metrics of every point (NaN where infeasible, see `reportedValues`). */
  readonly report: readonly MetricName[] | null;
}

/** A plan as tasks carry it: its content hash and its msgpack bytes (on shared memory in a pool). */
export interface PlanRef {
  readonly id: string;
  readonly bytes: Uint8Array;
}

const packr = new Packr({ moreTypes: true, useRecords: false });

export function encodePlan(plan: SearchPlan, shared = true): PlanRef {
  const packed = packr.pack(plan);
  const bytes = shared ? new Uint8Array(new SharedArrayBuffer(packed.byteLength)) : new Uint8Array(packed.byteLength);
  bytes.set(packed);
  return { id: createHash('sha256').update(packed).digest('hex'), bytes };
}

export function decodePlan(ref: PlanRef): SearchPlan {
  // msgpackr reads from a Uint8Array view; a shared one is copied so the decoder never sees it change.
  return packr.unpack(Buffer.from(ref.bytes)) as SearchPlan;
}

/**
 * Which points of a plan a task evaluates: grid indices [from, to) (the sampler's constraints are
 * applied by the worker), or explicit grid indices (a random sample), in evaluation order.
 */
export type PointRange =
  { readonly from: number; readonly to: number; readonly points: null } | { readonly from: 0; readonly to: 0; readonly points: Float64Array };
