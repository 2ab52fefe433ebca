import { generateSynthetic } from '../data/synthetic.js';
import type { ParameterSet } from '../types.js';
import { trialKey } from '../search/trial-key.js';
import { runBatch } from '../topology/run.js';
import { packRows, unpackRows, ROW_WIDTH } from './rows.js';

/**
 * A worker's first seconds go to compiling the engine; a pool's workers start while the
 * coordinator still reads the config and the data. Running a small sweep of built-in strategies on
 * generated data then lets the compiler optimise the kernel, trial keys and row packing before the
 * first real task arrives, instead of competing with it for the cores. It computes nothing kept.
 */
export function warmUp(): void {
  const data = generateSynthetic({ bars: 3000, seed: 1 });
  const sets: ParameterSet[] = [];
  for (const fast of [2, 3, 5, 8]) {
    for (const slow of [13, 21, 34]) {
      for (const stopLoss of [null, 0.05]) {
        sets.push({
          capital: 100_000,
          strategy: { type: 'sma_crossover', params: { fast, slow }, regimeFilter: null },
          risk: { sizing: { kind: 'percent_equity', value: 1 }, stopLoss, takeProfit: null, trailingStop: null },
          broker: { fill: 'next_open', commission: { kind: 'percent', value: 0.001 }, slippage: null },
        });
      }
    }
  }
  const window = { start: 1000, end: 3000 };
  for (let round = 0; round < 3; round++) {
    const results = runBatch(data, sets, { window, periodsPerYear: 252 });
    let keys = '';
    for (const set of sets) keys += trialKey(set, data.hash, window);
    const metrics = new Float64Array(sets.length * ROW_WIDTH);
    results.forEach((r, i) => (metrics[i * ROW_WIDTH] = r.metrics.final_equity));
    unpackRows(packRows({ label: 'warm-up', windows: [[window.start, window.end]], window: new Int32Array(sets.length), trial: new Float64Array(sets.length), keys, params: sets.map(() => '{}'), metrics, trades: null }));
  }
}
