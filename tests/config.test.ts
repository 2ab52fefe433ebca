import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../src/config/workflow.js';
import type { Config } from '../src/config/schema.js';
import { parameterSetOf } from '../src/config/resolve.js';
import { ConfigError } from '../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'fanfold-config-'));
let counter = 0;
function file(text: string): string {
  const f = join(dir, `c${counter++}.yaml`);
  writeFileSync(f, text);
  return f;
}

/** The validated config of a single-phase file. */
function loadConfig(f: string, sets: string[] = []): { config: Config } {
  const phase = loadWorkflow(f, sets).phases[0];
  if (!phase.validated) throw new Error('phase not validated');
  return { config: phase.validated.config };
}

function issuesOf(f: string, sets: string[] = []): string[] {
  try {
    loadWorkflow(f, sets);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message.split('\n');
  }
  throw new Error('expected a ConfigError');
}

const minimal = 'name: t\ndata: {path: x.csv}\nstrategy: {type: sma_crossover, fast: 5, slow: 20}\n';

describe('config loading', () => {
  it('fills defaults and resolves a parameter set', () => {
    const { config } = loadConfig(file(minimal));
    expect(config.capital).toBe(100_000);
    expect(config.broker).toEqual({ fill: 'next_open', commission: null, slippage: null });
    expect(config.execution.executor).toBe('pool');
    const set = parameterSetOf(config);
    expect(set.strategy).toEqual({ type: 'sma_crossover', params: { fast: 5, slow: 20 }, regimeFilter: null });
    expect(set.risk.sizing).toEqual({ kind: 'percent_equity', value: 1 });
  });

  it('resolves commission, slippage, sizing variants and a regime filter', () => {
    const f = file(`name: t
data: {path: x.csv}
strategy:
  type: rsi_reversion
  n: 10
  regime_filter: {type: volatility_regime, n: 14, threshold: 0.03, allow: [low_vol]}
risk: {sizing: {fixed: 100}, stop_loss: 0.05, trailing_stop: 0.1}
broker: {fill: close, commission: {per_share: 0.005}, slippage: {fixed: 0.01}}
`);
    const set = parameterSetOf(loadConfig(f).config);
    expect(set.risk).toEqual({ sizing: { kind: 'fixed', value: 100 }, stopLoss: 0.05, takeProfit: null, trailingStop: 0.1 });
    expect(set.broker).toEqual({ fill: 'close', commission: { kind: 'per_share', value: 0.005 }, slippage: { kind: 'fixed', value: 0.01 } });
    expect(set.strategy.regimeFilter).toEqual({ type: 'volatility_regime', allow: ['low_vol'], params: { n: 14, threshold: 0.03 } });
  });

  it('reports every problem of a file at once, each with line, column and key path', () => {
    const f = file(`name: t
data: {path: x.csv}
strategy:
  type: sma_crossover
  fast: 0
  trigger: sometimes
risk:
  sizing: {percent_equity: 1.5}
  stop_los: 0.1
broker:
  commission: {percent: -1}
`);
    expect(issuesOf(f)).toEqual([
      `${f}:5:9: strategy.fast: sma_crossover.fast: must be ≥ 1, got 0`,
      `${f}:6:12: strategy.trigger: sma_crossover.trigger: expected one of cross, level, got "sometimes"`,
      `${f}:8:28: risk.sizing.percent_equity: expected number to be <=1, found 1.5`,
      `${f}:9:3: risk.stop_los: unknown key 'stop_los' (did you mean 'stop_loss'?)`,
      `${f}:11:25: broker.commission.percent: expected number to be >=0, found -1`,
    ]);
  });

  it('names a missing required key at its parent', () => {
    expect(issuesOf(file('name: t\nstrategy: {type: buy_and_hold}\n'))).toEqual([expect.stringMatching(/:1:1: data: expected one of \{path, symbol\}/)]);
  });

  it('suggests the closest strategy name', () => {
    const f = file('name: t\ndata: {path: x.csv}\nstrategy: {type: sma_crosover}\n');
    expect(issuesOf(f)[0]).toBe(`${f}:3:18: strategy.type: unknown strategy 'sma_crosover' (did you mean 'sma_crossover'?); see \`fanfold list strategies\``);
  });

  it('--set replaces values, creates keys, and errors in it name the flag', () => {
    const f = file(minimal);
    const { config } = loadConfig(f, ['strategy.fast=8', 'broker.commission={percent: 0.002}', 'name=other']);
    expect(config.strategy.fast).toBe(8);
    expect(config.broker.commission).toEqual({ percent: 0.002 });
    expect(config.name).toBe('other');
    expect(issuesOf(f, ['capital=-1'])).toEqual(['--set capital=-1: capital: expected number to be >0, found -1']);
    expect(issuesOf(f, ['capital'])).toEqual(['--set capital: expected path.to.key=value']);
  });

  it('parses YAML safely: syntax errors have positions, duplicate keys and alias bombs fail fast', () => {
    expect(issuesOf(file('name: t\ndata: {path: x.csv\n'))[0]).toMatch(/c\d+\.yaml:\d+:\d+: /);
    expect(issuesOf(file('name: t\nname: u\n'))[0]).toMatch(/:2:1: Map keys must be unique/);
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`,
      ),
    ].join('\n');
    const started = Date.now();
    expect(issuesOf(file(bomb))[0]).toMatch(/alias/i);
    expect(Date.now() - started).toBeLessThan(5000);
    // No tag constructs code or objects: an unknown tag is a plain value with a warning, never run.
    expect(issuesOf(file('name: !!js/function "function(){}"\ndata: {path: x.csv}\nstrategy: {type: buy_and_hold}\n'))[0]).toMatch(/:1:7: .*tag/i);
  });

  it('refuses an empty phase list, and a config that is not a map', () => {
    expect(issuesOf(file(`${minimal}phases: []\n`))[0]).toMatch(/:4:9: phases: expected a list of phases/);
    expect(issuesOf(file('- a\n- b\n'))[0]).toMatch(/:1:1: expected a map of config keys/);
  });

  it('an unreadable file is a config error naming it', () => {
    expect(issuesOf(join(dir, 'missing.yaml'))[0]).toMatch(/missing\.yaml:1:1: cannot read config/);
  });
});
