import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './support/cli.js';
import { MEMORY_WARNING_TRIALS } from '../src/coordinator/stage.js';

const out = mkdtempSync(join(tmpdir(), 'fanfold-defaults-'));

// 100 × 100 = 10,000 points on 80 bars: a space just large enough to be warned of, quick to run.
const big = (results: string): string => {
  const file = join(out, `big-${results.length}.yaml`);
  writeFileSync(
    file,
    `name: big\ndata: {synthetic: {bars: 80, symbols: [AAA], seed: 9}}\nstrategy:\n  type: sma_crossover\n  fast: range(1, 100, 1)\n  slow: range(1, 100, 1)\nsearch: {objective: sharpe}\n${results}`,
  );
  return file;
};

describe('results defaults that survive a big sweep', () => {
  it('no results key: hybrid, every trial counted, only the top 20 runs (with their trades) returned', () => {
    const r = cli(['run', big(''), '--json', '--quiet', '--out', out]);
    expect(r.status).toBe(0);
    const phase = (JSON.parse(r.stdout) as { phases: { storage: string; trials: number; runs: { trades?: unknown[] }[] }[] }).phases[0];
    expect(phase.storage).toBe('hybrid');
    expect(phase.trials).toBe(10_000);
    expect(phase.runs).toHaveLength(20);
    for (const run of phase.runs) expect(Array.isArray(run.trades)).toBe(true);
    expect(r.stderr).not.toContain('warning');
  });

  it('memory storage with trades on a space of 10,000 trials or more is warned of; without trades it is not', () => {
    expect(MEMORY_WARNING_TRIALS).toBe(10_000);
    const warned = cli(['run', big('results: {storage: memory}\n'), '--quiet', '--out', out]);
    expect(warned.status).toBe(0);
    expect(warned.stderr).toContain('warning: phase big: results.storage memory keeps all 10000 runs with their trades in memory and in run.json');
    const quiet = cli(['run', big('results: {storage: memory, store_trades: false}\n'), '--quiet', '--out', out]);
    expect(quiet.status).toBe(0);
    expect(quiet.stderr).not.toContain('warning');
  });
});
