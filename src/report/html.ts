import type { MetricName } from '../types.js';
import type { MetricsJson } from '../contract.js';
import { escapeHtml as h, formatMetric, METRIC_LABELS } from './format.js';

/** HTML pieces every report section uses: tables, cells, notes, metric tiles, the equity charts' scale control. */

export const KEY_METRICS: readonly MetricName[] = [
  'total_return',
  'cagr',
  'sharpe',
  'sortino',
  'max_drawdown',
  'volatility',
  'trades',
  'win_rate',
  'profit_factor',
  'exposure',
  'final_equity',
];

export interface TableOptions {
  /** Attributes of the <table> element; a `scroll` class makes its box at most 460 px tall (it scrolls inside). */
  readonly attrs?: string;
  readonly rowClass?: (i: number) => string;
  /** Leading columns that stay in view while a wide table scrolls sideways (they say which row it is). */
  readonly sticky?: number;
}

/**
 * A table in its own scrolling box: a table wider than the page scrolls sideways inside it (the page
 * itself never gets wider than the window), with a scrollbar that is always drawn.
 */
export function table(head: readonly string[], rows: readonly string[][], options: TableOptions = {}): string {
  const { attrs = '', rowClass = () => '', sticky = 1 } = options;
  const tr = (r: readonly string[], i: number): string => `<tr${rowClass(i) ? ` class="${rowClass(i)}"` : ''}>${r.join('')}</tr>`;
  const tall = /class="[^"]*\bscroll\b/.test(attrs) ? ' tall' : '';
  return `<div class="table-wrap${tall}" data-sticky="${sticky}"><table ${attrs}><thead><tr>${head.map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody>${rows.map(tr).join('')}</tbody></table></div>`;
}

export const td = (text: string, cls = ''): string => `<td${cls ? ` class="${cls}"` : ''}>${text}</td>`;

export function note(text: string, kind = 'note'): string {
  return `<p class="${kind}">${text}</p>`;
}

/** The key metrics as tiles; each carries its metric and raw value (`data-metric`, `data-v`) beside the formatted text. */
export function metricTiles(m: MetricsJson, objective: MetricName, label: (name: MetricName) => string = (name) => METRIC_LABELS[name]): string {
  return `<div class="tiles">${KEY_METRICS.map((name) => `<div class="tile${name === objective ? ' objective' : ''}" data-metric="${name}" data-v="${m[name] === null ? '' : String(m[name])}"><div class="tile-label">${h(label(name))}</div><div class="tile-value">${formatMetric(name, m[name])}</div></div>`).join('')}</div>`;
}

/** An equity chart's controls: the y axis linear or logarithmic (the page script switches it). */
export function scaleControl(chartId: string): string {
  return `<div class="controls"><label><input type="checkbox" class="log-scale" id="${chartId}-log" data-chart-id="${chartId}"> logarithmic scale</label></div>`;
}
