import { METRIC_NAMES } from '../types.js';
import type { MetricsJson } from '../contract.js';
import { escapeHtml as h, formatMetric, METRIC_LABELS } from './format.js';
import { metricTiles, note, scaleControl, table, td } from './html.js';
import type { PhaseReport, StitchedCurve } from './model.js';

/**
 * The block a walk_forward, k_fold or cpcv phase opens with: its out-of-sample result, the test
 * runs stitched into one account (cpcv: into its paths), with the metrics run.json holds for it and
 * the stitched equity beside buy-and-hold of the same bars.
 */
export function outOfSampleBlock(p: PhaseReport, id: string): string | null {
  if (p.walkForward !== null) return walkForwardOos(p, id);
  if (p.kFold !== null) return kFoldOos(p, id);
  if (p.cpcv !== null) return cpcvOos(p, id);
  return null;
}

const block = (id: string, source: string, parts: readonly string[]): string =>
  `<div class="oos-block" id="${id}-oos-block" data-source="${source}">${parts.join('')}</div>`;

function drawnAs(c: StitchedCurve): string {
  return `${c.bars > c.equity.length ? ` ${c.bars.toLocaleString('en-US')} bars, drawn as ${c.equity.length.toLocaleString('en-US')} points.` : ''}${c.timeAxis ? '' : " The run's data could not be reloaded, so the axis counts bars and there is no buy-and-hold line."}`;
}

const BUY_HOLD =
  "The grey line is buy-and-hold of the same data over the same bars: the capital split equally between the symbols, bought at the first bar's close and held.";

function walkForwardOos(p: PhaseReport, id: string): string {
  const wf = p.walkForward!;
  const n = p.windows?.length ?? 0;
  return block(id, 'walk_forward', [
    `<h3>Out-of-sample result: ${n} test window${n === 1 ? '' : 's'} stitched</h3>`,
    note(
      `Each window's set is chosen on its train window and traded on its test window; each test window compounds on the previous one's end, and a window without a qualifying set stays in cash. Walk-forward efficiency (out-of-sample CAGR / mean in-sample CAGR): <b>${wf.efficiency === null ? '—' : `${(wf.efficiency * 100).toFixed(1)}%`}</b>. ${BUY_HOLD}${drawnAs(wf)}`,
    ),
    metricTiles(wf.metrics, p.objective.metric),
    scaleControl(`${id}-oos`),
    `<div class="chart" id="${id}-oos" data-chart="oos"></div>`,
  ]);
}

function kFoldOos(p: PhaseReport, id: string): string {
  const k = p.kFold!;
  const c = p.kFoldOos;
  const head = `<h3>Out-of-sample result: ${k.folds.length} test folds stitched</h3>`;
  if (c === null)
    return block(id, 'k_fold', [
      head,
      note("This run was made before k_fold stitched its test folds: run.json has no <code>k_fold.oos_equity</code>. The folds' own test metrics are below."),
    ]);
  return block(id, 'k_fold', [
    head,
    note(
      `Each fold's set is chosen on the other folds' bars (purged and embargoed) and traded on its fold; the folds in time order, each compounding on the previous one's end (a fold without a qualifying set stays in cash), cover every bar once. ${BUY_HOLD}${drawnAs(c)}`,
    ),
    metricTiles(c.metrics, p.objective.metric),
    scaleControl(`${id}-kfold-oos`),
    `<div class="chart" id="${id}-kfold-oos" data-chart="kfold-oos"></div>`,
  ]);
}

/** cpcv: the complete backtest paths reassembled from the splits' test runs, and their metrics' distribution. */
function cpcvOos(p: PhaseReport, id: string): string {
  const cv = p.cpcv!;
  const metric = p.objective.metric;
  const d = cv.distribution[metric];
  const mean = {} as MetricsJson;
  for (const name of METRIC_NAMES) mean[name] = cv.distribution[name].mean;
  return block(id, 'cpcv', [
    `<h3>Out-of-sample result: ${cv.paths.length} stitched paths</h3>`,
    note(
      `${cv.groups} groups, ${cv.test_groups} test groups: ${cv.splits.length} splits, each searched on its train segments (purge ${h(String(cv.purge))}, embargo ${h(String(cv.embargo))}) and run on its test groups; the runs are reassembled into ${cv.paths.length} complete paths, each stitched like a walk-forward. The tiles are each metric's mean over the paths; ${METRIC_LABELS[metric]} over the paths: mean ${formatMetric(metric, d.mean)}, sd ${formatMetric(metric, d.std)}, min ${formatMetric(metric, d.min)}, max ${formatMetric(metric, d.max)}. ${cv.buyHold === null ? "The run's data could not be reloaded: no buy-and-hold line." : BUY_HOLD}`,
    ),
    metricTiles(mean, metric, (name) => `${METRIC_LABELS[name]} (mean)`),
    scaleControl(`${id}-cpcv`),
    `<div class="chart" id="${id}-cpcv" data-chart="cpcv"></div>`,
    table(
      ['Path', 'Splits (by group)', METRIC_LABELS[metric], 'Return', 'Max drawdown', 'Trades'],
      cv.paths.map((x) => [
        td(String(x.path), 'num'),
        td(x.splits.join(', ')),
        td(formatMetric(metric, x.metrics[metric]), 'num'),
        td(formatMetric('total_return', x.metrics.total_return), 'num'),
        td(formatMetric('max_drawdown', x.metrics.max_drawdown), 'num'),
        td(formatMetric('trades', x.metrics.trades), 'num'),
      ]),
      { attrs: 'class="cpcv-paths"' },
    ),
  ]);
}
