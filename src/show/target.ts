import type { MarketData } from '../data/series.js';
import { UserError } from '../errors.js';
import type { StageRecord } from '../report/run-record.js';
import { objectiveOf } from '../sequencer/plan-of.js';
import { windowParts } from '../sequencer/window-parts.js';
import type { BarWindow } from '../types.js';
import { bestStored } from './best.js';
import type { StoredTrial, StoredTrials } from './stored.js';

/** Which trial to show, as the command line asks for it. */
export interface ShowRequest {
  /** The trial number (grid index) in the stage, or undefined with `best`. */
  readonly trial?: number;
  readonly best: boolean;
  /** 1-based, as the summary lists windows, folds and splits; default the last. */
  readonly window?: number;
  /** The window's test part instead of its train part. */
  readonly test: boolean;
  /** 1-based among the part's segments; needed only when it has several. */
  readonly segment?: number;
}

/** The stored row to recompute and where it sits in its stage's sequence. */
export interface Target {
  readonly window: { readonly index: number; readonly of: number; readonly part: 'train' | 'test' | null; readonly segment: number; readonly segments: number };
  readonly bars: BarWindow;
  readonly trial: number;
  readonly row: StoredTrial;
}

const day = (data: MarketData, bar: number): string => new Date(data.time[bar]).toISOString().slice(0, 10);
export const barsText = (data: MarketData, w: BarWindow): string => `bars ${w.start}–${w.end} (${day(data, w.start)} → ${day(data, w.end - 1)})`;

/**
 * Finds the requested trial's stored row: the window (default the last, whose choice is the
 * phase's `best`), its train or test part, the segment, and the trial — given, or the one the run
 * chose on the window's train part (`--best`; on the test part, that choice's test run).
 */
export function targetOf(stage: StageRecord, data: MarketData, stored: StoredTrials, request: ShowRequest): Target {
  const windows = windowParts(stage.template, data);
  const index = request.window ?? windows.length;
  const name = `phase ${stage.label} (${stage.sequence})`;
  if (!Number.isInteger(index) || index < 1 || index > windows.length)
    throw new UserError(`show: --window ${index}: ${name} has ${windows.length === 1 ? 'one window' : `windows 1–${windows.length}`}`);
  const parts = windows[index - 1];
  if (request.test && parts.test.length === 0) throw new UserError(`show: --test: ${name} runs no test windows`);
  const segments = request.test ? parts.test : parts.train;
  const part = request.test ? 'test' : 'train';
  const segment = request.segment ?? (segments.length === 1 ? 1 : null);
  if (segment === null || !Number.isInteger(segment) || segment < 1 || segment > segments.length)
    throw new UserError(
      `show: ${request.segment === undefined ? '' : `--segment ${segment}: `}the ${part} part of window ${index} of ${name} has ${segments.length === 1 ? 'one segment' : `${segments.length} segments`}: ${segments
        .map((s, i) => `${i + 1}: ${barsText(data, s)}`)
        .join('; ')}; choose one with --segment`,
    );
  const bars = segments[segment - 1];
  const where = `the ${part} part of window ${index}/${windows.length} of ${name}${segments.length > 1 ? `, segment ${segment}` : ''}, ${barsText(data, bars)}`;
  const trial = request.best ? chosen(stage, stored, parts.train, index) : request.trial!;
  const row = stored.row(stage.label, bars, trial);
  if (row === null) {
    const e = stored.extent(stage.label, bars);
    throw new UserError(
      `show: trial ${trial} is not stored on ${where}${e.n === 0 ? ': nothing is stored there' : e.n === 1 ? `: only trial ${e.first} is` : `: ${e.n} trials are (numbers ${e.first}–${e.last})`}`,
    );
  }
  if (row.status !== 'ok')
    throw new UserError(
      `show: trial ${trial} on ${where} ${row.status === 'failed' ? `failed in the run: ${row.error ?? 'no error recorded'}` : `was ${row.status}`}`,
    );
  const shown = { index, of: windows.length, part: parts.test.length === 0 ? null : part, segment, segments: segments.length } as const;
  return { window: shown, bars, trial, row };
}

/** The trial the run chose on a window's train part (what `--best` shows). */
function chosen(stage: StageRecord, stored: StoredTrials, train: readonly BarWindow[], index: number): number {
  const config = stage.template.config;
  const trial = bestStored(stored, stage.label, train, objectiveOf(config), config.capital);
  if (trial === null)
    throw new UserError(`show: --best: no trial of window ${index} of phase ${stage.label} has a defined objective within the result constraints`);
  return trial;
}
