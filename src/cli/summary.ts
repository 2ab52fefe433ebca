import type { MarketData } from '../data/series.js';
import type { Config } from '../config/schema.js';
import type { ResultJson } from '../results/contract.js';

const pct = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(2)}%`);
const num = (v: number | null, digits = 2): string => (v === null ? '—' : v.toFixed(digits));
const money = (v: number | null): string => (v === null ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 }));

/** A readable account of one run for a terminal. */
export function formatSummary(result: ResultJson, data: MarketData, config: Config): string {
  const lines: string[] = [];
  const n = data.time.length;
  const day = (t: number): string => new Date(t).toISOString().slice(0, 10);
  const { type, regime_filter: filter, ...params } = config.strategy;
  lines.push(`fanfold · ${result.workflow}`);
  lines.push(`  data      ${data.symbols.map((s) => s.symbol).join(', ')} · ${n} bars ${day(data.time[0])} → ${day(data.time[n - 1])} · ${data.hash.slice(0, 12)}`);
  lines.push(`  strategy  ${type}(${Object.entries(params).map(([k, v]) => `${k}=${String(v)}`).join(', ')})${filter ? ` gated by ${filter.type} ∈ {${filter.allow.join(', ')}}` : ''}`);
  lines.push(`  capital   ${money(config.capital)} · fill ${config.broker.fill}${config.broker.commission ? ` · commission ${JSON.stringify(config.broker.commission)}` : ''}`);
  for (const phase of result.phases) {
    for (const run of phase.runs ?? []) {
      const m = run.metrics;
      lines.push('');
      lines.push(`  final equity   ${money(m.final_equity).padStart(16)}    total return  ${pct(m.total_return).padStart(9)}    CAGR     ${pct(m.cagr).padStart(8)}`);
      lines.push(`  sharpe         ${num(m.sharpe).padStart(16)}    sortino       ${num(m.sortino).padStart(9)}    calmar   ${num(m.calmar).padStart(8)}`);
      lines.push(`  volatility     ${pct(m.volatility).padStart(16)}    max drawdown  ${pct(m.max_drawdown).padStart(9)}    exposure ${pct(m.exposure).padStart(8)}`);
      lines.push(`  trades         ${String(m.trades).padStart(16)}    win rate      ${pct(m.win_rate).padStart(9)}    profit f ${num(m.profit_factor).padStart(8)}`);
      const trades = run.trades ?? [];
      if (trades.length > 0) {
        lines.push('');
        lines.push(`  last trades (of ${trades.length}):`);
        for (const t of trades.slice(-5)) {
          lines.push(`    ${t.symbol} ${t.side.padEnd(5)} ${String(t.qty).padStart(8)} @ ${t.entry_price.toFixed(2).padStart(9)} ${t.entry_time.slice(0, 10)} → ${t.exit_price.toFixed(2).padStart(9)} ${t.exit_time.slice(0, 10)}  pnl ${money(t.pnl).padStart(12)}`);
        }
      }
    }
  }
  lines.push('');
  lines.push(`  results   ${result.results_dir}`);
  return lines.join('\n');
}
