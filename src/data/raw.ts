/**
 * One symbol's bars as read from a file, before alignment onto a shared timeline: columns of equal
 * length, `time` in UTC milliseconds and strictly increasing. The loaders put each column on its
 * own SharedArrayBuffer, which `alignSeries` then adopts without a copy: a RawSeries is not to be
 * changed once aligned.
 */
export interface RawSeries {
  readonly symbol: string;
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}
