import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Config } from '../src/config/schema.js';
import { loadWorkflow, type PhaseDeclaration, type Workflow } from '../src/config/workflow.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';
import { ConfigError, type ConfigIssue } from '../src/errors.js';

/**
 * The merge rules of `mergeNodes` (src/config/tree.ts), exercised through real files loaded by
 * `loadWorkflow`: `extends` chains, phase entries over the workflow's keys, and `--set`.
 *
 * - maps merge key by key, recursively;
 * - scalars and plain lists (including lists of maps without `name`) are replaced;
 * - lists of named items (`- name: …`) merge item by item, matched by name, new names appended;
 * - `null` deletes an inherited key (the schema default applies);
 * - relative data paths resolve against the folder of the file that wrote them;
 * - an error is located in the file that supplied the offending value;
 * - each phase's keys override the workflow's, and `--set` wins over both.
 */

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'workflows');
const fx = (...parts: string[]): string => join(FIXTURES, ...parts);
const out = mkdtempSync(join(tmpdir(), 'fanfold-merge-'));

function phase(wf: Workflow, name: string): PhaseDeclaration {
  const p = wf.phases.find((x) => x.name === name);
  if (!p) throw new Error(`no phase ${name}`);
  return p;
}

function configOf(p: PhaseDeclaration): Config {
  if (!p.validated) throw new Error(`phase ${p.name} not validated: ${p.sink.issues.map((i) => i.message).join('; ')}`);
  return p.validated.config;
}

function issuesOf(file: string, sets: string[] = []): ConfigIssue[] {
  try {
    loadWorkflow(file, sets);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).issues];
  }
  throw new Error('expected a ConfigError');
}

// -------------------------------------------------------------------------------------------------
describe('extends: maps merge, scalars and plain lists are replaced, null deletes', () => {
  const wf = loadWorkflow(fx('merge', 'child.yaml'));
  const p = wf.phases[0];
  const config = configOf(p);

  it('the child is a one-phase workflow named by the child', () => {
    expect(wf.single).toBe(true);
    expect(wf.name).toBe('merge_child');
    expect(wf.phases.map((x) => x.name)).toEqual(['merge_child']);
  });

  it('maps merge recursively: untouched keys are inherited', () => {
    expect(config.data).toEqual({ synthetic: { bars: 300, seed: 5 } });
    expect(config.strategy.type).toBe('sma_crossover');
    expect(config.strategy.trigger).toBe('cross');
    expect(config.risk.sizing).toEqual({ percent_equity: 0.5 });
    expect(config.risk.take_profit).toBe(0.2);
    expect(config.broker.fill).toBe('next_open');
    expect(config.broker.slippage).toEqual({ percent: 0.001 });
    expect(config.search?.objective).toBe('sharpe');
    expect(config.results.top_k).toBe(5);
    expect(config.results.store_trades).toBe(false);
    // inherited keys keep their place; new keys come after them
    expect(Object.keys(p.plain.strategy as object)).toEqual(['type', 'fast', 'slow', 'trigger']);
    expect(Object.keys(p.plain.results as object)).toEqual(['top_k', 'store_trades']);
  });

  it('scalars and plain lists are replaced (a list is never appended to)', () => {
    expect((p.plain.strategy as Record<string, unknown>).fast).toEqual([10, 15]);
    expect((p.plain.strategy as Record<string, unknown>).slow).toEqual([30]);
    expect(config.search?.constraints).toEqual(['strategy.fast * 2 <= strategy.slow']);
    expect(config.sequence).toBe('single_pass'); // a map replaced by a scalar
    expect(p.validated!.dimensions.map((d) => [d.name, d.values])).toEqual([
      ['strategy.fast', [10, 15]],
      ['strategy.slow', [30]],
    ]);
  });

  it('null deletes an inherited key: the default applies', () => {
    // broker.commission {percent: 0.001} in the base, null in the child → default null
    expect('commission' in (p.plain.broker as object)).toBe(false);
    expect(config.broker.commission).toBeNull();
    // risk.stop_loss 0.05 in the base, null in the child → default null
    expect('stop_loss' in (p.plain.risk as object)).toBe(false);
    expect(config.risk.stop_loss).toBeNull();
    // capital 50000 in the base, null in the child → default 100000
    expect('capital' in p.plain).toBe(false);
    expect(config.capital).toBe(100_000);
  });

  it('the base alone still has its own values (sources are never modified)', () => {
    const base = configOf(loadWorkflow(fx('merge', 'base.yaml')).phases[0]);
    expect(base.capital).toBe(50_000);
    expect(base.risk.stop_loss).toBe(0.05);
    expect(base.broker.commission).toEqual({ percent: 0.001 });
    expect(base.sequence).toEqual({ type: 'train_test', split: 0.6 });
  });

  it('lists of maps without names are replaced as a whole; so is regime_filter.allow', () => {
    const child = configOf(loadWorkflow(fx('merge', 'list-child.yaml')).phases[0]);
    expect(child.data).toEqual({ symbols: [{ symbol: 'C', path: 'c.csv' }] });
    expect(child.strategy.regime_filter).toEqual({ type: 'trend_regime', allow: ['ranging'] });
    expect(child.search?.constraints).toEqual(['strategy.fast <= 10']);
    expect(child.strategy.fast).toBe(5);
  });
});

// -------------------------------------------------------------------------------------------------
describe('extends: lists of named items merge by name', () => {
  const wf = loadWorkflow(fx('merge', 'phases-child.yaml'));

  it('a named item is merged with the inherited one of the same name, new names are appended, order kept', () => {
    expect(wf.single).toBe(false);
    expect(wf.name).toBe('phases_child');
    // file order after the merge: sweep, confirm, report (inherited places), extra (appended)
    expect([...wf.phases].sort((a, b) => a.index - b.index).map((p) => [p.index, p.name])).toEqual([
      [0, 'sweep'],
      [1, 'confirm'],
      [2, 'report'],
      [3, 'extra'],
    ]);
  });

  it('the merged item keeps its inherited keys and gains the overriding ones', () => {
    const confirm = phase(wf, 'confirm');
    expect(confirm.topology).toBe('backtest');
    expect(confirm.dependsOn).toEqual(['sweep']);
    expect(confirm.paramsFrom).toBe('sweep');
    const c = configOf(confirm);
    expect(c.broker.fill).toBe('close');
    expect(c.broker.commission).toEqual({ percent: 0.002 });
  });

  it('an appended item is a phase of its own; null deletes a key of a named item', () => {
    const extra = phase(wf, 'extra');
    expect(extra.dependsOn).toEqual(['sweep']);
    expect(configOf(extra).strategy.fast).toBe(7);
    expect(phase(wf, 'report').conditions).toEqual([]);
    expect(phase(wf, 'report').dependsOn).toEqual(['confirm']);
    // the base still has the condition
    expect(phase(loadWorkflow(fx('merge', 'phases-base.yaml')), 'report').conditions.map((c) => c.source)).toEqual(['confirm.trials > 0']);
  });

  it('untouched named items are inherited as they are', () => {
    const sweep = phase(wf, 'sweep');
    expect(sweep.topology).toBe('optimization');
    expect(configOf(sweep).search?.objective).toBe('sharpe');
    expect(sweep.validated!.dimensions.map((d) => d.name)).toEqual(['strategy.fast']);
  });
});

// -------------------------------------------------------------------------------------------------
describe('extends chains across folders; relative data paths', () => {
  it('a chain of 3 files with relative extends paths in different folders', () => {
    const wf = loadWorkflow(fx('chain', 'c', 'd', 'leaf.yaml'));
    expect(wf.name).toBe('chain_leaf');
    const c = configOf(wf.phases[0]);
    expect(c.data).toEqual({ path: 'bars.csv', symbol: 'AAA' });
    expect(c.capital).toBe(10_000); // from a/base.yaml
    expect(c.broker.commission).toEqual({ fixed: 1 }); // from a/base.yaml
    expect(c.broker.fill).toBe('close'); // from b/mid.yaml
    expect(c.risk.stop_loss).toBeNull(); // 0.1 in a/base.yaml, deleted by c/d/leaf.yaml
    expect(wf.phases[0].validated!.dimensions.map((d) => [d.name, d.values])).toEqual([
      ['strategy.fast', [2, 3]], // leaf
      ['strategy.slow', [5, 8]], // mid
    ]);
    expect(wf.baseDir).toBe(fx('chain', 'c', 'd'));
  });

  it('a data path written by the first file resolves against that file’s folder', async () => {
    const { result, phases } = await runWorkflow(loadWorkflow(fx('chain', 'c', 'd', 'leaf.yaml')), { out, runId: 'leaf' });
    expect(phases[0].data.source).toBe(fx('chain', 'a', 'bars.csv'));
    expect(phases[0].data.symbols.map((s) => s.symbol)).toEqual(['AAA']);
    expect(phases[0].data.time.length).toBe(40);
    expect(result.phases[0].trials).toBe(4);
  });

  it('a data path written by the middle file resolves against the middle file’s folder', async () => {
    const { phases } = await runWorkflow(loadWorkflow(fx('chain', 'c', 'd', 'leaf-data.yaml')), { out, runId: 'leaf-data' });
    expect(phases[0].data.source).toBe(fx('chain', 'b', 'bars.csv'));
    expect(phases[0].data.symbols.map((s) => s.symbol)).toEqual(['BBB']);
    expect(phases[0].data.symbols[0].close[0]).toBe(50);
  });

  it('overriding only data.symbol keeps the path of the file that wrote it', async () => {
    const wf = loadWorkflow(fx('chain', 'c', 'symbol-only.yaml'));
    expect(configOf(wf.phases[0]).data).toEqual({ path: 'bars.csv', symbol: 'CCC' });
    const { phases } = await runWorkflow(wf, { out, runId: 'symbol-only' });
    expect(phases[0].data.source).toBe(fx('chain', 'a', 'bars.csv'));
    expect(phases[0].data.symbols.map((s) => s.symbol)).toEqual(['CCC']);
  });

  it('a data path given by --set resolves against the working directory, however it is spelled', async () => {
    // run-workflow.ts dataBaseDir: a path not written by a file (a --set) resolves against process.cwd()
    const rel = relative(process.cwd(), fx('chain', 'b', 'bars.csv'));
    for (const set of [`data={path: ${rel}}`, `data.path=${rel}`]) {
      const { phases } = await runWorkflow(loadWorkflow(fx('chain', 'a', 'base.yaml'), [set]), { out });
      expect(phases[0].data.source, set).toBe(fx('chain', 'b', 'bars.csv'));
    }
  });
});

// -------------------------------------------------------------------------------------------------
describe('errors are located in the file that supplied the value', () => {
  it('a bad value from the base points at the base file; a bad value from the child at the child', () => {
    const issues = issuesOf(fx('merge', 'bad-child.yaml'));
    const base = fx('merge', 'bad-base.yaml');
    const child = fx('merge', 'bad-child.yaml');
    const at = (path: string): ConfigIssue => {
      const i = issues.find((x) => x.path === path);
      if (!i) throw new Error(`no issue at ${path}: ${JSON.stringify(issues)}`);
      return i;
    };
    // broker is a map merged from both files; its `fill` came from the base
    expect(at('broker.fill')).toMatchObject({ file: base, line: 5, column: 9 });
    // results came only from the base
    expect(at('results.top_k')).toMatchObject({ file: base, line: 8, column: 10 });
    expect(at('risk.stop_loss')).toMatchObject({ file: child, line: 6, column: 14 });
    expect(issues).toHaveLength(3);
  });
});

// -------------------------------------------------------------------------------------------------
describe('phase keys override the workflow keys; --set wins over both', () => {
  const file = fx('merge', 'phases.yaml');

  it('each phase’s keys override the workflow’s (maps merged, null deletes)', () => {
    const wf = loadWorkflow(file);
    const a = configOf(phase(wf, 'a'));
    const b = configOf(phase(wf, 'b'));
    expect([a.strategy.fast, a.strategy.slow, a.risk.stop_loss, a.broker.commission, a.broker.fill]).toEqual([5, 30, 0.05, { percent: 0.001 }, 'next_open']);
    expect([b.strategy.type, b.strategy.fast, b.strategy.slow, b.risk.stop_loss, b.broker.commission, b.broker.fill]).toEqual([
      'sma_crossover',
      12,
      30,
      null,
      { percent: 0.002 },
      'close',
    ]);
    expect(b.risk.sizing).toEqual({ percent_equity: 1 });
  });

  it('--set wins over the file and over each phase’s own keys', () => {
    const wf = loadWorkflow(file, ['strategy.fast=7', 'broker.commission.percent=0.003', 'risk.stop_loss=0.08']);
    for (const name of ['a', 'b']) {
      const c = configOf(phase(wf, name));
      expect(c.strategy.fast, name).toBe(7);
      expect(c.broker.commission, name).toEqual({ percent: 0.003 });
      expect(c.risk.stop_loss, name).toBe(0.08);
      expect(c.strategy.slow, name).toBe(30);
    }
    expect(configOf(phase(wf, 'b')).broker.fill).toBe('close');
  });

  it('--set of a flow list makes a dimension in every phase', () => {
    const wf = loadWorkflow(file, ['strategy.slow=[40, 60]']);
    for (const name of ['a', 'b']) expect(phase(wf, name).validated!.dimensions.map((d) => [d.name, d.values])).toEqual([['strategy.slow', [40, 60]]]);
  });

  it('--set wins over an extends chain', () => {
    const c = configOf(loadWorkflow(fx('chain', 'c', 'd', 'leaf.yaml'), ['capital=2500', 'broker.fill=next_open']).phases[0]);
    expect(c.capital).toBe(2500);
    expect(c.broker.fill).toBe('next_open');
    expect(c.broker.commission).toEqual({ fixed: 1 });
  });

  it('a bad --set value is reported against the --set, not the file', () => {
    const issues = issuesOf(file, ['broker.fill=bad']);
    expect(issues.length).toBeGreaterThan(0);
    for (const i of issues) {
      expect(i.file).toBe('--set broker.fill=bad');
      expect(i.path.endsWith('broker.fill')).toBe(true);
    }
  });
});
