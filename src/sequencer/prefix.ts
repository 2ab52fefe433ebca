import type { BarWindow } from '../types.js';

/**
 * The first `fraction` of a plan's bars, as windows: the windows concatenated in order, cut after
 * round(fraction · bars) bars (a window cut short ends early; later ones are left out). A pruner's
 * rung evaluates its trials on this history prefix. Every window kept has at least two bars (one return).
 */
export function prefixWindows(windows: readonly BarWindow[], fraction: number): BarWindow[] {
  const total = windows.reduce((a, w) => a + (w.end - w.start), 0);
  let left = Math.max(2, Math.round(fraction * total));
  const out: BarWindow[] = [];
  for (const w of windows) {
    if (left < 2) break;
    const take = Math.min(w.end - w.start, left);
    if (take >= 2) out.push({ start: w.start, end: w.start + take });
    left -= take;
  }
  return out;
}

/** Seconds of a `search.timeout` (a number of seconds, or 45s, 30m, 8h, 1d). */
export function timeoutSeconds(timeout: number | string): number {
  if (typeof timeout === 'number') return timeout;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$/.exec(timeout)!;
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}
