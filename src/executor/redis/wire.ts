import { pack, unpack } from 'msgpackr';
import type { ParameterSet } from '../../engine/spec.js';
import type { Trade } from '../../engine/trade.js';
import { METRIC_NAMES, type Metrics } from '../../metrics/metrics.js';
import type { SetResult, TopologyOptions } from '../../topology/topology.js';

/**
 * What one batch job carries (BullMQ stores job data and return values as JSON, which turns -0 into
 * 0 and NaN or ±Infinity into null): the parts JSON can't carry exactly travel msgpack-packed and
 * base64-encoded; the rest stays readable for anyone inspecting the queue.
 */
export interface BatchJobData {
  /** fanfold version of the coordinator: a worker running another version refuses the job. */
  readonly version: string;
  readonly dataKey: string;
  readonly dataHash: string;
  /** Trial keys of the sets, in order: let a restarted coordinator reuse a finished job's results. */
  readonly keys: readonly string[];
  readonly scope: string;
  /** base64 msgpack of {@link BatchPayload}. */
  readonly payload: string;
}

export type BatchOptions = Pick<TopologyOptions, 'window' | 'periodsPerYear' | 'storeTrades'>;

export interface BatchPayload {
  readonly sets: readonly ParameterSet[];
  readonly options: BatchOptions;
  readonly plugins: readonly string[];
}

export function encodePayload(p: BatchPayload): string {
  return Buffer.from(pack(p)).toString('base64');
}

export function decodePayload(text: string): BatchPayload {
  return unpack(Buffer.from(text, 'base64')) as BatchPayload;
}

const WIDTH = METRIC_NAMES.length;

/**
 * A batch's results as one base64 string: metric rows as little-endian float64 bytes (bit-exact,
 * null as NaN like the pool's shared summary rows) and the trade lists msgpack-packed like the pool's.
 */
export function encodeReply(results: readonly SetResult[]): string {
  const rows = Buffer.alloc(results.length * WIDTH * 8);
  for (let i = 0; i < results.length; i++) {
    const m = results[i].metrics;
    for (let j = 0; j < WIDTH; j++) {
      const v = m[METRIC_NAMES[j]];
      rows.writeDoubleLE(v === null ? NaN : v, (i * WIDTH + j) * 8);
    }
  }
  const withTrades = results.some((r) => r.trades !== null);
  return Buffer.from(pack({ n: results.length, rows, trades: withTrades ? pack(results.map((r) => r.trades)) : null })).toString('base64');
}

export function decodeReply(text: string): SetResult[] {
  const reply = unpack(Buffer.from(text, 'base64')) as { n: number; rows: Uint8Array; trades: Uint8Array | null };
  const rows = Buffer.from(reply.rows.buffer, reply.rows.byteOffset, reply.rows.byteLength);
  if (rows.byteLength !== reply.n * WIDTH * 8) throw new Error(`batch reply: ${rows.byteLength} bytes of metrics for ${reply.n} sets`);
  const trades = reply.trades ? (unpack(reply.trades) as (Trade[] | null)[]) : null;
  const out: SetResult[] = [];
  for (let i = 0; i < reply.n; i++) {
    const metrics = {} as Record<string, number | null>;
    for (let j = 0; j < WIDTH; j++) {
      const v = rows.readDoubleLE((i * WIDTH + j) * 8);
      metrics[METRIC_NAMES[j]] = v !== v ? null : v;
    }
    out.push({ metrics: metrics as unknown as Metrics, trades: trades ? trades[i] : null });
  }
  return out;
}
