import type { Config } from '../config/schema.js';
import type { MarketData } from '../data/series.js';
import type { PhaseJson, ResultJson, RunJson } from '../contract.js';
import { eligible } from '../metrics/leaderboard.js';
import { objectiveOf } from '../sequencer/run-search.js';
import type { Aggregate, MetricSummary } from '../sequencer/aggregate.js';
import type { KFoldSummary } from '../sequencer/k-fold.js';
import type { ComposeJson } from '../coordinator/run-composed.js';
import type { CpcvSummary } from '../sequencer/cpcv.js';
import type { Robustness } from '../robustness/figures.js';
import type { RobustnessSummary } from '../robustness/summary.js';
import type { SearchJson } from '../sequencer/search-json.js';
import { timeText } from '../common/time-text.js';

const pct = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(2)}%`);
const num = (v: number | null, digits = 2): string => (v === null ? '—' : v.toFixed(digits));
const money = (v: number | null): string => (v === null ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 }));
const day = (t: number): string => new Date(t).toISOString().slice(0, 10);
const show = (v: unknown): string => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));

function metricBlock(run: RunJson, lines: string[]): void {
  const m = run.metrics;
  lines.push(
    `    final equity   ${money(m.final_equity).padStart(16)}    total return  ${pct(m.total_return).padStart(9)}    CAGR     ${pct(m.cagr).padStart(8)}`,
  );
  lines.push(`    sharpe         ${num(m.sharpe).padStart(16)}    sortino       ${num(m.sortino).padStart(9)}    calmar   ${num(m.calmar).padStart(8)}`);
  lines.push(
    `    volatility     ${pct(m.volatility).padStart(16)}    max drawdown  ${pct(m.max_drawdown).padStart(9)}    exposure ${pct(m.exposure).padStart(8)}`,
  );
  lines.push(
    `    trades         ${String(m.trades).padStart(16)}    win rate      ${pct(m.win_rate).padStart(9)}    profit f ${num(m.profit_factor).padStart(8)}`,
  );
}

/** A model-based or pruned search: what it spent and where the best turned up. */
function searchLine(s: SearchJson | undefined, lines: string[]): void {
  if (!s) return;
  const h = s.history;
  const final = h?.best[h.best.length - 1] ?? null;
  const at = h && final !== null ? h.best.indexOf(final) + 1 : null;
  const counts = [
    s.pruned > 0 ? `${s.pruned} pruned` : '',
    s.infeasible > 0 ? `${s.infeasible} infeasible` : '',
    s.failed > 0 ? `${s.failed} failed` : '',
  ].filter(Boolean);
  const top = s.importance?.parameters.filter((p) => p.share !== null).sort((a, b) => b.share! - a.share!)[0];
  lines.push(
    `    search   ${s.method}${s.rungs ? ' + successive halving' : ''} · ${s.trials} of ${s.budget} trials${counts.length > 0 ? ` (${counts.join(', ')})` : ''} in ${s.batches} batches · stopped: ${s.stopped}${at !== null ? ` · best ${s.objectives[0].metric} ${num(final, 3)} first at trial ${at}` : ''}${s.pareto ? ` · Pareto front ${s.pareto.length} sets` : ''}${top ? ` · most important ${top.name} (${(100 * top.share!).toFixed(0)}%)` : ''}`,
  );
}

/** "Is the best set real?": a search's overfitting statistics, or a windowed phase's summary of them. */
function robustnessBlock(r: Robustness | RobustnessSummary | null | undefined, lines: string[], indent = '    '): void {
  if (!r) return;
  if ('per' in r) {
    lines.push(
      `${indent}robustness over ${r.count} ${r.per}s: PBO mean ${num(r.pbo_mean)} (max ${num(r.pbo_max)}) · DSR mean ${num(r.dsr_mean)} (min ${num(r.dsr_min)}) · PSR mean ${num(r.psr_mean)} · SPA p max ${num(r.spa_p_max, 3)}`,
    );
    return;
  }
  const pbo = r.pbo;
  const parts = [
    `PSR ${num(r.psr)}`,
    `DSR ${num(r.dsr)} (SR0 ${num(r.sr0, 4)}/bar over ${r.defined} trials)`,
    pbo
      ? `PBO ${num(pbo.value)} (${pbo.combinations === pbo.of ? `all ${pbo.of}` : `${pbo.combinations} of ${pbo.of}`} combinations, slope ${num(pbo.slope)}, P(loss) ${num(pbo.prob_loss)})`
      : 'PBO —',
    r.spa ? `SPA p ${num(r.spa.p_value, 3)} (top ${r.spa.sets} vs ${r.spa.benchmark})` : null,
  ].filter((x) => x !== null);
  lines.push(`${indent}is the best real?  ${parts.join(' · ')}`);
  const pl = r.plateau;
  if (pl?.best && pl.plateau_best) {
    const same = pl.best.trial === pl.plateau_best.trial;
    lines.push(
      `${indent}plateau  best: neighbourhood mean ${num(pl.best.mean)} (worst ${num(pl.best.worst)}, ${pl.best.sets} sets)${same ? ' — also the best plateau' : ` · best plateau ${JSON.stringify(pl.plateau_best.params ?? {})}: ${num(pl.plateau_best.objective)}, neighbourhood mean ${num(pl.plateau_best.mean)}`}`,
    );
  }
}

/** cpcv: the splits briefly and the paths' metrics. */
function cpcvBlock(cv: CpcvSummary, lines: string[]): void {
  lines.push(`    cpcv: ${cv.groups} groups, ${cv.test_groups} test groups → ${cv.splits.length} splits, ${cv.paths.length} paths`);
  for (const p of cv.paths)
    lines.push(
      `      path ${p.path} (splits ${p.splits.join(', ')}): sharpe ${num(p.metrics.sharpe)}, return ${pct(p.metrics.total_return)}, max drawdown ${pct(p.metrics.max_drawdown)}`,
    );
  const d = cv.distribution;
  lines.push(
    `    paths (mean ± sd [min, max]): sharpe ${num(d.sharpe.mean)} ± ${num(d.sharpe.std)} [${num(d.sharpe.min)}, ${num(d.sharpe.max)}] · return ${pct(d.total_return.mean)} ± ${pct(d.total_return.std)}`,
  );
}

/** Failed trials the summary lists (the rest are counted). */
const FAILURES_SHOWN = 3;

function phaseBlock(phase: PhaseJson, config: Config | undefined, data: MarketData | undefined, lines: string[]): void {
  lines.push('');
  if (phase.skipped !== undefined) {
    lines.push(`  phase ${phase.name}: skipped — ${phase.skipped}`);
    return;
  }
  lines.push(
    `  phase ${phase.name} · ${phase.topology} · ${phase.sequence} · ${phase.trials} trial${phase.trials === 1 ? '' : 's'}${phase.failed > 0 ? ` (${phase.failed} failed)` : ''}`,
  );
  failuresBlock(phase, lines);
  dataAndStrategy(phase, config, data, lines);
  signalsBlock(phase, lines);
  windowsBlock(phase, lines);
  composeBlock(phase, lines);
  const kf = foldsBlock(phase, lines);
  const cv = phase.cpcv as CpcvSummary | undefined;
  if (cv) cpcvBlock(cv, lines);
  searchLine(phase.search as SearchJson | undefined, lines);
  robustnessBlock(phase.robustness as Robustness | RobustnessSummary | undefined, lines);
  monteCarloBlock(phase, lines);
  // Windowed sequences keep every window's trials in `runs`: a top list across windows means nothing.
  runsBlock(phase, config, kf !== undefined || cv !== undefined || (phase.windows ?? []).length > 1, lines);
}

/** The first failed trials with their parameters and errors (all of them are in --json and results.db). */
function failuresBlock(phase: PhaseJson, lines: string[]): void {
  const failures = phase.failures ?? [];
  if (failures.length === 0) return;
  const shown = failures.slice(0, FAILURES_SHOWN);
  lines.push(
    `    failed   ${phase.failed === phase.trials ? 'every trial' : `${phase.failed} of ${phase.trials} trials`}${failures.length > shown.length ? `, the first ${shown.length}` : ''}:`,
  );
  for (const f of shown) lines.push(`      ${Object.keys(f.params).length > 0 ? `${JSON.stringify(f.params)}: ` : ''}${f.error.split('\n')[0]}`);
}

function dataAndStrategy(phase: PhaseJson, config: Config | undefined, data: MarketData | undefined, lines: string[]): void {
  if (data) {
    const n = data.time.length;
    lines.push(
      `    data     ${data.symbols.map((s) => s.symbol).join(', ')} · ${n} bars ${day(data.time[0])} → ${day(data.time[n - 1])} · ${data.hash.slice(0, 12)}`,
    );
  }
  if (config) {
    const { type, regime_filter: filter, ...params } = config.strategy;
    const swept = Object.keys(phase.runs?.[0]?.params ?? phase.best?.params ?? {});
    const shown =
      phase.trials > 1 && swept.length > 0
        ? ` over ${swept.join(' × ')}`
        : `(${Object.entries(params)
            .map(([k, v]) => `${k}=${show(v)}`)
            .join(', ')})`;
    lines.push(`    strategy ${type}${shown}${filter ? ` gated by ${filter.type} ∈ {${filter.allow.join(', ')}}` : ''}`);
  }
}

function signalsBlock(phase: PhaseJson, lines: string[]): void {
  const signals = phase.signals ?? [];
  if (signals.length > 0) {
    const created = signals.filter((s) => s.status === 'created').length;
    lines.push(
      `    signals  ${signals.length} set${signals.length === 1 ? '' : 's'} stored (${created} generated, ${signals.length - created} reused) in ${signals[0].file.replace(/[/\\][^/\\]*$/, '')}`,
    );
    for (const s of signals.slice(0, 5))
      lines.push(`      ${s.key.slice(0, 12)}  ${JSON.stringify(s.params)}  ${s.changes} changes  ${s.bytes} bytes  ${s.status}`);
    if (signals.length > 5) lines.push(`      … ${signals.length - 5} more`);
  }
}

/** Walk-forward windows (the first 6 and last 5 of many) and the stitched out-of-sample result. */
function windowsBlock(phase: PhaseJson, lines: string[]): void {
  const windows = phase.windows ?? [];
  for (const w of windows.length > 12 ? [...windows.slice(0, 6), null, ...windows.slice(-5)] : windows) {
    if (w === null) {
      lines.push(`    … ${windows.length - 11} more windows …`);
      continue;
    }
    lines.push(`    train ${w.train_dates[0]} → ${w.train_dates[1]} · test ${w.test_dates[0]} → ${w.test_dates[1]}`);
    if (w.best)
      lines.push(
        `      best ${JSON.stringify(w.best.params)}: in-sample sharpe ${num(w.best.metrics.sharpe)}, return ${pct(w.best.metrics.total_return)} · out of sample sharpe ${num(w.test_metrics?.sharpe ?? null)}, return ${pct(w.test_metrics?.total_return ?? null)}`,
      );
    else lines.push('      no set met the result constraints: flat out of sample');
  }
  const wf = phase.walk_forward as
    { oos_metrics: RunJson['metrics']; efficiency: number | null; unused?: { bars: number; from: string; to: string } | null } | undefined;
  if (wf) {
    const m = wf.oos_metrics;
    lines.push(
      `    out of sample (stitched): return ${pct(m.total_return)}, CAGR ${pct(m.cagr)}, sharpe ${num(m.sharpe)}, max drawdown ${pct(m.max_drawdown)}, trades ${m.trades} · walk-forward efficiency ${num(wf.efficiency)}`,
    );
    if (wf.unused)
      lines.push(
        `    unused   the last ${wf.unused.bars} bars (${wf.unused.from} → ${wf.unused.to}) come after the last full test window: no window tests them`,
      );
  }
}

function composeBlock(phase: PhaseJson, lines: string[]): void {
  const composed = phase.compose as ComposeJson | undefined;
  if (composed) {
    lines.push(
      `    ${composed.type}: ${composed.iterations.length} iteration${composed.iterations.length === 1 ? '' : 's'} (${composed.stopped === 'done' ? 'the workflow stopped' : composed.stopped === 'max_iterations' ? 'max_iterations reached' : 'interrupted'})`,
    );
    for (const it of composed.iterations) {
      const b = it.best;
      lines.push(
        `      #${it.iteration} ${String(it.trials).padStart(5)} trials · best ${b ? `${JSON.stringify(b.params)} sharpe ${num(b.metrics.sharpe)}, return ${pct(b.metrics.total_return)}` : '—'}`,
      );
      for (const br of it.branches)
        lines.push(
          `         branch ${br.name}: ${br.skipped ?? (br.best ? `${JSON.stringify(br.best.params)} sharpe ${num(br.best.metrics.sharpe)}, return ${pct(br.best.metrics.total_return)}` : 'no qualifying set')}`,
        );
    }
  }
}

/** k_fold folds and the test windows' or folds' aggregate; returns the k_fold summary. */
function foldsBlock(phase: PhaseJson, lines: string[]): KFoldSummary | undefined {
  const kf = phase.k_fold as KFoldSummary | undefined;
  if (kf) {
    for (const f of kf.folds) {
      lines.push(`    fold ${f.fold} test ${f.test_dates[0]} → ${f.test_dates[1]} · train ${f.train_segments.map(([a, b]) => `[${a}, ${b})`).join(' + ')}`);
      if (f.best)
        lines.push(
          `      best ${JSON.stringify(f.best.params)}: train sharpe ${num(f.best.metrics.sharpe)} · test sharpe ${num(f.test_metrics?.sharpe ?? null)}, return ${pct(f.test_metrics?.total_return ?? null)}`,
        );
      else lines.push('      no set met the result constraints');
    }
    const m = kf.oos_metrics;
    if (kf.oos_equity.length > 0)
      lines.push(
        `    out of sample (test folds stitched): return ${pct(m.total_return)}, CAGR ${pct(m.cagr)}, sharpe ${num(m.sharpe)}, max drawdown ${pct(m.max_drawdown)}, trades ${m.trades}`,
      );
  }
  const agg = (kf ?? (phase.walk_forward as { aggregate?: Aggregate } | undefined))?.aggregate;
  if (agg) {
    const s = (m: MetricSummary, f: (v: number | null) => string): string => `${f(m.mean)} ± ${f(m.std)} [${f(m.min)}, ${f(m.max)}]`;
    lines.push(`    test ${kf ? 'folds' : 'windows'} (mean ± sd [min, max]): sharpe ${s(agg.sharpe, num)} · return ${s(agg.total_return, pct)}`);
  }
  return kf;
}

function monteCarloBlock(phase: PhaseJson, lines: string[]): void {
  const mc = phase.monte_carlo as
    { paths: number; bars: { final_equity: Record<string, number | null>; max_drawdown: Record<string, number | null> } } | undefined;
  if (mc) {
    const band = (b: Record<string, number | null>, f: (v: number | null) => string): string =>
      Object.entries(b)
        .map(([k, v]) => `${k} ${f(v)}`)
        .join(' · ');
    lines.push(`    monte carlo (${mc.paths} block-bootstrap paths of the best set): final equity ${band(mc.bars.final_equity, money)}`);
    lines.push(`      max drawdown ${band(mc.bars.max_drawdown, pct)}`);
  }
}

/** A single run's metrics and last trades, or a sweep's top five sets. */
function runsBlock(phase: PhaseJson, config: Config | undefined, windowed: boolean, lines: string[]): void {
  const runs = phase.runs ?? [];
  if (phase.trials === 1 && runs.length === 1) {
    metricBlock(runs[0], lines);
    const trades = runs[0].trades ?? [];
    if (trades.length > 0) {
      lines.push(`    last trades (of ${trades.length}):`);
      for (const t of trades.slice(-5)) {
        lines.push(
          `      ${t.symbol} ${t.side.padEnd(5)} ${String(t.qty).padStart(8)} @ ${t.entry_price.toFixed(2).padStart(9)} ${timeText(t.entry_time)} → ${t.exit_price.toFixed(2).padStart(9)} ${timeText(t.exit_time)}  pnl ${money(t.pnl).padStart(12)}`,
        );
      }
    }
    return;
  }
  if (!config || runs.length === 0 || windowed) return;
  const objective = objectiveOf(config);
  const sign = objective.direction === 'max' ? -1 : 1;
  const top = runs
    .filter((r) => eligible(r.metrics, objective))
    .sort((a, b) => sign * ((a.metrics[objective.metric] as number) - (b.metrics[objective.metric] as number)))
    .slice(0, 5);
  lines.push(`    top ${top.length} by ${objective.metric} (${objective.direction}):`);
  for (const r of top) {
    const m = r.metrics;
    lines.push(
      `      ${Object.entries(r.params)
        .map(([k, v]) => `${k}=${show(v)}`)
        .join(' ')
        .padEnd(
          40,
        )} ${objective.metric} ${num(m[objective.metric]).padStart(7)}  return ${pct(m.total_return).padStart(9)}  maxDD ${pct(m.max_drawdown).padStart(7)}  trades ${String(m.trades).padStart(4)}`,
    );
  }
}

/** A readable account of a run for a terminal. */
export function formatSummary(result: ResultJson, phases: readonly { name: string; config: Config; data: MarketData }[]): string {
  const lines: string[] = [`fanfold · ${result.workflow}`];
  for (const phase of result.phases) {
    const ran = phases.find((p) => p.name === phase.name);
    phaseBlock(phase, ran?.config, ran?.data, lines);
  }
  lines.push('');
  lines.push(`  results  ${result.results_dir}`);
  return lines.join('\n');
}
