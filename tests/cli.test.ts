import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, CLI } from './support/cli.js';
import { loadWorkflow } from '../src/config/workflow.js';
import { configJsonSchema } from '../src/config/schema.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';
import { loadCsvFile } from '../src/data/csv.js';
import { alignSeries } from '../src/data/align.js';
import { computeFeatureColumns } from '../src/features/compute.js';
import { cliName } from '../src/cli/run-command.js';

const TTRC = join(import.meta.dirname, '..', '..', 'shared', 'data', 'ttrc.csv');
const out = mkdtempSync(join(tmpdir(), 'fanfold-cli-'));

function writeConfig(name: string, text: string): string {
  const file = join(out, name);
  writeFileSync(file, text);
  return file;
}

const ttrcConfig = (extra = ''): string => `name: ttrc_sma
data: {path: ${TTRC}, symbol: TTRC}
capital: 50000
strategy: {type: sma_crossover, fast: 10, slow: 40}
broker: {fill: next_open, commission: {percent: 0.001}}
search: {objective: sharpe}
${extra}`;

describe('fanfold run', () => {
  it('prints the same JSON as the programmatic API for the same config', async () => {
    const file = writeConfig('same.yaml', ttrcConfig());
    const r = cli(['run', file, '--json', '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const fromCli = JSON.parse(r.stdout);
    const { result } = await runWorkflow(loadWorkflow(file), { out, runId: fromCli.run_id });
    expect(fromCli).toEqual(JSON.parse(JSON.stringify(result)));
    const phase = fromCli.phases[0];
    // No results key: hybrid, the default that bounds memory whatever the sweep's size (issue 17).
    expect(phase).toMatchObject({ topology: 'backtest', sequence: 'single_pass', storage: 'hybrid', trials: 1, failed: 0 });
    expect(Object.keys(phase.runs[0].metrics).sort()).toEqual(
      [
        'calmar',
        'cagr',
        'exposure',
        'final_equity',
        'max_drawdown',
        'profit_factor',
        'sharpe',
        'sortino',
        'total_return',
        'trades',
        'volatility',
        'win_rate',
      ].sort(),
    );
    expect(phase.best.metrics).toEqual(phase.runs[0].metrics);
    expect(phase.runs[0].params).toEqual({});
    const trades = phase.runs[0].trades;
    expect(trades.length).toBe(phase.runs[0].metrics.trades);
    expect(trades[0]).toMatchObject({ symbol: 'TTRC', side: 'long' });
    expect(trades[0].entry_time).toMatch(/^\d{4}-\d\d-\d\dT00:00:00\.000Z$/);
    // Each long trade's net pnl is (exit − entry) × qty − commission, commission 0.1% of each fill.
    for (const t of trades as { qty: number; entry_price: number; exit_price: number; commission: number; pnl: number }[]) {
      expect(t.commission).toBeCloseTo(0.001 * t.qty * (t.entry_price + t.exit_price), 9);
      expect(t.pnl).toBeCloseTo((t.exit_price - t.entry_price) * t.qty - t.commission, 9);
    }
    const runJson = JSON.parse(readFileSync(join(fromCli.results_dir, 'run.json'), 'utf8'));
    expect(runJson.status).toBe('completed');
    expect(runJson.data[0].hash).toMatch(/^[0-9a-f]{64}$/);
    expect(runJson.data[0].bars).toBe(5550);
  });

  it('lets --set override the file, and flags override --set', () => {
    const file = writeConfig('set.yaml', ttrcConfig());
    const base = JSON.parse(cli(['run', file, '--json', '--out', out]).stdout).phases[0].runs[0].metrics;
    const changed = JSON.parse(cli(['run', file, '--json', '--out', out, '--set', 'strategy.fast=20', '--set', 'broker.commission={per_share: 0.01}']).stdout)
      .phases[0].runs[0].metrics;
    expect(changed.final_equity).not.toBe(base.final_equity);
    const explicit = writeConfig('set2.yaml', ttrcConfig().replace('fast: 10', 'fast: 20').replace('{percent: 0.001}', '{per_share: 0.01}'));
    expect(JSON.parse(cli(['run', explicit, '--json', '--out', out]).stdout).phases[0].runs[0].metrics).toEqual(changed);
    const r = cli(['run', file, '--json', '--out', out, '--set', 'results.storage=disk', '--storage', 'memory']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).phases[0].storage).toBe('memory');
  });

  it('prints a readable summary without --json', () => {
    const r = cli(['run', 'configs/demo.yaml', '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('fanfold · demo_sma');
    expect(r.stderr).toContain('phase demo_sma: 1 point in the parameter space');
    expect(r.stdout).toMatch(/sharpe\s+-?\d+\.\d\d/);
    expect(r.stdout).toMatch(/trades\s+\d+/);
  });

  it('rejects an invalid config with file:line:col, key path and exit code 2, without a stack trace', () => {
    const file = writeConfig('bad.yaml', 'name: bad\ndata: {path: x.csv}\nstrategy:\n  type: sma_crossover\n  fastt: 5\nbroker: {fill: tomorrow}\n');
    const r = cli(['run', file]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${file}:5:3: strategy.fastt: sma_crossover: unknown parameter 'fastt' (did you mean 'fast'?)`);
    expect(r.stderr).toContain(`${file}:6:16: broker.fill: expected one of "next_open"|"close", found "tomorrow"`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects bad data naming the file and row, exit code 2', () => {
    const data = join(out, 'bad.csv');
    writeFileSync(data, 'date,open,high,low,close,volume\n2020-01-01,1,2,0.5,1.5,10\n2020-01-02,1,0.5,2,1.5,10\n');
    const file = writeConfig('baddata.yaml', `name: bd\ndata: {path: ${data}}\nstrategy: {type: buy_and_hold}\n`);
    const r = cli(['run', file, '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${data.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3: .*high.*low`));
  });

  it('--executor redis without a Redis URL says what is missing, exit code 2', () => {
    const r = cli(['run', 'configs/demo.yaml', '--executor', 'redis', '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("error: executor 'redis' needs a Redis URL: pass --redis redis://host:6379 or set execution.redis.url in configs/demo.yaml\n");
  });
});

describe('fanfold validate, schema, list, features', () => {
  it('validate accepts every example config and rejects a bad one', () => {
    expect(cli(['validate', 'configs/demo.yaml']).status).toBe(0);
    const file = writeConfig('v.yaml', 'name: v\ndata: {path: x.csv}\ncapitl: 5\nstrategy: {type: sma_crossover}\n');
    const r = cli(['validate', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${file}:3:1: capitl: unknown key 'capitl' (did you mean 'capital'?)`);
  });

  it('schema prints the JSON Schema that configs/fanfold.schema.json holds', () => {
    const r = cli(['schema']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(configJsonSchema());
    expect(JSON.parse(readFileSync(join(import.meta.dirname, '..', 'configs', 'fanfold.schema.json'), 'utf8'))).toEqual(configJsonSchema());
  });

  it('list names every built-in', () => {
    const r = cli(['list']);
    for (const name of [
      'sma_crossover',
      'ema_crossover',
      'rsi_reversion',
      'bollinger_reversion',
      'donchian_breakout',
      'momentum',
      'buy_and_hold',
      'volatility_regime',
      'trend_regime',
      'macd(fast,slow,signal)',
      'bbands(n,k)',
      'single_pass',
      'backtest',
      'optimization',
    ]) {
      expect(r.stdout).toContain(name);
    }
  });

  it('list --config lists the plugins a config loads, and a broken config is an error naming file:line:col (not silently nothing)', () => {
    const withPlugin = cli(['list', 'strategies', '--config', join(import.meta.dirname, '..', 'configs', 'plugin.yaml')]);
    expect(withPlugin.status).toBe(0);
    expect(withPlugin.stdout).toContain('zscore_reversion');
    expect(cli(['list', 'strategies']).stdout).not.toContain('zscore_reversion');
    const broken = writeConfig('broken-extends.yaml', 'extends: ./no-such-base.yaml\nname: x\n');
    const r = cli(['list', '--config', broken]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${broken}:1:10: extends: cannot read base config ${join(out, 'no-such-base.yaml')}`);
    expect(r.stdout).toBe('');
  });

  it('failed trials show in the summary with their parameters and errors; a phase whose every trial failed exits 1', () => {
    const plugins = join(import.meta.dirname, 'fixtures', 'report', 'plugins');
    const config = (name: string, fast: string): string =>
      writeConfig(
        `${name}.yaml`,
        `name: ${name}\nplugins: [${plugins}]\ndata: {synthetic: {bars: 300, symbols: [AAA], seed: 3}}\nstrategy: {type: fragile_crossover, fast: ${fast}, slow: 30}\n`,
      );
    const all = cli(['run', config('all_fail', '8'), '--out', out, '--quiet']);
    expect(all.status).toBe(1);
    expect(all.stdout).toContain('1 trial (1 failed)\n    failed   every trial:\n      fragile_crossover: fast=8 is a multiple of 4\n');
    expect(all.stderr).toContain('error: every trial of phase all_fail failed (1); first: fragile_crossover: fast=8 is a multiple of 4');
    // fast 2..13: 4, 8 and 12 throw; the summary lists them (the first three) and the run succeeds.
    const some = cli(['run', config('some_fail', '"range(2, 13, 1)"'), '--out', out, '--quiet']);
    expect(some.status).toBe(0);
    expect(some.stdout).toContain(
      [
        '12 trials (3 failed)',
        '    failed   3 of 12 trials:',
        '      {"strategy.fast":4}: fragile_crossover: fast=4 is a multiple of 4',
        '      {"strategy.fast":8}: fragile_crossover: fast=8 is a multiple of 4',
        '      {"strategy.fast":12}: fragile_crossover: fast=12 is a multiple of 4',
      ].join('\n'),
    );
  });

  it('--json prints one JSON document also when the run stops on an error', () => {
    const file = writeConfig('json-error.yaml', 'name: x\ndata: {synthetic: {bars: 100, seed: 1}}\nstrategy: {type: nope}\n');
    const r = cli(['run', file, '--json', '--out', out]);
    expect(r.status).toBe(2);
    const doc = JSON.parse(r.stdout) as { error: string; kind: string; issues: { line: number; column: number; path: string }[]; results_dir: string | null };
    expect(doc.kind).toBe('config');
    expect(doc.issues.map((i) => [i.line, i.column, i.path])).toEqual([[3, 18, 'strategy.type']]);
    expect(doc.error).toBe(`${file}:3:18: strategy.type: unknown strategy 'nope'; see \`fanfold list strategies\``);
    expect(doc.results_dir).toBeNull();
    expect(r.stderr).toContain('error: invalid config (1 problem)');
  });

  it('the resume hint names the command as it is called: npx fanfold from a project, fanfold from a global install', () => {
    expect(cliName('/home/u/project/node_modules/.bin/fanfold')).toBe('npx fanfold');
    expect(cliName('/work/fanfold/dist/src/cli/main.js')).toBe('npx fanfold');
    expect(cliName('/usr/local/lib/node_modules/fanfold/dist/src/cli/main.js')).toBe('fanfold');
  });

  it('a plugin that does not parse or throws while loading is an error naming its file, line and column (exit 2)', () => {
    const plugin = (name: string, source: string, module = 'p.mjs'): { config: string; file: string } => {
      const dir = join(out, `plugin-${name}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, module), source);
      return {
        config: writeConfig(`plugin-${name}.yaml`, `name: x\nplugins: [${dir}]\ndata: {synthetic: {bars: 100, seed: 1}}\nstrategy: {type: sma_crossover}\n`),
        file: join(dir, module),
      };
    };
    const syntax = plugin('syntax', 'export const y = {\n  a: 1,,\n};\n');
    const s = cli(['validate', syntax.config]);
    expect(s.status).toBe(2);
    expect(s.stderr).toBe(`error: plugin ${syntax.file}:2:8: cannot load: SyntaxError: Unexpected token ','\n`);
    const throws = plugin('throws', 'export const t = 1;\nthrow new Error("boom");\n');
    const t = cli(['validate', throws.config]);
    expect(t.status).toBe(2);
    expect(t.stderr).toBe(`error: plugin ${throws.file}:2:7: cannot load: Error: boom\n`);
    // TypeScript, loaded as it is: a parse error and a throw at load name the .ts file's own line and column.
    const tsSyntax = plugin('ts-syntax', 'const a: number = 1;\nconst b = (x: number => x;\nexport const s = { a, b };\n', 'p.ts');
    const ts = cli(['validate', tsSyntax.config]);
    expect(ts.status).toBe(2);
    expect(ts.stderr).toBe(`error: plugin ${tsSyntax.file}:2:21: cannot load: SyntaxError: Unexpected token, expected ","\n`);
    const tsThrows = plugin('ts-throws', 'const a: number = 1;\n\nthrow new Error(`boom ${a}`);\n', 'p.ts');
    const tt = cli(['validate', tsThrows.config]);
    expect(tt.status).toBe(2);
    expect(tt.stderr).toBe(`error: plugin ${tsThrows.file}:3:7: cannot load: Error: boom 1\n`);
  });

  it('features writes CSV with ISO dates, canonical keys and empty cells before a feature is ready', async () => {
    const file = join(out, 'f.csv');
    const r = cli(['features', TTRC, '--feature', 'sma( 20 )', '--feature', 'rsi(14)', '--feature', 'bbands(20,2)', '--out', file]);
    expect(r.status).toBe(0);
    const bars = (await loadCsvFile(TTRC, 'TTRC')).time.length;
    expect(r.stdout).toBe(`features: ${bars} bars × 6 columns written to ${file}\n`);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    // Header cells holding commas are quoted (RFC 4180); data cells are plain numbers.
    const header = [...lines[0].matchAll(/"([^"]*)"|([^,]+)/g)].map((m) => m[1] ?? m[2]);
    const rows = [header, ...lines.slice(1).map((l) => l.split(','))];
    expect(rows[0]).toEqual(['date', 'sma(20)', 'rsi(14)', 'bbands(20,2).lower', 'bbands(20,2).middle', 'bbands(20,2).upper', 'bbands(20,2).pctb']);
    expect(rows).toHaveLength(5551);
    expect(rows[1][0]).toBe('1985-01-02');
    expect(rows[19][1]).toBe(''); // bar index 18: sma(20) not ready
    const data = alignSeries([await loadCsvFile(TTRC, 'TTRC')], TTRC);
    const cols = computeFeatureColumns(data.symbols[0], ['sma(20)', 'rsi(14)']);
    expect(Number(rows[20][1])).toBe(cols.get('sma(20)')![19]);
    expect(rows[14][2]).toBe(''); // index 13: rsi(14) first value is at index 14
    expect(Number(rows[15][2])).toBe(cols.get('rsi(14)')![14]);
    expect(Number(rows[20][4])).toBe(Number(rows[20][1])); // bbands middle = sma, bit for bit
  });

  it('features on an unknown feature fails with exit code 2', () => {
    const r = cli(['features', TTRC, '--feature', 'smaa(3)']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown feature 'smaa'");
  });
});

describe('npm start', () => {
  it('the demo config runs on generated data', () => {
    // stderr captured, not inherited: the run's progress log must not leak into the test output.
    const r = spawnSync(process.execPath, [CLI, 'run', 'configs/demo.yaml', '--json', '--out', out], {
      encoding: 'utf8',
      cwd: join(import.meta.dirname, '..'),
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('phase demo_sma: 1 point in the parameter space\n');
    const result = JSON.parse(r.stdout);
    expect(result.workflow).toBe('demo_sma');
    expect(result.phases[0].runs[0].metrics.trades).toBeGreaterThan(5);
  });
});
