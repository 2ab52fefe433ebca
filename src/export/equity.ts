import type { CpcvSummary, WalkForwardSummary } from '../sequencer/phase-result.js';
import { rerunBest } from '../report/best-run.js';
import { numberCell, type Cell, type Column, type Table } from './table.js';
import { marketOf, type PhaseSource, type RunSource } from './run-source.js';
import { STAGE_COLUMNS } from './trials.js';

const COLUMNS: readonly Column[] = [
  ...STAGE_COLUMNS,
  { name: 'curve', type: 'string' },
  { name: 'path', type: 'int32' },
  { name: 'trial', type: 'int64' },
  { name: 'bar', type: 'int32' },
  { name: 'time', type: 'timestamp' },
  { name: 'equity', type: 'double' },
];

/** One equity curve: equity at the close of bars `bars` (null where the bar is not known). */
interface Curve {
  readonly stage: string;
  readonly curve: 'best' | 'walk_forward' | 'cpcv_path';
  readonly path: number | null;
  readonly trial: number | null;
  readonly bars: ArrayLike<number> | null;
  readonly times: ArrayLike<number> | null;
  readonly equity: ArrayLike<number>;
}

/** The best set's curve on the window it was chosen on, re-run as the report does; or why there is none. */
async function bestCurve(source: RunSource, phase: PhaseSource): Promise<Curve | string> {
  const sequence = phase.result?.sequence;
  if (sequence === 'k_fold' || sequence === 'cpcv')
    return `a ${sequence} phase chooses a set per ${sequence === 'k_fold' ? 'fold' : 'split'}: no single best curve`;
  if (phase.result?.best === undefined || phase.best === undefined) return 'no best set recorded to re-run';
  const best = phase.best;
  // A composed branch may have run on other data than its phase.
  const other = best.data !== undefined && phase.dataRecord !== undefined && best.data.hash !== phase.dataRecord.hash ? best.data : null;
  const data = other !== null && phase.dataRecord !== undefined ? await source.dataOf({ ...phase.dataRecord, spec: other.spec, hash: other.hash }) : phase.data;
  if (!('data' in data)) return `the best set was not re-run: ${data.reason}`;
  try {
    const r = await rerunBest(source.contents.record, best, data.data);
    const start = best.window[0];
    return {
      stage: best.label ?? phase.name,
      curve: 'best',
      path: null,
      trial: best.trial,
      bars: Float64Array.from(r.equity, (_, i) => start + i),
      times: r.time,
      equity: r.equity,
    };
  } catch (error) {
    return `re-running the best set failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Walk-forward's stitched out-of-sample equity, one value per test bar, windows in order. */
function walkForwardCurve(phase: PhaseSource): Curve | null {
  const wf = phase.result?.walk_forward as WalkForwardSummary | undefined;
  const windows = phase.result?.windows;
  if (wf === undefined || windows === undefined) return null;
  const bars = windows.flatMap((w) => Array.from({ length: w.test[1] - w.test[0] }, (_, i) => w.test[0] + i));
  const known = bars.length === wf.oos_equity.length;
  const times = marketOf(phase)?.time;
  return {
    stage: phase.name,
    curve: 'walk_forward',
    path: null,
    trial: null,
    bars: known ? bars : null,
    times: known && times ? bars.map((b) => times[b]) : null,
    equity: wf.oos_equity,
  };
}

/** CPCV's paths: each path's stitched equity at every bar's close from the first group's first bar. */
function cpcvCurves(phase: PhaseSource): Curve[] {
  const cv = phase.result?.cpcv as CpcvSummary | undefined;
  if (cv === undefined) return [];
  const first = cv.group_bounds[0]?.[0] ?? 0;
  const times = marketOf(phase)?.time;
  return cv.path_equity.map((equity, p) => {
    const bars = Array.from(equity, (_, i) => first + i);
    return { stage: phase.name, curve: 'cpcv_path', path: p + 1, trial: null, bars, times: times ? bars.map((b) => times[b]) : null, equity };
  });
}

/**
 * `equity`: the phase's equity curves, one row per bar: `best` (its best set re-run on the window it
 * was chosen on, as the report does: the run itself keeps no per-trial curves), `walk_forward` (the
 * stitched out-of-sample equity) and `cpcv_path` (each path, numbered by `path`).
 */
export async function equityTable(source: RunSource, phase: PhaseSource): Promise<Table> {
  const curves: Curve[] = [];
  const notes: string[] = [];
  const best = await bestCurve(source, phase);
  if (typeof best === 'string') notes.push(`best curve: ${best}`);
  else curves.push(best);
  const wf = walkForwardCurve(phase);
  if (wf !== null) curves.push(wf);
  curves.push(...cpcvCurves(phase));
  function* rows(): Generator<Cell[]> {
    for (const c of curves)
      for (let i = 0; i < c.equity.length; i++)
        yield [phase.name, c.stage, c.curve, c.path, c.trial, c.bars ? c.bars[i] : null, c.times ? c.times[i] : null, numberCell(c.equity[i])];
  }
  return {
    name: 'equity',
    columns: COLUMNS,
    rows: rows(),
    emptyReason: `no equity curves (${notes.length > 0 ? notes.join('; ') : 'none kept'})`,
    notes: curves.length > 0 ? notes : [],
  };
}
