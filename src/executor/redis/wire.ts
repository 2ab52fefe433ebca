import { Packr } from 'msgpackr';
import type { TestReply, WorkReply } from '../../batch/work.js';
import type { BarWindow } from '../../types.js';

/**
 * What one job carries. BullMQ stores job data and return values as JSON (which turns -0 into 0
 * and NaN or ±Infinity into null), so anything numeric beyond plain integers travels
 * msgpack-packed and base64-encoded; the rest stays readable for anyone inspecting the queue.
 */
export interface JobData {
  /** fanfold version of the coordinator: a worker running another version refuses the job. */
  readonly version: string;
  readonly kind: 'work' | 'test';
  readonly dataKey: string;
  readonly dataHash: string;
  readonly planKey: string;
  readonly planId: string;
  readonly plugins: readonly string[];
  /** work: grid indices [from, to), or base64 float64 point indices; the key of the skipped points. */
  readonly from?: number;
  readonly to?: number;
  readonly points?: string;
  readonly skipKey?: string | null;
  /** test: the chosen set on a window. */
  readonly trial?: number;
  readonly window?: BarWindow;
  readonly recordCurve?: boolean;
  readonly trades?: boolean;
  readonly traceSegment?: string | null;
}

const packr = new Packr({ moreTypes: true, useRecords: false });

export function encodeFloats(values: Float64Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

export function decodeFloats(text: string): Float64Array {
  const bytes = Buffer.from(text, 'base64');
  const out = new Float64Array(bytes.byteLength / 8);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** A work or test reply as one base64 string; float64s bit-exact, the rows' bytes as they are. */
export function encodeReply(reply: WorkReply | TestReply): string {
  return Buffer.from(packr.pack(reply)).toString('base64');
}

export function decodeWorkReply(text: string): WorkReply {
  const r = packr.unpack(Buffer.from(text, 'base64')) as WorkReply;
  // The rows are handed on by transfer: they get a buffer of their own.
  const rows = new Uint8Array(r.rows.byteLength);
  rows.set(r.rows);
  return { ...r, rows };
}

export function decodeTestReply(text: string): TestReply {
  return packr.unpack(Buffer.from(text, 'base64')) as TestReply;
}
