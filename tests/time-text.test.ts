import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { timeText } from '../src/common/time-text.js';
import { formatSummary } from '../src/cli/summary.js';
import { loadWorkflow } from '../src/config/workflow.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';

describe('times as the summary and the report show them', () => {
  it('a bar at midnight UTC is its date; an intraday one keeps its time (to the second when it has seconds)', () => {
    expect(timeText('2024-03-05T00:00:00.000Z')).toBe('2024-03-05');
    expect(timeText('2024-03-05T14:30:00.000Z')).toBe('2024-03-05 14:30');
    expect(timeText('2024-03-05T14:30:15.000Z')).toBe('2024-03-05 14:30:15');
  });

  it("the summary's last trades of one-minute bars show their times", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanfold-times-'));
    const file = join(dir, 'minutes.yaml');
    writeFileSync(file, 'name: minutes\ndata: {synthetic: {bars: 2000, seed: 5, interval_ms: 60000}}\nstrategy: {type: sma_crossover, fast: 5, slow: 20}\n');
    const { result, phases } = await runWorkflow(loadWorkflow(file), { out: dir, executor: 'inline' });
    const trades = result.phases[0].runs![0].trades!;
    expect(trades.length).toBeGreaterThan(0);
    const last = trades[trades.length - 1];
    expect(last.entry_time.slice(11, 16)).not.toBe('00:00');
    expect(formatSummary(result, phases)).toContain(`${timeText(last.entry_time)} → ${last.exit_price.toFixed(2).padStart(9)} ${timeText(last.exit_time)}`);
    expect(timeText(last.entry_time)).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  });
});
