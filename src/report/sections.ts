import { METRIC_NAMES, type MetricName } from '../types.js';
import { escapeHtml as h, formatMetric, formatMoney, formatParam, formatSeconds, METRIC_LABELS } from './format.js';
import { metricTiles, note, scaleControl, table, td } from './html.js';
import type { PhaseReport, ReportModel } from './model.js';
import { outOfSampleBlock } from './oos-section.js';
import { timeText } from '../common/time-text.js';

/** The HTML of each report section; charts are empty containers the page script fills from the embedded model. */

/** A cell the leaderboard script sorts by its raw value (`data-v`), shown formatted. */
const sortCell = (raw: number | string | null, text: string, cls = 'num'): string =>
  `<td class="${cls}" data-v="${raw === null ? '' : h(String(raw))}">${text}</td>`;
const sortKey = (v: unknown): number | string | null =>
  v === null || v === undefined ? null : typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : formatParam(v);

function kv(rows: readonly [string, string][]): string {
  return `<dl class="kv">${rows.map(([k, v]) => `<dt>${h(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

export function runSection(model: ReportModel): string {
  const r = model.run;
  const rows: [string, string][] = [
    ['Run id', `<code>${h(r.id)}</code>`],
    ['Status', `<span class="status status-${h(r.status)}">${h(r.status)}</span>${r.error ? ` — <span class="error-text">${h(r.error)}</span>` : ''}`],
    ['Config file', `<code>${h(r.configFile)}</code>`],
    ['Results directory', `<code>${h(r.dir)}</code>`],
    ['Started', h(r.started.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))],
    ['Finished', r.finished ? h(r.finished.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')) : '—'],
    ['Duration', r.seconds === null ? '—' : formatSeconds(r.seconds)],
    ['Executor', `${h(r.executor)}${r.workers === null ? '' : `, ${r.workers} worker${r.workers === 1 ? '' : 's'}`}`],
    ['Versions', `fanfold ${h(r.fanfold)} · Node.js ${h(r.node)}`],
    ['Resumed', r.resumed ? 'yes' : 'no'],
  ];
  if (r.plugins.length > 0) rows.push(['Plugins', r.plugins.map((p) => `<code>${h(p)}</code>`).join('<br>')]);
  const data =
    model.data.length === 0
      ? note('run.json records no data (the run stopped before a phase loaded its data).')
      : table(
          ['Phase', 'Source', 'Symbols', 'Bars', 'From', 'To', 'Content hash (sha256)'],
          model.data.map((d) => [
            td(h(d.phase)),
            td(`<code>${h(d.source)}</code>`),
            td(h(d.symbols.join(', '))),
            td(d.bars.toLocaleString('en-US'), 'num'),
            td(timeText(d.first)),
            td(timeText(d.last)),
            td(`<code class="hash">${h(d.hash)}</code>`, 'wrap'),
          ]),
        );
  return `<section id="run"><h2>Run and provenance</h2>${kv(rows)}<h3>Data</h3>${data}</section>`;
}

export function configSection(model: ReportModel): string {
  const blocks = model.configs.map((c) => `${model.configs.length > 1 ? `<h3>Phase ${h(c.phase)}</h3>` : ''}<pre class="yaml">${h(c.yaml)}</pre>`).join('');
  return `<section id="config"><h2>Configuration</h2>${note('As resolved: <code>extends</code> merged and <code>--set</code> applied; lists and <code>range()</code> are the swept dimensions.')}${blocks}</section>`;
}

export function phaseSection(p: PhaseReport, i: number, model: ReportModel): string {
  const id = `p${i}`;
  const head = `<h2>Phase ${h(p.name)}</h2>`;
  if (p.skipped !== null) return `<section id="${id}" class="phase">${head}${note(`Skipped: ${h(p.skipped)}.`)}</section>`;
  const obj = p.objective;
  const chips = [
    p.sequence && `sequence <b>${h(p.sequence)}</b>`,
    p.topology && `topology <b>${h(p.topology)}</b>`,
    `<b>${p.trials.toLocaleString('en-US')}</b> trial${p.trials === 1 ? '' : 's'}`,
    p.failed > 0 ? `<b class="bad">${p.failed.toLocaleString('en-US')}</b> failed` : '',
    `objective <b>${METRIC_LABELS[obj.metric]}</b> (${obj.direction === 'max' ? 'higher is better' : 'lower is better'})`,
    obj.minTrades !== undefined ? `min trades ${obj.minTrades}` : '',
    obj.maxDrawdown !== undefined ? `max drawdown ${formatMetric('max_drawdown', obj.maxDrawdown)}` : '',
  ].filter(Boolean);
  const parts = [head, `<p class="chips">${chips.map((c) => `<span>${c}</span>`).join('')}</p>`];
  // Windowed and cross-validated phases open with what they are for: the out-of-sample result.
  const oos = outOfSampleBlock(p, id);
  if (oos !== null) parts.push(oos);
  parts.push(bestBlock(p, id));
  if (p.windows !== null) parts.push(windowsBlock(p, id));
  if (p.monteCarlo !== null) parts.push(monteCarloBlock(p, id));
  if (p.kFold !== null) parts.push(kFoldBlock(p));
  if (p.search !== null) parts.push(searchBlock(p, id));
  if (p.robustness !== null) parts.push(robustnessBlock(p, id));
  if (p.robustnessPer !== null) parts.push(robustnessPerBlock(p));
  if (p.compose !== null) parts.push(composeBlock(p));
  if (p.signals !== null) parts.push(signalsBlock(p));
  if (p.scope !== null) parts.push(trialsBlock(p, id, model));
  parts.push(failuresBlock(p, model));
  return `<section id="${id}" class="phase">${parts.join('')}</section>`;
}

function bestBlock(p: PhaseReport, id: string): string {
  const title =
    p.sequence === 'walk_forward' ? 'Best set of the last train window' : p.sequence === 'train_test' ? 'Best set (chosen on the train window)' : 'Best set';
  if (p.best === null) return `<h3>${title}</h3>${note('No set qualified as best (no trial with a defined objective inside the result constraints).')}`;
  const params = Object.entries(p.best.params);
  const where = p.scope ? ` on ${h(p.scope.label)}` : '';
  const out = [
    `<h3>${title}</h3>`,
    params.length > 0 ? `<p class="params">${params.map(([k, v]) => `<span><code>${h(k)}</code> = <b>${h(formatParam(v))}</b></span>`).join('')}</p>` : '',
    metricTiles(p.best.metrics, p.objective.metric),
  ];
  const curve = p.bestCurve;
  out.push(`<h3>Equity and drawdown of the best set</h3>`);
  if (curve === null || 'reason' in curve) {
    out.push(note(`No equity chart: ${h(curve === null ? 'no best set' : curve.reason)}.`, 'warning'));
    return out.join('');
  }
  const same = curve.storedFinalEquity !== null && curve.metrics.final_equity === curve.storedFinalEquity;
  out.push(
    note(
      `Recomputed by re-running the best set${where} on the run's data (its content hash matches run.json), beside buy-and-hold of the same data over the same bars (grey; the capital split equally between the symbols, bought at the first bar's close and held). ${same ? `Final equity ${formatMetric('final_equity', curve.metrics.final_equity)}, identical to the stored result.` : `<b>The re-run's final equity ${formatMetric('final_equity', curve.metrics.final_equity)} differs from the stored ${curve.storedFinalEquity === null ? '—' : formatMoney(curve.storedFinalEquity)}.</b>`}${curve.bars > curve.equity.length ? ` ${curve.bars.toLocaleString('en-US')} bars, drawn as ${curve.equity.length.toLocaleString('en-US')} points (lowest and highest of each bucket).` : ''}`,
    ),
  );
  out.push(scaleControl(`${id}-equity`));
  out.push(`<div class="chart tall" id="${id}-equity" data-chart="equity"></div>`);
  out.push(`<h3>Trades of the best set</h3>`);
  if (curve.tradesTotal === 0) out.push(note('No closed trades.'));
  else {
    if (curve.tradesTotal > curve.trades.length)
      out.push(note(`The first ${curve.trades.length.toLocaleString('en-US')} of ${curve.tradesTotal.toLocaleString('en-US')} trades.`));
    out.push(
      table(
        ['#', 'Symbol', 'Side', 'Qty', 'Entry', 'Entry price', 'Exit', 'Exit price', 'Commission', 'Net P&amp;L'],
        curve.trades.map((t, k) => [
          td(String(k + 1), 'num'),
          td(h(t.symbol)),
          td(t.side),
          td(t.qty.toLocaleString('en-US', { maximumFractionDigits: 4 }), 'num'),
          td(timeText(t.entry_time)),
          td(formatMoney(t.entry_price), 'num'),
          td(timeText(t.exit_time)),
          td(formatMoney(t.exit_price), 'num'),
          td(formatMoney(t.commission), 'num'),
          td(formatMoney(t.pnl), `num ${t.pnl > 0 ? 'good' : t.pnl < 0 ? 'bad' : ''}`),
        ]),
        { attrs: 'class="trades scroll"' },
      ),
    );
  }
  return out.join('');
}

/** The phase's result constraints in words, or null when it has none. */
function constraintsText(p: PhaseReport): string | null {
  const { minTrades, maxDrawdown } = p.objective;
  const parts = [
    minTrades !== undefined ? `at least ${minTrades} trades` : '',
    maxDrawdown !== undefined ? `max drawdown at most ${formatMetric('max_drawdown', maxDrawdown)}` : '',
  ].filter(Boolean);
  return parts.length === 0 ? null : parts.join(', ');
}

function trialsBlock(p: PhaseReport, id: string, model: ReportModel): string {
  const s = p.scope!;
  const constraints = constraintsText(p);
  const outside = p.histogram?.outside?.reduce((a, b) => a + b, 0) ?? null;
  const out = [`<h3>Leaderboard</h3>`];
  const shown = p.leaderboard.length;
  out.push(
    note(
      `Trials of ${h(s.label)}: ${s.counts.ok.toLocaleString('en-US')} completed${s.counts.failed > 0 ? `, ${s.counts.failed.toLocaleString('en-US')} failed` : ''}. ${shown < s.counts.ok ? `The top ${shown.toLocaleString('en-US')} by the objective (reports list at most ${model.limits.leaderboardRows.toLocaleString('en-US')}); ` : ''}Ranked like the run ranks them; click a column header to sort.${p.objective.minTrades !== undefined || p.objective.maxDrawdown !== undefined ? ' Greyed rows are outside the result constraints and cannot be best.' : ''}`,
    ),
  );
  const head = ['Rank', 'Trial', ...p.params.map((n) => `<code>${h(n)}</code>`), ...METRIC_NAMES.map((m) => METRIC_LABELS[m])];
  const rows = p.leaderboard.map((r, k) => [
    sortCell(k + 1, String(k + 1)),
    sortCell(r.trial, String(r.trial)),
    ...p.params.map((n) => sortCell(sortKey(r.params[n]), h(formatParam(r.params[n])))),
    ...METRIC_NAMES.map((m) => sortCell(r.metrics[m], formatMetric(m, r.metrics[m]), `num${m === p.objective.metric ? ' objective' : ''}`)),
  ]);
  out.push(
    table(head, rows, {
      attrs: `class="leaderboard sortable scroll" id="${id}-leaderboard"`,
      rowClass: (k) => (p.leaderboard[k].eligible ? '' : 'ineligible'),
      sticky: 2,
    }),
  );

  out.push(`<h3>Objective over two parameters</h3>`);
  if (p.heatmap.axes.length < 2) {
    out.push(
      note(
        p.params.length < 2
          ? 'Fewer than two swept parameters: no heatmap.'
          : 'Fewer than two parameters that can be an axis (numbers, or at most ' + model.limits.heatmapValues + ' distinct values): no heatmap.',
      ),
    );
  } else {
    const options = (sel: string): string =>
      p.heatmap.axes.map((a) => `<option value="${h(a.name)}"${a.name === sel ? ' selected' : ''}>${h(a.name)}</option>`).join('');
    out.push(`<div class="controls">
      <label>Horizontal <select id="${id}-hm-x">${options(p.heatmap.axes[0].name)}</select></label>
      <label>Vertical <select id="${id}-hm-y">${options(p.heatmap.axes[1].name)}</select></label>
      <label>Other parameters <select id="${id}-hm-mode">
        <option value="fixed"${p.best ? ' selected' : ''}>fixed at the best set</option>
        <option value="best"${p.best ? '' : ' selected'}>${p.objective.direction === 'max' ? 'best (max)' : 'best (min)'} over them</option>
        <option value="mean">mean over them</option>
      </select></label></div>`);
    const binned = p.heatmap.axes.filter((a) => a.edges);
    if (binned.length > 0)
      out.push(
        note(
          `${binned.map((a) => `<code>${h(a.name)}</code> (${a.distinct.toLocaleString('en-US')} values)`).join(', ')} ${binned.length === 1 ? 'is' : 'are'} binned into ${model.limits.heatmapValues} ranges of consecutive values; a cell shows the best or mean over its trials.`,
        ),
      );
    if (p.heatmap.tooMany.length > 0)
      out.push(
        note(
          `Not offered as an axis (more than ${model.limits.heatmapValues} distinct values that are not numbers): ${p.heatmap.tooMany.map((n) => `<code>${h(n)}</code>`).join(', ')}.`,
        ),
      );
    if (constraints !== null)
      out.push(
        note(
          `Hatched grey cells are outside the result constraints (${constraints}): every trial the cell shows (with the other parameters fixed at the best set, the one trial there) is outside them, so the run could not choose it. Values still aggregate every trial of a cell; the tooltip says how many of them are outside, and the colour scale spans the other cells.`,
        ),
      );
    out.push(`<div class="chart tall" id="${id}-heatmap" data-chart="heatmap"></div>`);
  }
  out.push(`<h3>Distribution of ${METRIC_LABELS[p.objective.metric]}</h3>`);
  if (p.histogram === null) out.push(note('No trial has a defined objective.'));
  else {
    const missing = s.counts.ok - s.counts.valued;
    out.push(
      note(
        `${s.counts.valued.toLocaleString('en-US')} trials in ${p.histogram.counts.length} equal-width bins (counted by SQLite over every trial).${missing > 0 ? ` ${missing.toLocaleString('en-US')} trials have no ${METRIC_LABELS[p.objective.metric]} (undefined) and are not counted.` : ''}${outside === null ? '' : ` Stacked: ${(s.counts.valued - outside).toLocaleString('en-US')} inside the result constraints (${constraints}), ${outside.toLocaleString('en-US')} outside them (hatched grey).`}`,
      ),
    );
    out.push(`<div class="chart" id="${id}-histogram" data-chart="histogram"></div>`);
  }
  return out.join('');
}

function windowsBlock(p: PhaseReport, id: string): string {
  const w = p.windows!;
  const m = p.objective.metric;
  const out = [`<h3>${w.length === 1 ? 'Train and test windows' : `Walk-forward windows (${w.length})`}</h3>`];
  out.push(`<div class="chart${w.length > 12 ? ' tall' : ''}" id="${id}-timeline" data-chart="timeline"></div>`);
  const choices: MetricName[] = ['sharpe', 'total_return', 'cagr', 'max_drawdown', 'trades'];
  if (!choices.includes(m)) choices.unshift(m);
  out.push(
    `<div class="controls"><label>Metric <select id="${id}-isoos-metric">${choices.map((x) => `<option value="${x}"${x === m ? ' selected' : ''}>${METRIC_LABELS[x]}</option>`).join('')}</select></label></div>`,
  );
  out.push(`<div class="chart" id="${id}-isoos" data-chart="isoos"></div>`);
  const names = [...new Set(w.flatMap((x) => Object.keys(x.best?.params ?? {})))];
  out.push(
    table(
      [
        'Window',
        'Train',
        'Test',
        ...names.map((n) => `<code>${h(n)}</code>`),
        `In-sample ${METRIC_LABELS[m]}`,
        `Out-of-sample ${METRIC_LABELS[m]}`,
        'OOS return',
        'OOS max DD',
        'OOS trades',
      ],
      w.map((x, k) => [
        td(String(k + 1), 'num'),
        td(`${x.train_dates[0]} → ${x.train_dates[1]}`),
        td(`${x.test_dates[0]} → ${x.test_dates[1]}`),
        ...names.map((n) => td(x.best ? h(formatParam(x.best.params[n])) : '—')),
        td(formatMetric(m, x.best?.metrics[m]), 'num'),
        td(formatMetric(m, x.test_metrics?.[m]), 'num'),
        td(formatMetric('total_return', x.test_metrics?.total_return), 'num'),
        td(formatMetric('max_drawdown', x.test_metrics?.max_drawdown), 'num'),
        td(formatMetric('trades', x.test_metrics?.trades), 'num'),
      ]),
      { attrs: 'class="windows scroll"' },
    ),
  );
  const wf = p.walkForward;
  if (wf !== null) {
    const stab = Object.entries(wf.stability);
    if (stab.length > 0) {
      out.push(`<h3>Parameter stability across windows</h3>`);
      out.push(
        table(
          ['Parameter', 'Distinct values', 'Mean', 'SD', 'Min', 'Max'],
          stab.map(([n, s]) => [
            td(`<code>${h(n)}</code>`),
            td(String(s.distinct), 'num'),
            td(s.mean === undefined ? '—' : s.mean.toFixed(3), 'num'),
            td(s.std === undefined ? '—' : s.std.toFixed(3), 'num'),
            td(s.min === undefined ? '—' : String(s.min), 'num'),
            td(s.max === undefined ? '—' : String(s.max), 'num'),
          ]),
        ),
      );
    }
  }
  return out.join('');
}

function monteCarloBlock(p: PhaseReport, id: string): string {
  const mc = p.monteCarlo!;
  const out = [`<h3>Monte Carlo bands</h3>`];
  out.push(
    note(
      `${mc.paths.toLocaleString('en-US')} seeded resamplings (seed ${mc.seed}) of the best set: a circular block bootstrap of its bar returns (blocks of ${mc.block} bars) and a bootstrap of its trades' returns. The dashed line is the best set's own value.`,
    ),
  );
  out.push(`<div class="chart" id="${id}-mc" data-chart="montecarlo"></div>`);
  const pcts = Object.keys(mc.bars.final_equity);
  const rows: string[][] = [];
  const line = (label: string, metric: MetricName, bands: Record<string, number | null>): string[] => [
    td(label),
    ...pcts.map((k) => td(formatMetric(metric, bands[k]), 'num')),
  ];
  rows.push(line('Final equity (bar returns)', 'final_equity', mc.bars.final_equity));
  rows.push(line('Max drawdown (bar returns)', 'max_drawdown', mc.bars.max_drawdown));
  rows.push(line('Sharpe (bar returns)', 'sharpe', mc.bars.sharpe));
  if (mc.trades) {
    rows.push(line('Final equity (trades)', 'final_equity', mc.trades.final_equity));
    rows.push(line('Max drawdown (trades)', 'max_drawdown', mc.trades.max_drawdown));
  }
  out.push(table(['Quantity', ...pcts.map((k) => `${k.slice(1)}th pct`)], rows, { attrs: 'class="montecarlo"' }));
  return out.join('');
}

const paramsText = (params: Record<string, unknown> | undefined): string =>
  params && Object.keys(params).length > 0
    ? Object.entries(params)
        .map(([k, v]) => `<code>${h(k)}</code>=${h(formatParam(v))}`)
        .join(' ')
    : '—';

function kFoldBlock(p: PhaseReport): string {
  const k = p.kFold!;
  const metric = p.objective.metric;
  const agg = k.aggregate[metric];
  const out = [`<h3>Folds (${k.folds.length})</h3>`];
  out.push(
    note(
      `Each fold's set is chosen on its train segments (metrics combined over them) and run on the fold. ${METRIC_LABELS[metric]} on the test folds: mean ${formatMetric(metric, agg.mean)}, sd ${formatMetric(metric, agg.std)}, min ${formatMetric(metric, agg.min)}, max ${formatMetric(metric, agg.max)} over ${agg.n} fold${agg.n === 1 ? '' : 's'}.`,
    ),
  );
  out.push(
    table(
      [
        'Fold',
        'Test dates',
        'Train segments',
        'Chosen set',
        `${METRIC_LABELS[metric]} (train)`,
        `${METRIC_LABELS[metric]} (test)`,
        'Return (test)',
        'Trades (test)',
      ],
      k.folds.map((f) => [
        td(String(f.fold), 'num'),
        td(`${h(f.test_dates[0])} → ${h(f.test_dates[1])}`),
        td(f.train_segments.map(([a, b]) => `${a}–${b - 1}`).join(', ')),
        td(paramsText(f.best?.params), 'wrap'),
        td(formatMetric(metric, f.best?.metrics[metric] ?? null), 'num'),
        td(formatMetric(metric, f.test_metrics?.[metric] ?? null), 'num'),
        td(formatMetric('total_return', f.test_metrics?.total_return ?? null), 'num'),
        td(formatMetric('trades', f.test_metrics?.trades ?? null), 'num'),
      ]),
      { attrs: 'class="folds"' },
    ),
  );
  return out.join('');
}

const fixed = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));

function tiles(rows: readonly [string, string, string][]): string {
  return `<div class="tiles">${rows.map(([label, value, title]) => `<div class="tile" title="${h(title)}"><div class="tile-label">${h(label)}</div><div class="tile-value">${value}</div></div>`).join('')}</div>`;
}

/** A model-based or pruned search: what it spent, the optimisation history, the Pareto front, parameter importance. */
function searchBlock(p: PhaseReport, id: string): string {
  const s = p.search!;
  const out = [`<h3 id="${id}-search">Search: ${h(s.method)}${s.rungs ? ' with successive halving' : ''}</h3>`];
  out.push(
    tiles([
      ['Trials', `${s.trials.toLocaleString('en-US')} / ${s.budget.toLocaleString('en-US')}`, 'distinct sets evaluated / the budget'],
      ['Complete', s.complete.toLocaleString('en-US'), 'evaluated on the whole window with a defined objective inside the result constraints'],
      ['Pruned', s.pruned.toLocaleString('en-US'), 'stopped at a rung of the pruner'],
      ['Failed', s.failed.toLocaleString('en-US'), 'the backtest threw'],
      ['Batches', `${s.batches}${s.batch !== null ? ` × ${s.batch}` : ''}`, 'proposal batches × their size'],
      ['Stopped', h(s.stopped), 'budget: spent; converged: nothing new proposed; timeout: search.timeout; interrupted: resume continues'],
    ]),
  );
  if (s.rungs)
    out.push(
      table(
        ['Rung', 'History', 'Bars', 'Trials', 'Promoted'],
        s.rungs.map((r, i) => [
          td(String(i + 1), 'num'),
          td(`${fixed(100 * r.fraction, 0)}%`, 'num'),
          td(r.bars.toLocaleString('en-US'), 'num'),
          td(r.trials.toLocaleString('en-US'), 'num'),
          td(i === s.rungs!.length - 1 ? '—' : r.promoted.toLocaleString('en-US'), 'num'),
        ]),
        { attrs: 'class="rungs"' },
      ),
    );
  out.push(
    `<div class="chart-row"><div class="chart" id="${id}-history" data-chart="history"></div>${s.pareto ? `<div class="chart" id="${id}-pareto" data-chart="pareto"></div>` : ''}</div>`,
  );
  if (s.importance) {
    const rows = [...s.importance.parameters].sort((a, b) => (b.share ?? -1) - (a.share ?? -1));
    out.push(
      note(
        `Parameter importance: η², the share of the objective's variance over the ${s.importance.trials.toLocaleString('en-US')} complete trials explained by each parameter's main effect (values grouped into at most ${s.importance.bins} bins of about equal counts), and its share of the η² sum. Trials chosen by a model crowd where the objective is good, so importances describe the trials run, not the whole space.`,
      ),
    );
    out.push(
      table(
        ['Parameter', 'η²', 'Share', ''],
        rows.map((r) => [
          td(`<code>${h(r.name)}</code>`),
          td(fixed(r.eta_squared, 3), 'num'),
          td(r.share === null ? '—' : `${fixed(100 * r.share, 1)}%`, 'num'),
          td(`<span class="bar" style="display:inline-block;height:10px;background:#2563eb;width:${Math.round(200 * (r.share ?? 0))}px"></span>`),
        ]),
        { attrs: 'class="importance"' },
      ),
    );
  }
  return out.join('');
}

/** "Is the best set real?": PBO with its λ histogram and scatter, PSR and DSR beside the best set's Sharpe, SPA, the plateau. */
function robustnessBlock(p: PhaseReport, id: string): string {
  const r = p.robustness!;
  const pbo = r.pbo;
  const out = [`<h3 id="${id}-robustness">Is the best set real?</h3>`];
  out.push(
    tiles([
      [
        'PBO',
        fixed(pbo?.value),
        'probability of backtest overfitting: the share of CSCV combinations whose in-sample best ranks in the lower half out of sample',
      ],
      ['DSR', fixed(r.dsr), `deflated Sharpe ratio: P(true Sharpe > SR0) with SR0 = ${fixed(r.sr0, 4)} per bar, the best of ${r.defined} skill-less trials`],
      ['PSR', fixed(r.psr), 'probabilistic Sharpe ratio: P(true Sharpe > 0)'],
      ['Best Sharpe / bar', fixed(r.best?.sharpe ?? null, 4), 'per-period Sharpe of the best set over the search window'],
      ['OOS/IS slope', fixed(pbo?.slope), "least-squares slope of the in-sample best's out-of-sample Sharpe on its in-sample Sharpe"],
      ['P(OOS loss)', fixed(pbo?.prob_loss), 'share of combinations whose in-sample best has an out-of-sample Sharpe below 0'],
      ['SPA p-value', fixed(r.spa?.p_value ?? null), r.spa ? `Hansen's SPA test, consistent p-value: ${r.spa.tested} against ${r.spa.benchmark}` : 'SPA off'],
    ]),
  );
  const verdict =
    pbo?.value === null || pbo === null
      ? ''
      : pbo.value >= 0.5
        ? `<b class="bad">The in-sample best is more likely than not to be below the median out of sample</b> (PBO ${fixed(pbo.value, 2)}).`
        : `The in-sample best ranks above the median out of sample in ${fixed(100 * (1 - pbo.value), 0)}% of the combinations.`;
  out.push(
    note(
      `${verdict} CSCV over ${pbo ? `${pbo.combinations === pbo.of ? `all ${pbo.of}` : `a seeded sample of ${pbo.combinations} of the ${pbo.of}`} combinations of ${pbo.blocks / 2} of ${pbo.blocks} blocks` : '—'} of the ${r.returns.toLocaleString('en-US')} bar returns, ${r.trials.toLocaleString('en-US')} trials. DSR ${fixed(r.dsr, 2)} deflates the best set's PSR ${fixed(r.psr, 2)} for the number of trials and their spread.`,
    ),
  );
  out.push(
    `<div class="chart-row"><div class="chart" id="${id}-lambda" data-chart="lambda"></div><div class="chart" id="${id}-cscv" data-chart="cscv"></div></div>`,
  );
  const pl = r.plateau;
  if (pl && pl.best && pl.plateau_best) {
    const metric = p.objective.metric;
    const row = (label: string, x: NonNullable<typeof pl.best>): string[] => [
      td(label),
      td(paramsText(x.params), 'wrap'),
      td(formatMetric(metric, x.objective), 'num'),
      td(formatMetric(metric, x.mean), 'num'),
      td(formatMetric(metric, x.worst), 'num'),
      td(String(x.sets), 'num'),
    ];
    out.push(
      note(
        `Plateau: the neighbourhood of a set is every grid point ±1 step along ${pl.dimensions.map((d) => `<code>${h(d)}</code>`).join(', ') || 'no numeric dimension'} (the set included); the heatmap outlines the plateau best in red.`,
      ),
    );
    out.push(
      table(
        ['', 'Set', `${METRIC_LABELS[metric]}`, 'Neighbourhood mean', 'Worst neighbour', 'Sets'],
        [row('Best set', pl.best), row('Plateau best', pl.plateau_best)],
        { attrs: 'class="plateau"' },
      ),
    );
  }
  return out.join('');
}

/** Windowed sequences: each window's (fold's, split's) figures. */
function robustnessPerBlock(p: PhaseReport): string {
  const { summary: s, rows } = p.robustnessPer!;
  const out = [`<h3>Is the best set real? (per ${s.per})</h3>`];
  out.push(
    note(
      `Each ${s.per}'s search has its own figures. Over the ${s.count} ${s.per}s: PBO mean ${fixed(s.pbo_mean, 2)} (max ${fixed(s.pbo_max, 2)}), DSR mean ${fixed(s.dsr_mean, 2)} (min ${fixed(s.dsr_min, 2)}), PSR mean ${fixed(s.psr_mean, 2)}, largest SPA p-value ${fixed(s.spa_p_max)}.`,
    ),
  );
  out.push(
    table(
      [s.per[0].toUpperCase() + s.per.slice(1), 'Trials', 'PBO', 'OOS/IS slope', 'P(OOS loss)', 'PSR', 'DSR', 'SPA p'],
      rows.map(({ label, r }) => [
        td(h(label)),
        td(r.trials.toLocaleString('en-US'), 'num'),
        td(fixed(r.pbo?.value), 'num'),
        td(fixed(r.pbo?.slope), 'num'),
        td(fixed(r.pbo?.prob_loss), 'num'),
        td(fixed(r.psr), 'num'),
        td(fixed(r.dsr), 'num'),
        td(fixed(r.spa?.p_value ?? null), 'num'),
      ]),
      { attrs: 'class="robustness-per"' },
    ),
  );
  return out.join('');
}

function composeBlock(p: PhaseReport): string {
  const c = p.compose!;
  const metric = p.objective.metric;
  const stopped =
    c.stopped === 'done'
      ? 'the workflow stopped itself'
      : c.stopped === 'max_iterations'
        ? `it reached max_iterations (${c.max_iterations})`
        : 'the run was interrupted';
  const rows: string[][] = [];
  for (const it of c.iterations) {
    rows.push([
      td(String(it.iteration), 'num'),
      td('—'),
      td(it.trials.toLocaleString('en-US'), 'num'),
      td(paramsText(it.best?.params), 'wrap'),
      td(formatMetric(metric, it.best?.metrics[metric] ?? null), 'num'),
    ]);
    for (const b of it.branches) {
      rows.push([
        td(''),
        td(h(b.name)),
        td(b.skipped ? h(b.skipped) : b.trials.toLocaleString('en-US'), b.skipped ? '' : 'num'),
        td(paramsText(b.best?.params), 'wrap'),
        td(formatMetric(metric, b.best?.metrics[metric] ?? null), 'num'),
      ]);
    }
  }
  return [
    `<h3>Composed workflow <code>${h(c.type)}</code>: ${c.iterations.length} iteration${c.iterations.length === 1 ? '' : 's'}</h3>`,
    note(
      `Stopped because ${stopped}. The phase's best set is the best of the last iteration and its branches; the leaderboard below shows the trials of the one it came from.`,
    ),
    table(['Iteration', 'Branch', 'Trials', 'Best set', METRIC_LABELS[metric]], rows, { attrs: 'class="compose"' }),
  ].join('');
}

function signalsBlock(p: PhaseReport): string {
  const { total, created, rows: signals } = p.signals!;
  return [
    `<h3>Signal sets (${total.toLocaleString('en-US')})</h3>`,
    note(
      `${created.toLocaleString('en-US')} generated, ${(total - created).toLocaleString('en-US')} reused from the signal store; each file holds only the bars where a strategy's target changes.${total > signals.length ? ` The first ${signals.length} are listed.` : ''}`,
    ),
    table(
      ['Strategy', 'Parameters', 'Bars', 'Changes', 'Bytes', 'Status', 'Key'],
      signals.map((s) => [
        td(h(String(s.strategy.type))),
        td(paramsText(s.params), 'wrap'),
        td(s.window ? `${s.window[0]}–${s.window[1] - 1}` : '—'),
        td(s.changes.toLocaleString('en-US'), 'num'),
        td(s.bytes.toLocaleString('en-US'), 'num'),
        td(h(s.status)),
        td(`<code class="hash">${h(s.key.slice(0, 16))}…</code>`),
      ]),
      { attrs: 'class="signals"' },
    ),
  ].join('');
}

function failuresBlock(p: PhaseReport, model: ReportModel): string {
  if (p.failures.total === 0) return '';
  const out = [`<h3 class="bad">Failed trials (${p.failures.total.toLocaleString('en-US')})</h3>`];
  if (p.failures.total > p.failures.rows.length) out.push(note(`The first ${p.failures.rows.length} (reports list at most ${model.limits.failureRows}).`));
  const names = [...new Set(p.failures.rows.flatMap((f) => Object.keys(f.params)))];
  out.push(
    table(
      ['Trial', 'Bars', ...names.map((n) => `<code>${h(n)}</code>`), 'Error'],
      p.failures.rows.map((f) => [
        td(f.stage === p.name ? String(f.trial) : `${h(f.stage)} · ${f.trial}`, 'num'),
        td(`${f.window[0]}–${f.window[1] - 1}`),
        ...names.map((n) => td(h(formatParam(f.params[n])))),
        td(`<code class="error-text">${h(f.error)}</code>`, 'wrap'),
      ]),
      { attrs: 'class="failures scroll"' },
    ),
  );
  return out.join('');
}
