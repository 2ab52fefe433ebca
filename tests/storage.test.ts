import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../src/config/workflow.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';
import type { RunJson } from '../src/contract.js';
import { METRIC_NAMES } from '../src/types.js';

const out = mkdtempSync(join(tmpdir(), 'fanfold-storage-'));
const config = join(out, 'sweep.yaml');
writeFileSync(
  config,
  `name: store_sweep
data: {synthetic: {bars: 1500, symbols: [A], seed: 9}}
strategy: {type: sma_crossover, fast: [5, 10, 20], slow: [30, 60]}
search: {objective: sharpe}
results: {store_trades: true, top_k: 2}
`,
);

async function run(storage: 'memory' | 'disk' | 'hybrid') {
  const { result } = await runWorkflow(loadWorkflow(config), { out, storage });
  return result;
}

interface Row {
  trial_key: string;
  trial: number;
  params: string;
  status: string;
  trades_file: string | null;
  [metric: string]: unknown;
}

function rows(dir: string): Row[] {
  const db = new Database(join(dir, 'results.db'), { readonly: true });
  const all = db.prepare('SELECT * FROM trials ORDER BY trial').all() as Row[];
  db.close();
  return all;
}

describe('storage modes', () => {
  it('memory returns every run with its trades, and the store holds them too (for --resume)', async () => {
    const r = await run('memory');
    const phase = r.phases[0];
    expect(phase.storage).toBe('memory');
    expect(phase.trials).toBe(6);
    expect(phase.runs).toHaveLength(6);
    expect(phase.runs!.every((x) => Array.isArray(x.trades))).toBe(true);
    expect(rows(r.results_dir)).toHaveLength(6);
    expect(rows(r.results_dir).every((x) => x.trades_file !== null && existsSync(join(r.results_dir, x.trades_file)))).toBe(true);
    expect(JSON.parse(readFileSync(join(r.results_dir, 'run.json'), 'utf8')).status).toBe('completed');
  });

  it('disk keeps only summaries in the JSON; the store holds every trial, metric and trades blob, equal to memory', async () => {
    const memory = (await run('memory')).phases[0];
    const r = await run('disk');
    const phase = r.phases[0];
    expect(phase.runs).toBeUndefined();
    expect(phase.trials).toBe(6);
    expect(phase.best).toEqual(memory.best);
    const stored = rows(r.results_dir);
    expect(stored).toHaveLength(6);
    const byParams = new Map<string, RunJson>(memory.runs!.map((x) => [JSON.stringify(x.params), x]));
    for (const row of stored) {
      expect(row.trial_key).toMatch(/^[0-9a-f]{64}$/);
      expect(row.status).toBe('ok');
      const mem = byParams.get(row.params)!;
      for (const m of METRIC_NAMES) expect(row[m]).toBe(mem.metrics[m]);
      expect(row.trades_file).toBe(`trades/${row.trial_key}.msgpack`);
      expect(unpack(readFileSync(join(r.results_dir, row.trades_file!)))).toEqual(mem.trades);
    }
  });

  it('hybrid returns the top-k runs in rank order; the store has every summary and the top-k trades', async () => {
    const memory = (await run('memory')).phases[0];
    const r = await run('hybrid');
    const phase = r.phases[0];
    const ranked = [...memory.runs!].sort((a, b) => (b.metrics.sharpe as number) - (a.metrics.sharpe as number));
    expect(phase.runs!.map((x) => x.params)).toEqual(ranked.slice(0, 2).map((x) => x.params));
    expect(phase.runs![0]).toEqual(ranked[0]);
    const stored = rows(r.results_dir);
    expect(stored).toHaveLength(6);
    const withTrades = stored.filter((x) => x.trades_file !== null).map((x) => x.params);
    expect(withTrades.sort()).toEqual(
      ranked
        .slice(0, 2)
        .map((x) => JSON.stringify(x.params))
        .sort(),
    );
  });

  it('the trial key is the same for the same set, data and window across runs', async () => {
    const a = rows((await run('disk')).results_dir).map((x) => x.trial_key);
    const b = rows((await run('disk')).results_dir).map((x) => x.trial_key);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(6);
  });
});

describe('the results thread', () => {
  it('a store that cannot be opened fails the call and leaves no thread behind (the process can exit)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanfold-badstore-'));
    mkdirSync(join(dir, 'results.db'));
    const thread = join(import.meta.dirname, '..', 'dist', 'src', 'results', 'thread.js');
    const script = `import('${thread}').then((m) => m.threadedResults(${JSON.stringify(dir)})).then(() => console.log('opened'), (e) => console.log('refused: ' + e.message.split('\\n')[0]));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 15_000 });
    expect(r.signal).toBe(null); // not killed by the timeout: nothing kept the process alive
    expect(r.stdout).toMatch(/^refused: /);
  });
});
