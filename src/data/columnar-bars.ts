import { DataError } from '../errors.js';
import { isPrice, isVolume, priceProblemOf, rowProblem, volumeProblemOf } from './bar-rules.js';
import type { ValueName } from './columns.js';
import { reporterOf, type BadRows } from './problems.js';
import type { RawSeries } from './raw.js';
import { sharedColumn } from './series.js';

/** One batch of one column of a columnar file (a Parquet row group, an Arrow record batch). */
export interface ColumnChunk {
  readonly length: number;
  /** Writes the values as numbers into out[at, at + length): times as UTC ms; NaN where there is none. */
  write(out: Float64Array, at: number): void;
  /** Whether row i is null; asked only of rows that failed a check. */
  isNull(i: number): boolean;
  /** Row i as the file holds it, for messages; asked only of the rows a message names. */
  text(i: number): string;
}

export type BarChunks = Readonly<Record<'time' | ValueName, ColumnChunk>>;

/**
 * Gathers a columnar file's bars batch by batch into shared columns sized once for the whole file,
 * and holds every row to the rules the CSV loader applies, in its order: the time, its order, open,
 * high, low, close, volume, then high ≥ low. Rows are counted from 1, the first row of data.
 */
export class ColumnarBars {
  private readonly time: Float64Array;
  private readonly open: Float64Array;
  private readonly high: Float64Array;
  private readonly low: Float64Array;
  private readonly close: Float64Array;
  private readonly volume: Float64Array;
  /** Bars kept, and rows seen. */
  private n = 0;
  private rows = 0;
  /** The last kept row as the file has it, once its batch is gone. */
  private lastText = '';
  private readonly fail: (row: number, reason: string) => void;

  constructor(
    private readonly source: string,
    private readonly capacity: number,
    private readonly timeName: string,
    private readonly bad?: BadRows,
  ) {
    this.time = sharedColumn(capacity);
    this.open = sharedColumn(capacity);
    this.high = sharedColumn(capacity);
    this.low = sharedColumn(capacity);
    this.close = sharedColumn(capacity);
    this.volume = sharedColumn(capacity);
    this.fail = reporterOf(source, bad);
  }

  add(chunks: BarChunks): void {
    const len = chunks.time.length;
    const base = this.n;
    if (base + len > this.capacity) throw new DataError(this.source, null, `holds more rows than its metadata says (${this.capacity})`);
    const { time: T, open: O, high: H, low: L, close: C, volume: V } = this;
    chunks.time.write(T, base);
    chunks.open.write(O, base);
    chunks.high.write(H, base);
    chunks.low.write(L, base);
    chunks.close.write(C, base);
    chunks.volume.write(V, base);
    // Bad rows are dropped by moving each kept row down to w, the count kept so far.
    let w = base;
    let lastKept = -1;
    let prev = w > 0 ? T[w - 1] : -Infinity;
    for (let i = 0; i < len; i++) {
      const j = base + i;
      const t = T[j];
      const o = O[j];
      const h = H[j];
      const l = L[j];
      const c = C[j];
      const v = V[j];
      if (!(t > prev && isPrice(o) && isPrice(h) && isPrice(l) && isPrice(c) && isVolume(v) && h >= l)) {
        const previous = (): string => (lastKept >= 0 ? chunks.time.text(lastKept) : this.lastText);
        this.fail(this.rows + i + 1, this.problemOf(chunks, i, j, prev, previous));
        continue;
      }
      if (w !== j) {
        T[w] = t;
        O[w] = o;
        H[w] = h;
        L[w] = l;
        C[w] = c;
        V[w] = v;
      }
      prev = t;
      lastKept = i;
      w++;
    }
    if (lastKept >= 0) this.lastText = chunks.time.text(lastKept);
    this.n = w;
    this.rows += len;
  }

  finish(symbol: string): RawSeries {
    const n = this.n;
    if (n === 0 && (this.bad === undefined || this.bad.total === 0)) throw new DataError(this.source, null, 'empty file: no bars');
    const fit = (col: Float64Array): Float64Array => (n === this.capacity ? col : col.slice(0, n));
    return { symbol, time: fit(this.time), open: fit(this.open), high: fit(this.high), low: fit(this.low), close: fit(this.close), volume: fit(this.volume) };
  }

  /** The first rule row i (at j in the columns) breaks. */
  private problemOf(chunks: BarChunks, i: number, j: number, prev: number, previous: () => string): string {
    const t = this.time[j];
    if (Number.isNaN(t)) return chunks.time.isNull(i) ? rowProblem.emptyValue(this.timeName) : rowProblem.notATime(this.timeName, chunks.time.text(i));
    if (!(t > prev)) return rowProblem.notAfter(chunks.time.text(i), previous());
    for (const col of ['open', 'high', 'low', 'close'] as const) {
      const v = this[col][j];
      if (!isPrice(v)) return priceProblemOf(col, chunks[col].isNull(i) ? null : v);
    }
    const v = this.volume[j];
    if (!isVolume(v)) return volumeProblemOf(chunks.volume.isNull(i) ? null : v);
    return rowProblem.highBelowLow(this.high[j], this.low[j]);
  }
}
