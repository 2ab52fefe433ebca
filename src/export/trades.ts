import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unpack } from 'msgpackr';
import type { Trade } from '../types.js';
import { UserError } from '../errors.js';
import { numberCell, timeCell, type Cell, type Column, type Table } from './table.js';
import type { PhaseSource, RunSource } from './run-source.js';
import { STAGE_COLUMNS } from './trials.js';

const COLUMNS: readonly Column[] = [
  ...STAGE_COLUMNS,
  { name: 'trial', type: 'int64' },
  { name: 'trial_key', type: 'string' },
  { name: 'window_start', type: 'int32' },
  { name: 'window_end', type: 'int32' },
  { name: 'trade', type: 'int32' },
  { name: 'symbol', type: 'string' },
  { name: 'side', type: 'string' },
  { name: 'qty', type: 'double' },
  { name: 'entry_time', type: 'timestamp' },
  { name: 'entry_price', type: 'double' },
  { name: 'exit_time', type: 'timestamp' },
  { name: 'exit_price', type: 'double' },
  { name: 'commission', type: 'double' },
  { name: 'pnl', type: 'double' },
];

/**
 * `trades`: every closed trade the run stored (results.db names each trial's
 * `trades/<trial key>.msgpack`; which trials have one depends on `results.storage` and
 * `store_trades`), trial by trial in window then grid order, `trade` numbering them from 1 within
 * their trial.
 */
export function tradesTable(source: RunSource, phase: PhaseSource): Table {
  const stages = source.stages(phase.name);
  const select = source.db
    .prepare(
      'SELECT trial, trial_key, window_start, window_end, trades_file FROM trials WHERE phase = ? AND trades_file IS NOT NULL ORDER BY window_start, window_end, trial',
    )
    .raw(true);
  let files = 0;
  function* rows(): Generator<Cell[]> {
    for (const stage of stages) {
      for (const r of select.iterate(stage) as IterableIterator<[number, string, number, number, string]>) {
        const [trial, key, start, end, file] = r;
        files++;
        const path = join(source.dir, file);
        if (!existsSync(path)) throw new UserError(`export: ${path} is missing (results.db names it for trial ${trial} of ${stage})`);
        const trades = unpack(readFileSync(path)) as Trade[];
        for (let i = 0; i < trades.length; i++) {
          const t = trades[i];
          yield [
            phase.name,
            stage,
            trial,
            key,
            start,
            end,
            i + 1,
            t.symbol,
            t.side,
            numberCell(t.qty),
            timeCell(t.entry_time),
            numberCell(t.entry_price),
            timeCell(t.exit_time),
            numberCell(t.exit_price),
            numberCell(t.commission),
            numberCell(t.pnl),
          ];
        }
      }
    }
  }
  return {
    name: 'trades',
    columns: COLUMNS,
    rows: rows(),
    // Read once the rows ran out: whether any trial had a trades file tells the two cases apart.
    get emptyReason(): string {
      if (files > 0) return `no trades: the ${files} trial${files === 1 ? '' : 's'} with stored trades closed none`;
      const results = (phase.config.results ?? {}) as { store_trades?: unknown };
      return results.store_trades === false
        ? 'no trades stored (the phase has results.store_trades: false)'
        : 'no trades stored (no trial of the phase kept its trades)';
    },
  };
}
