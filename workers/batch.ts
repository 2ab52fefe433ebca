/**
 * The task module of Piscina's workers (compiled to dist/workers/batch.js, loaded by entry.cjs):
 * runs a part of a search (batch/work.ts) — building its parameter sets from the plan, running
 * them over market data shared by SharedArrayBuffer with feature columns shared by every worker —
 * and hands back the packed rows by transfer, so neither thread copies them.
 */
import { threadId } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { runTest, runWork, type TestReply, type TestTask, type WorkReply, type WorkTask } from '../src/batch/work.js';
import type { MarketData } from '../src/data/series.js';
import type { ParameterSet } from '../src/types.js';
import { SharedColumns, type SharedColumnsHandle } from '../src/features/shared-columns.js';
import { loadPluginsOnce } from '../src/plugins/load.js';
import { generateSignals, type SignalInfo } from '../src/batch/generate-signals.js';
import { useColumns } from '../src/topology/run-sets.js';
import type { TopologyOptions } from '../src/topology/topology.js';

interface Common {
  readonly plugins: readonly string[];
  readonly columns: SharedColumnsHandle;
  /** The pool recycles workers past a heap ceiling: report the heap used (reading it costs a system call). */
  readonly measureHeap: boolean;
}

export type PoolTaskBody =
  | { readonly kind: 'work'; readonly task: WorkTask }
  | { readonly kind: 'test'; readonly task: TestTask }
  | {
      readonly kind: 'generate';
      readonly data: MarketData;
      readonly sets: readonly ParameterSet[];
      readonly options: Pick<TopologyOptions, 'window' | 'trace'>;
      readonly dir: string;
    };

export type PoolTask = PoolTaskBody & Common;

export interface PoolReply {
  readonly threadId: number;
  readonly heapUsed: number;
  readonly work?: WorkReply;
  readonly test?: TestReply;
  readonly signals?: SignalInfo[];
}

/** A reply whose packed rows travel by transfer (Piscina's Transferable protocol). */
class Carrier {
  constructor(
    private readonly value: PoolReply,
    private readonly buffers: ArrayBuffer[],
  ) {}
  get [transferableSymbol](): ArrayBuffer[] {
    return this.buffers;
  }
  get [valueSymbol](): PoolReply {
    return this.value;
  }
}

let columnsOf: string | null = null;

export default async function runTask(t: PoolTask): Promise<PoolReply> {
  if (t.plugins.length > 0) await loadPluginsOnce(t.plugins);
  if (columnsOf !== t.columns.id) {
    useColumns(new SharedColumns(t.columns));
    columnsOf = t.columns.id;
  }
  const base = (): { threadId: number; heapUsed: number } => ({ threadId, heapUsed: t.measureHeap ? process.memoryUsage().heapUsed : 0 });
  if (t.kind === 'work') {
    const work = runWork(t.task);
    // piscina unwraps a Transferable wrapper (valueSymbol) before the reply reaches the pool: what
    // the caller receives is the PoolReply, while the function hands piscina the Carrier.
    // eslint-disable-next-line no-restricted-syntax -- as above
    return move(new Carrier({ ...base(), work }, [work.rows.buffer as ArrayBuffer])) as unknown as PoolReply;
  }
  if (t.kind === 'test') return { ...base(), test: runTest(t.task) };
  return { ...base(), signals: generateSignals(t.data, t.sets, { ...t.options, dir: t.dir }) };
}
