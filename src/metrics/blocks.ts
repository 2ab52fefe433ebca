/**
 * Where the robustness statistics cut a search window's bar returns: `count` contiguous blocks over
 * `total` returns, block j = returns [⌊j·total/count⌋, ⌊(j+1)·total/count⌋). A k_fold plan's train
 * segments are backtested one by one; their returns are numbered as if concatenated, so a segment
 * starts at `offset` (the returns of the segments before it).
 */
export interface BlockSpec {
  readonly count: number;
  readonly total: number;
  readonly offset: number;
}

/** First return index of block j. */
export function blockEdge(spec: { readonly count: number; readonly total: number }, j: number): number {
  return Math.floor((j * spec.total) / spec.count);
}

/**
 * Per-block sums of the bar returns (Σr, Σr²) of several portfolios that see the same bars: the
 * sufficient statistics of every per-period Sharpe ratio over a union of blocks. Nothing is added
 * per bar: the metrics already keep each portfolio's Welford mean and m2 of its returns, so when a
 * block ends its sums are the differences of the cumulative Σr = k·mean and Σr² = m2 + k·mean²
 * since the previous block's end (a few ulps of the cumulative sums apart from adding the block's
 * returns one by one). `sums` holds portfolio p's block j at [p·2·count + 2j] (Σr) and [+1] (Σr²).
 */
export class ReturnBlocks {
  private readonly sums: Float64Array;
  private readonly stride: number;
  private readonly last1: Float64Array;
  private readonly last2: Float64Array;
  private index: number;
  private block = -1;
  private closing = -1;
  private nextEdge = 0;

  constructor(
    portfolios: number,
    private readonly spec: BlockSpec,
  ) {
    this.stride = 2 * spec.count;
    this.sums = new Float64Array(portfolios * this.stride);
    this.last1 = new Float64Array(portfolios);
    this.last2 = new Float64Array(portfolios);
    this.index = spec.offset;
  }

  /**
   * Call once per bar return, before the portfolios' moments take it in: true when a block ends
   * here, and then `cut` must be called for every portfolio with its moments so far.
   */
  next(): boolean {
    const i = this.index++;
    if (this.block >= 0 && (this.block >= this.spec.count - 1 || i < this.nextEdge)) return false;
    this.closing = this.block;
    let j = Math.max(this.block, 0);
    while (j < this.spec.count - 1 && i >= blockEdge(this.spec, j + 1)) j++;
    this.block = j;
    this.nextEdge = blockEdge(this.spec, j + 1);
    return this.closing >= 0;
  }

  /** Closes the ending block of portfolio p, whose `count` returns so far have Welford mean and m2. */
  cut(p: number, count: number, mean: number, m2: number): void {
    this.close(p, this.closing, count, mean, m2);
  }

  /** After the last return: closes the running block of portfolio p. */
  finish(p: number, count: number, mean: number, m2: number): void {
    if (this.block >= 0) this.close(p, this.block, count, mean, m2);
  }

  private close(p: number, block: number, count: number, mean: number, m2: number): void {
    const s1 = count * mean;
    const s2 = m2 + s1 * mean;
    const at = p * this.stride + 2 * block;
    // Adding: a k_fold segment may end inside a block the next segment continues.
    this.sums[at] += s1 - this.last1[p];
    this.sums[at + 1] += s2 - this.last2[p];
    this.last1[p] = s1;
    this.last2[p] = s2;
  }

  /** Portfolio p's block sums (a view; call `finish` first). */
  of(p: number): Float64Array {
    return this.sums.subarray(p * this.stride, (p + 1) * this.stride);
  }
}
