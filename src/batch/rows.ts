import { Packr } from 'msgpackr';
import { METRIC_NAMES } from '../types.js';

/**
 * The rows a batch adds to results.db, column by column: row r is point `trial[r]` on plan window
 * `window[r]`. Metrics are the JSON metrics with null as NaN; `keys` holds 64 hex digits per row;
 * `trades`, when rows carry them, is each row's msgpack-packed trade list (the blob file's bytes).
 */
export interface StoredRows {
  readonly label: string;
  readonly windows: readonly (readonly [number, number])[];
  readonly window: Int32Array;
  readonly trial: Float64Array;
  readonly keys: string;
  readonly params: readonly string[];
  readonly metrics: Float64Array;
  readonly trades: readonly (Uint8Array | null)[] | null;
  /** The robustness statistics' input per point (rows 0..points−1 are the points on window 0), or none. */
  readonly points: PointStats | null;
}

/** Per point of a batch: its objective over the plan's windows, whether it is eligible, its block sums. */
export interface PointStats {
  /** The plan's block signature (which searches' statistics these are). */
  readonly signature: string;
  readonly objective: Float64Array;
  readonly eligible: Uint8Array;
  /** `sums.length / points` values per point: Σr, Σr² per block. */
  readonly sums: Float64Array;
  /** The first CSCV pass over these points (robustness/pbo.ts `Cscv.partial`). */
  readonly partial: Float64Array;
}

export const ROW_WIDTH = METRIC_NAMES.length;

const packr = new Packr({ moreTypes: true, useRecords: false });

/** A trade list as a row's blob (the trades file's bytes). */
export function packTrades(trades: unknown): Uint8Array {
  return packr.pack(trades);
}

const MAGIC = 0x46524f57; // "FROW"
const HEADER = 12; // int32s
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const align8 = (n: number): number => (n + 7) & ~7;

/**
 * Rows as one buffer of their own (so they can be transferred, and stored in Redis, as they are):
 * a header, then the columns as float64/int32 arrays at 8-byte boundaries, the keys as ASCII, the
 * params as one UTF-8 text with offsets, and the trade blobs with offsets. A fixed layout rather
 * than msgpack: the rows of every batch pass through it, in the workers and in the results thread.
 */
export function packRows(rows: StoredRows): Uint8Array {
  const n = rows.trial.length;
  const w = rows.windows.length;
  const label = encoder.encode(rows.label);
  const paramsText = rows.params.join('');
  const params = encoder.encode(paramsText);
  const trades = rows.trades;
  const tradeBytes = trades === null ? 0 : trades.reduce((a, t) => a + (t?.byteLength ?? 0), 0);
  let size = HEADER * 4;
  const at = {
    windows: size,
    window: (size += 16 * w),
    trial: (size += align8(4 * n)),
    metrics: (size += 8 * n),
    keys: (size += 8 * n * ROW_WIDTH),
    paramOffsets: (size += align8(64 * n)),
    label: (size += align8(4 * (n + 1))),
    params: (size += align8(label.byteLength)),
    tradeOffsets: (size += align8(params.byteLength)),
    trades: (size += trades === null ? 0 : align8(4 * (n + 1))),
  };
  size += align8(tradeBytes);
  const pts = rows.points;
  const pointCount = pts === null ? 0 : pts.objective.length;
  const width = pts === null || pointCount === 0 ? 0 : pts.sums.length / pointCount;
  const signature = encoder.encode(pts?.signature ?? '');
  const partialLength = pts === null ? 0 : pts.partial.length;
  const pointsAt = {
    signature: size,
    objective: (size += align8(signature.byteLength)),
    sums: (size += 8 * pointCount),
    partial: (size += 8 * pointCount * width),
    eligible: (size += 8 * partialLength),
  };
  size += align8(pointCount);
  const buffer = new ArrayBuffer(size);
  const bytes = new Uint8Array(buffer);
  const header = new Int32Array(buffer, 0, HEADER);
  header.set([
    MAGIC,
    n,
    w,
    label.byteLength,
    params.byteLength,
    trades === null ? 0 : 1,
    tradeBytes,
    pts === null ? -1 : pointCount,
    width,
    signature.byteLength,
    partialLength,
    0,
  ]);
  if (pts !== null) {
    bytes.set(signature, pointsAt.signature);
    new Float64Array(buffer, pointsAt.objective, pointCount).set(pts.objective);
    new Float64Array(buffer, pointsAt.sums, pointCount * width).set(pts.sums.subarray(0, pointCount * width));
    new Float64Array(buffer, pointsAt.partial, partialLength).set(pts.partial);
    bytes.set(pts.eligible.subarray(0, pointCount), pointsAt.eligible);
  }
  const windows = new Float64Array(buffer, at.windows, 2 * w);
  rows.windows.forEach(([s, e], i) => {
    windows[2 * i] = s;
    windows[2 * i + 1] = e;
  });
  new Int32Array(buffer, at.window, n).set(rows.window);
  new Float64Array(buffer, at.trial, n).set(rows.trial);
  new Float64Array(buffer, at.metrics, n * ROW_WIDTH).set(rows.metrics);
  bytes.set(encoder.encode(rows.keys), at.keys);
  // Offsets in UTF-16 units of the joined text (JSON of numbers and names is ASCII; the text decodes back whole).
  const offsets = new Int32Array(buffer, at.paramOffsets, n + 1);
  for (let r = 0, o = 0; r < n; r++) {
    offsets[r] = o;
    o += rows.params[r].length;
    offsets[r + 1] = o;
  }
  bytes.set(label, at.label);
  bytes.set(params, at.params);
  if (trades !== null) {
    const tradeOffsets = new Int32Array(buffer, at.tradeOffsets, n + 1);
    let o = 0;
    for (let r = 0; r < n; r++) {
      tradeOffsets[r] = trades[r] === null ? -1 : o;
      const t = trades[r];
      if (t) {
        bytes.set(t, at.trades + o);
        o += t.byteLength;
      }
    }
    tradeOffsets[n] = o;
  }
  return bytes;
}

export function unpackRows(bytes: Uint8Array): StoredRows {
  // Views need 8-byte alignment: bytes taken out of a larger buffer are copied first.
  const own = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  const buffer = own.buffer;
  const base = own.byteOffset;
  const header = new Int32Array(buffer, base, HEADER);
  if (header[0] !== MAGIC) throw new Error('not a batch of packed rows');
  const [, n, w, labelBytes, paramBytes, hasTrades, tradeBytes, pointCount, width, signatureBytes, partialLength] = header;
  let at = base + HEADER * 4;
  const windowsAt = at;
  const windowAt = (at += 16 * w);
  const trialAt = (at += align8(4 * n));
  const metricsAt = (at += 8 * n);
  const keysAt = (at += 8 * n * ROW_WIDTH);
  const offsetsAt = (at += align8(64 * n));
  const labelAt = (at += align8(4 * (n + 1)));
  const paramsAt = (at += align8(labelBytes));
  const tradeOffsetsAt = (at += align8(paramBytes));
  const tradesAt = at + (hasTrades ? align8(4 * (n + 1)) : 0);
  const flat = new Float64Array(buffer, windowsAt, 2 * w);
  const windows: [number, number][] = [];
  for (let i = 0; i < w; i++) windows.push([flat[2 * i], flat[2 * i + 1]]);
  const u8 = new Uint8Array(buffer);
  const text = decoder.decode(u8.subarray(paramsAt, paramsAt + paramBytes));
  const offsets = new Int32Array(buffer, offsetsAt, n + 1);
  const params: string[] = new Array(n);
  for (let r = 0; r < n; r++) params[r] = text.slice(offsets[r], offsets[r + 1]);
  let trades: (Uint8Array | null)[] | null = null;
  if (hasTrades) {
    const tradeOffsets = new Int32Array(buffer, tradeOffsetsAt, n + 1);
    trades = new Array(n);
    for (let r = 0; r < n; r++) {
      if (tradeOffsets[r] < 0) {
        trades[r] = null;
        continue;
      }
      let end = tradeBytes;
      for (let q = r + 1; q <= n; q++)
        if (tradeOffsets[q] >= 0) {
          end = tradeOffsets[q];
          break;
        }
      trades[r] = u8.subarray(tradesAt + tradeOffsets[r], tradesAt + end);
    }
  }
  return {
    label: decoder.decode(u8.subarray(labelAt, labelAt + labelBytes)),
    windows,
    window: new Int32Array(buffer, windowAt, n),
    trial: new Float64Array(buffer, trialAt, n),
    keys: Buffer.from(buffer, keysAt, 64 * n).toString('latin1'),
    params,
    metrics: new Float64Array(buffer, metricsAt, n * ROW_WIDTH),
    trades,
    points: pointCount < 0 ? null : pointsOf(u8, buffer, tradesAt + align8(tradeBytes), pointCount, width, signatureBytes, partialLength),
  };
}

function pointsOf(
  u8: Uint8Array,
  buffer: ArrayBufferLike,
  at: number,
  count: number,
  width: number,
  signatureBytes: number,
  partialLength: number,
): PointStats {
  const objectiveAt = at + align8(signatureBytes);
  const sumsAt = objectiveAt + 8 * count;
  const partialAt = sumsAt + 8 * count * width;
  const eligibleAt = partialAt + 8 * partialLength;
  return {
    signature: decoder.decode(u8.subarray(at, at + signatureBytes)),
    objective: new Float64Array(buffer, objectiveAt, count),
    sums: new Float64Array(buffer, sumsAt, count * width),
    partial: new Float64Array(buffer, partialAt, partialLength),
    eligible: u8.subarray(eligibleAt, eligibleAt + count),
  };
}
