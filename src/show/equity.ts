/** The equity curve of a trial's window in a few figures, each with the bar it occurred at (UTC ISO time). */
export interface EquitySummary {
  readonly bars: number;
  readonly start: { readonly time: string; readonly equity: number };
  readonly end: { readonly time: string; readonly equity: number };
  readonly min: { readonly time: string; readonly equity: number };
  readonly max: { readonly time: string; readonly equity: number };
  /**
   * max_t (1 − E_t / max(E_0..E_t)) as DESIGN.md section 5 defines max_drawdown (the peak starts at
   * E_0), with the peak and the trough of the deepest drawdown; both null when equity never fell.
   */
  readonly max_drawdown: { readonly value: number; readonly peak: string | null; readonly trough: string | null };
}

const iso = (t: number): string => new Date(t).toISOString();

/** `time` and `equity` are the window's bar times and the equity at each bar's close (at least one bar). */
export function equitySummary(time: ArrayLike<number>, equity: ArrayLike<number>): EquitySummary {
  const n = equity.length;
  let lo = 0;
  let hi = 0;
  let peak = equity[0];
  let peakAt = 0;
  let drawdown = 0;
  let from = -1;
  let to = -1;
  for (let t = 0; t < n; t++) {
    const e = equity[t];
    if (e < equity[lo]) lo = t;
    if (e > equity[hi]) hi = t;
    if (e > peak) {
      peak = e;
      peakAt = t;
    }
    const dd = 1 - e / peak;
    if (dd > drawdown) {
      drawdown = dd;
      from = peakAt;
      to = t;
    }
  }
  const at = (t: number): { time: string; equity: number } => ({ time: iso(time[t]), equity: equity[t] });
  return {
    bars: n,
    start: at(0),
    end: at(n - 1),
    min: at(lo),
    max: at(hi),
    max_drawdown: { value: drawdown, peak: from < 0 ? null : iso(time[from]), trough: to < 0 ? null : iso(time[to]) },
  };
}
