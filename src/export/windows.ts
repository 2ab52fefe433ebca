import type { MetricsJson } from '../contract.js';
import { METRIC_NAMES } from '../types.js';
import type { CpcvSummary, KFoldSummary } from '../sequencer/phase-result.js';
import { kindOf, paramCell, paramColumnType, type Cell, type Column, type Table, type ValueKind } from './table.js';
import type { PhaseSource } from './run-source.js';
import { metricColumns } from './trials.js';

/** One out-of-sample test of a windowed phase, whatever its sequence calls it. */
interface WindowRow {
  /** The window, fold or split number (1-based). */
  readonly window: number;
  /** cpcv: the test group (1-based) of this row; a split tests several. */
  readonly testGroup: number | null;
  readonly train: readonly (readonly [number, number])[];
  readonly test: readonly [number, number];
  readonly params: Record<string, unknown> | null;
  readonly trainMetrics: MetricsJson | null;
  readonly testMetrics: MetricsJson | null;
}

function windowRows(phase: PhaseSource): WindowRow[] {
  const result = phase.result;
  if (result === undefined) return [];
  const kFold = result.k_fold as KFoldSummary | undefined;
  const cpcv = result.cpcv as CpcvSummary | undefined;
  if (kFold !== undefined)
    return kFold.folds.map((f) => ({
      window: f.fold,
      testGroup: null,
      train: f.train_segments,
      test: f.test,
      params: f.best?.params ?? null,
      trainMetrics: f.best?.metrics ?? null,
      testMetrics: f.test_metrics,
    }));
  if (cpcv !== undefined)
    return cpcv.splits.flatMap((s) =>
      s.test_groups.map((g, j) => ({
        window: s.split,
        testGroup: g,
        train: s.train_segments,
        test: cpcv.group_bounds[g - 1],
        params: s.best?.params ?? null,
        trainMetrics: s.best?.metrics ?? null,
        testMetrics: s.test_metrics[j] ?? null,
      })),
    );
  return (result.windows ?? []).map((w, i) => ({
    window: i + 1,
    testGroup: null,
    train: [w.train],
    test: w.test,
    params: w.best?.params ?? null,
    trainMetrics: w.best?.metrics ?? null,
    testMetrics: w.test_metrics,
  }));
}

/** The chosen sets' parameters as columns, typed from the values they take (table.ts paramColumnType). */
function paramColumns(rows: readonly WindowRow[]): Column[] {
  const kinds = new Map<string, ValueKind[]>();
  for (const r of rows) for (const [k, v] of Object.entries(r.params ?? {})) kinds.set(k, [...(kinds.get(k) ?? []), kindOf(v)]);
  return [...kinds.entries()].map(([name, k]) => ({ name, type: paramColumnType(k) }));
}

/**
 * `windows`: one row per out-of-sample test of a windowed phase — a walk_forward or train_test
 * window, a k_fold fold, a cpcv split's test group — with its train bars (one range, or the
 * segments as JSON), its test bars, the set chosen on the train bars with its train metrics
 * (combined over the segments) and its test metrics.
 */
export function windowsTable(phase: PhaseSource): Table {
  const list = windowRows(phase);
  const params = paramColumns(list);
  const columns: Column[] = [
    { name: 'phase', type: 'string' },
    { name: 'sequence', type: 'string' },
    { name: 'window', type: 'int32' },
    { name: 'test_group', type: 'int32' },
    { name: 'train_start', type: 'int32' },
    { name: 'train_end', type: 'int32' },
    { name: 'train_segments', type: 'json' },
    { name: 'test_start', type: 'int32' },
    { name: 'test_end', type: 'int32' },
    { name: 'train_start_time', type: 'timestamp' },
    { name: 'train_end_time', type: 'timestamp' },
    { name: 'test_start_time', type: 'timestamp' },
    { name: 'test_end_time', type: 'timestamp' },
    ...params,
    ...metricColumns('train_'),
    ...metricColumns('test_'),
  ];
  const times = phase.times;
  const timeAt = (bar: number | null): number | null => (times !== null && bar !== null && bar >= 0 && bar < times.length ? times[bar] : null);
  const sequence = phase.result?.sequence ?? null;
  const metricCells = (m: MetricsJson | null): Cell[] => METRIC_NAMES.map((name) => m?.[name] ?? null);
  function* rows(): Generator<Cell[]> {
    for (const r of list) {
      // One train range has its own columns; several (k_fold, cpcv) are given by train_segments only.
      const single = r.train.length === 1 ? r.train[0] : null;
      yield [
        phase.name,
        sequence,
        r.window,
        r.testGroup,
        single?.[0] ?? null,
        single?.[1] ?? null,
        JSON.stringify(r.train),
        r.test[0],
        r.test[1],
        timeAt(single?.[0] ?? null),
        timeAt(single === null ? null : single[1] - 1),
        timeAt(r.test[0]),
        timeAt(r.test[1] - 1),
        ...params.map((p) => paramCell(r.params?.[p.name], p.type)),
        ...metricCells(r.trainMetrics),
        ...metricCells(r.testMetrics),
      ];
    }
  }
  return {
    name: 'windows',
    columns,
    rows: rows(),
    emptyReason: sequence === null ? 'no windows (the phase did not run)' : `no windows (a ${sequence} phase has none)`,
  };
}
