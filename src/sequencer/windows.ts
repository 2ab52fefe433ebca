import { UserError } from '../errors.js';

/**
 * Walk-forward windows, counted in bars. A length is a bar count or a duration (`2y`, `6mo`, `3w`,
 * `30d`) converted with the periods per year of the data: bars = round(years × periods per year),
 * where a year is 365.25 days, a month 1/12 year, a week 7 days — so `1y` of daily bars is 252 bars
 * and `6mo` is 126, whatever weekends and holidays the calendar holds.
 *
 * Rolling: train [s, s + train), then `gap` bars left out (purge), then test [s + train + gap,
 * … + test); the next window starts `step` bars later (default: the test length, so test windows
 * tile the data). Anchored: every train window starts at bar 0 and grows by `step`. A window whose
 * test part would run past the data is not formed.
 */
export interface WalkForwardSpec {
  readonly train: number | string;
  readonly test: number | string;
  readonly step?: number | string;
  readonly gap?: number | string;
  readonly anchored?: boolean;
}

export interface Window {
  readonly train: readonly [number, number];
  readonly test: readonly [number, number];
}

const UNITS: Record<string, number> = { y: 1, mo: 1 / 12, w: 7 / 365.25, d: 1 / 365.25 };

export function barsOf(value: number | string, periodsPerYear: number, what: string): number {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0)
      throw new UserError(`sequence.${what}: expected a whole number of bars or a duration like 2y, 6mo, 30d; got ${value}`);
    return value;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*(y|mo|w|d)\s*$/.exec(value);
  if (!m) throw new UserError(`sequence.${what}: cannot read '${value}' as a duration; use a bar count or a number with y, mo, w or d (2y, 6mo, 3w, 30d)`);
  return Math.round(Number(m[1]) * UNITS[m[2]] * periodsPerYear);
}

export function walkForwardWindows(bars: number, spec: WalkForwardSpec, periodsPerYear: number): Window[] {
  const train = barsOf(spec.train, periodsPerYear, 'train');
  const test = barsOf(spec.test, periodsPerYear, 'test');
  const step = spec.step === undefined ? test : barsOf(spec.step, periodsPerYear, 'step');
  const gap = spec.gap === undefined ? 0 : barsOf(spec.gap, periodsPerYear, 'gap');
  if (train < 1 || test < 1 || step < 1) throw new UserError(`sequence: train (${train}), test (${test}) and step (${step}) must each be at least one bar`);
  const windows: Window[] = [];
  for (let k = 0; ; k++) {
    const trainStart = spec.anchored ? 0 : k * step;
    const trainEnd = spec.anchored ? train + k * step : trainStart + train;
    const testStart = trainEnd + gap;
    const testEnd = testStart + test;
    if (testEnd > bars) break;
    windows.push({ train: [trainStart, trainEnd], test: [testStart, testEnd] });
  }
  if (windows.length === 0) throw new UserError(`sequence: no walk-forward window fits in ${bars} bars (train ${train} + gap ${gap} + test ${test})`);
  return windows;
}
