import { timeText } from '../common/time-text.js';
import { METRIC_NAMES, type Trade } from '../types.js';
import type { ShownTrial } from './index.js';
import { barsText } from './target.js';

/** Trades listed in the text output; the rest are counted (all of them are in --json and --csv). */
export const TEXT_TRADES = 50;

const fixed = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(2));
const show = (v: unknown): string => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
const day = (iso: string | null): string => (iso === null ? '—' : timeText(iso));

/** Columns of the trade table aligned right: the number, quantities, prices and money. */
const NUMERIC = new Set([0, 3, 5, 7, 8, 9]);

function tradeTable(trades: readonly Trade[]): string[] {
  const header = ['#', 'symbol', 'side', 'qty', 'entry', 'price', 'exit', 'price', 'commission', 'pnl'];
  const rows = trades
    .slice(0, TEXT_TRADES)
    .map((t, i) => [
      String(i + 1),
      t.symbol,
      t.side,
      fixed(t.qty),
      timeText(t.entry_time),
      fixed(t.entry_price),
      timeText(t.exit_time),
      fixed(t.exit_price),
      fixed(t.commission),
      fixed(t.pnl),
    ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: readonly string[]): string =>
    `    ${cells.map((x, c) => (NUMERIC.has(c) ? x.padStart(widths[c]) : x.padEnd(widths[c]))).join('  ')}`.trimEnd();
  const out = [line(header), ...rows.map(line)];
  if (trades.length > TEXT_TRADES) out.push(`    … ${trades.length - TEXT_TRADES} more (all of them with --json or --csv)`);
  return out;
}

/** The text output: where the trial sits, its parameters, metrics, trades, equity, and whether it reproduced. */
export function showText(s: ShownTrial): string {
  const { target, stage, summary } = s;
  const w = target.window;
  const lines = [`fanfold show · ${s.workflow} · run ${s.runId}`, ''];
  lines.push(`  phase    ${stage.label} · ${stage.topology} · ${stage.sequence} · trial ${target.trial}`);
  lines.push(
    `  window   ${w.index}/${w.of}${w.part === null ? '' : ` · ${w.part}`}${w.segments > 1 ? ` · segment ${w.segment}/${w.segments}` : ''} · ${barsText(s.data, target.bars)}`,
  );
  lines.push(`  data     ${s.data.symbols.map((x) => x.symbol).join(', ')} · ${s.data.source} · sha256 ${s.data.hash.slice(0, 12)}… (as in the run)`);
  const params = Object.entries(s.params);
  lines.push(`  params   ${params.length === 0 ? '(none swept)' : params.map(([k, v]) => `${k}=${show(v)}`).join(' · ')}`);
  const { capital, strategy, risk, broker } = s.set;
  lines.push(`  set      capital ${capital} · strategy ${show(strategy)}`, `           risk ${show(risk)}`, `           broker ${show(broker)}`);
  lines.push('  metrics  (recomputed; shortest round-trip decimals)');
  for (const m of METRIC_NAMES) lines.push(`    ${m.padEnd(14)} ${s.metrics[m] === null ? '—' : String(s.metrics[m])}`);
  lines.push(`  trades   ${s.trades.length} closed${s.tradesStored ? ' (compared with the stored ones)' : ' (the run stored none for this trial)'}`);
  if (s.trades.length > 0) lines.push(...tradeTable(s.trades));
  const dd = summary.max_drawdown;
  lines.push(
    `  equity   ${summary.bars} bars · start ${fixed(summary.start.equity)} (${day(summary.start.time)}) · end ${fixed(summary.end.equity)} (${day(summary.end.time)})`,
    `           min ${fixed(summary.min.equity)} (${day(summary.min.time)}) · max ${fixed(summary.max.equity)} (${day(summary.max.time)})`,
    `           max drawdown ${(100 * dd.value).toFixed(2)}%${dd.peak === null ? '' : ` from the peak of ${day(dd.peak)} to ${day(dd.trough)}`}`,
  );
  if (s.differences.length === 0) {
    lines.push(
      `  match    the trial key, ${METRIC_NAMES.length} stored metrics${s.tradesStored ? ` and ${s.trades.length} stored trades` : ''} equal the recomputed ones bit for bit`,
    );
  } else {
    lines.push(
      `  MISMATCH ${s.differences.length} stored value${s.differences.length === 1 ? ' differs' : 's differ'} from the recomputed one${s.differences.length === 1 ? '' : 's'}:`,
    );
    for (const d of s.differences) lines.push(`    ${d.what}: stored ${show(d.stored)} · recomputed ${show(d.recomputed)}`);
  }
  return lines.join('\n');
}
