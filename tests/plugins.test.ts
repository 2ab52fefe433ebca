import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openWorkflow } from '../src/coordinator/open.js';
import { loadPlugins } from '../src/coordinator/plugins.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { runBatch } from '../src/topology/run-sets.js';
import { makeSet } from './helpers.js';

const root = join(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'fanfold-plugins-'));

function pluginFolder(name: string, source: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'plugin.mjs'), source);
  return dir;
}

const strategySource = (name: string, extra = ''): string => `export const s = {
  kind: 'strategy', name: '${name}', description: 'test', stateSize: 0,
  params: [{ name: 'n', type: 'int', default: 5, min: 1, description: 'n' }],
  prepare: (raw) => ({ n: raw.n ?? 5 }),
  features: (p) => [\`sma(\${p.n})\`],
  signal(f, cols, bar, p) { ${extra} return bar.close > f[cols[0]] ? 1 : 0; },
};`;

describe('plugins', () => {
  it('a .ts plugin loads as it is, types stripped, and computes what the same strategy in JavaScript computes', async () => {
    const ts = join(tmp, 'typescript');
    mkdirSync(ts, { recursive: true });
    // The JavaScript source with type annotations, an interface and a type-only import added.
    const typed = strategySource('ts_typed')
      .replace(
        'export const s = {',
        "import type { StrategyDefinition } from 'fanfold';\ninterface P { readonly n: number }\nexport const s: StrategyDefinition<P> = {",
      )
      .replace('prepare: (raw) =>', 'prepare: (raw: Record<string, unknown>): P =>')
      .replace('raw.n ?? 5', '(raw.n as number | undefined) ?? 5')
      .replace('features: (p) =>', 'features: (p: P): string[] =>')
      .replace('signal(f, cols, bar, p)', 'signal(f: Float64Array, cols: Int32Array, bar: { close: number }, p: P): number');
    writeFileSync(join(ts, 'typed.ts'), typed);
    writeFileSync(join(ts, 'plain.mjs'), strategySource('js_plain'));
    expect((await loadPlugins([ts])).strategies.sort()).toEqual(['js_plain', 'ts_typed']);
    const data = generateSynthetic({ bars: 600, symbols: ['AAA'], seed: 7 });
    const [a, b] = runBatch(data, [makeSet('ts_typed', { n: 12 }), makeSet('js_plain', { n: 12 })]);
    expect(a.metrics.trades).toBeGreaterThan(0);
    expect(a.metrics).toEqual(b.metrics);
  });

  it('a .ts plugin with its compiled .mjs beside it: the .mjs is the module, the .ts its source (not loaded twice)', async () => {
    const ts = join(tmp, 'typescript-compiled');
    mkdirSync(ts, { recursive: true });
    writeFileSync(join(ts, 'mine.ts'), "throw new Error('the source must not be loaded');\n");
    writeFileSync(join(ts, 'mine.mjs'), strategySource('ts_compiled'));
    writeFileSync(join(ts, 'types.d.ts'), 'export declare const x: number;\n');
    expect((await loadPlugins([ts])).strategies).toEqual(['ts_compiled']);
  });

  it('the example plugin runs through YAML exactly as through the API', async () => {
    const workflow = await openWorkflow(join(root, 'configs', 'plugin.yaml'));
    // Every run, in grid order (the default storage returns the top-k ranked).
    const { result } = await runWorkflow(workflow, { out: tmp, storage: 'memory' });
    const phase = result.phases[0];
    expect(phase.trials).toBe(6);
    const data = generateSynthetic({ bars: 4000, symbols: ['AAA', 'BBB'], seed: 42 });
    const sets = [20, 40].flatMap((n) =>
      [1.5, 2.0, 2.5].map((entry) =>
        makeSet(
          'zscore_reversion',
          { n, entry, exit: 0 },
          {
            risk: { sizing: { kind: 'percent_equity', value: 0.5 } },
            broker: { commission: { kind: 'percent', value: 0.001 }, slippage: { kind: 'percent', value: 0.0005 } },
          },
        ),
      ),
    );
    const api = runBatch(data, sets);
    phase.runs!.forEach((r, i) => expect(r.metrics.final_equity).toBe(api[i].metrics.final_equity));
  });

  it('refuses bad metadata, name collisions, empty modules and missing folders, naming the file', async () => {
    await expect(loadPlugins([pluginFolder('upper', strategySource('BadName'))])).rejects.toThrow(
      /upper\/plugin\.mjs: export 's': name must be lower_snake_case/,
    );
    await expect(loadPlugins([pluginFolder('collide', strategySource('sma_crossover'))])).rejects.toThrow(
      /collide\/plugin\.mjs: export 's': the name 'sma_crossover' is already registered/,
    );
    await expect(loadPlugins([pluginFolder('empty', 'export const x = 1;')])).rejects.toThrow(
      /empty\/plugin\.mjs: exports no feature, strategy, classifier or workflow/,
    );
    await expect(loadPlugins([join(tmp, 'nowhere')])).rejects.toThrow(/plugins: cannot read folder .*nowhere/);
    await expect(loadPlugins([pluginFolder('badfeature', strategySource('bad_feature').replace('sma(', 'smaa('))])).rejects.toThrow(
      /its defaults do not prepare: unknown feature 'smaa'/,
    );
  });

  it('loading the same folder twice is harmless', async () => {
    const dir = pluginFolder('twice', strategySource('twice_strategy'));
    expect((await loadPlugins([dir])).strategies).toEqual(['twice_strategy']);
    expect((await loadPlugins([dir])).strategies).toEqual([]);
  });

  it('a strategy that throws for one parameter value is isolated: that trial fails, the others complete', async () => {
    const dir = pluginFolder('throws', strategySource('throws_on_7', "if (p.n === 7) throw new Error('n = 7 is cursed');"));
    const config = join(tmp, 'throws.yaml');
    writeFileSync(config, `name: throws\nplugins: [${dir}]\ndata: {synthetic: {bars: 300, seed: 1}}\nstrategy: {type: throws_on_7, n: [5, 7, 9]}\n`);
    const { result } = await runWorkflow(await openWorkflow(config), { out: tmp, storage: 'memory' });
    const phase = result.phases[0];
    expect(phase.trials).toBe(3);
    expect(phase.failed).toBe(1);
    expect(phase.runs!.map((r) => r.params)).toEqual([{ 'strategy.n': 5 }, { 'strategy.n': 9 }]);
    expect(phase.failures).toEqual([{ params: { 'strategy.n': 7 }, error: expect.stringContaining('n = 7 is cursed') }]);
  });
});
