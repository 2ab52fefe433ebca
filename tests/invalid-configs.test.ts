import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../src/config/workflow.js';
import { ConfigError, type ConfigIssue } from '../src/errors.js';

/**
 * A corpus of invalid workflow configs (tests/fixtures/invalid/), one deliberate mistake each unless
 * the case is about reporting several. Every expected position was derived by hand from the fixture
 * text: 1-based line and column of the offending value, or of the key for an unknown key.
 */
const DIR = join(import.meta.dirname, 'fixtures', 'invalid');
const CLI = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');
const fx = (name: string): string => join(DIR, name);

const STOP_FRACTION = 'a fraction of the price below 1 (0.05 is 5%; 1 or more would be a fall of 100% or more, which never comes)';

/** An expected issue; `file` is a fixture name (or a `--set ...` origin). */
function at(file: string, line: number, column: number, path: string, message: string): ConfigIssue {
  return { file: file.startsWith('--set ') ? file : fx(file), line, column, path, message };
}

/** The line `validate` prints, written out independently of the program's formatter. */
function shown(i: ConfigIssue): string {
  const where = i.file.startsWith('--set ') ? i.file : `${i.file}:${i.line}:${i.column}`;
  return i.path === '' ? `${where}: ${i.message}` : `${where}: ${i.path}: ${i.message}`;
}

interface Case {
  /** Fixture loaded (relative to tests/fixtures/invalid). */
  readonly file: string;
  readonly what: string;
  readonly sets?: readonly string[];
  /** The first issue reported, or with `all`, every issue in order. */
  readonly expected: readonly ConfigIssue[];
  readonly all?: boolean;
}

const UNION_SEQUENCE =
  'expected single_pass, train_test, {type: train_test, split | train_bars | train_end}, {type: walk_forward, train, test, step, gap, anchored}, {type: k_fold, folds, purge, embargo}, {type: cpcv, groups, test_groups, purge, embargo} or {type: monte_carlo, paths, seed, block, percentiles}';
const METRICS_LIST = 'final_equity, total_return, cagr, volatility, sharpe, sortino, max_drawdown, calmar, trades, win_rate, profit_factor, exposure';

const CASES: readonly Case[] = [
  // Wrong types
  {
    file: 'type-capital-string.yaml',
    what: 'a string where a number is expected',
    expected: [at('type-capital-string.yaml', 5, 10, 'capital', 'expected number, found "100k"')],
  },
  {
    file: 'type-bool-number.yaml',
    what: 'a number where a bool is expected',
    expected: [at('type-bool-number.yaml', 10, 17, 'results.store_trades', 'expected boolean, found 1')],
  },
  {
    file: 'type-list-for-map.yaml',
    what: 'a list where a map is expected',
    expected: [at('type-list-for-map.yaml', 10, 3, 'results', 'expected a map, found [{"storage":"disk"},{"top_k":10}]')],
  },
  // Unknown keys, with did-you-mean
  {
    file: 'unknown-top-level-key.yaml',
    what: 'unknown top-level key',
    expected: [at('unknown-top-level-key.yaml', 9, 1, 'brokr', "unknown key 'brokr' (did you mean 'broker'?)")],
  },
  {
    file: 'unknown-risk-key.yaml',
    what: 'unknown key in risk',
    expected: [at('unknown-risk-key.yaml', 12, 3, 'risk.take_proft', "unknown key 'take_proft' (did you mean 'take_profit'?)")],
  },
  {
    file: 'unknown-broker-key.yaml',
    what: 'unknown key in broker',
    expected: [at('unknown-broker-key.yaml', 11, 3, 'broker.comission', "unknown key 'comission' (did you mean 'commission'?)")],
  },
  {
    file: 'unknown-search-key.yaml',
    what: 'unknown key in search',
    expected: [at('unknown-search-key.yaml', 11, 3, 'search.max_drawdwn', "unknown key 'max_drawdwn' (did you mean 'max_drawdown'?)")],
  },
  {
    file: 'robustness-odd-blocks.yaml',
    what: 'an odd number of CSCV blocks',
    expected: [at('robustness-odd-blocks.yaml', 11, 24, 'search.robustness.blocks', 'an even number of blocks, found 7')],
  },
  {
    file: 'cmaes-list.yaml',
    what: 'cmaes over a list dimension',
    expected: [
      at(
        'cmaes-list.yaml',
        10,
        11,
        'search.method',
        "cmaes searches numeric ranges only, and 'strategy.slow' is a list of 2 choices: write it as range(start, end, step), or use tpe or nsga2",
      ),
    ],
  },
  {
    file: 'nsga2-no-objectives.yaml',
    what: 'nsga2 without objectives',
    expected: [
      at(
        'nsga2-no-objectives.yaml',
        10,
        11,
        'search.method',
        'nsga2 needs `objectives`, e.g. [{metric: sharpe, direction: max}, {metric: max_drawdown, direction: min}]',
      ),
    ],
  },
  {
    file: 'objectives-unknown-metric.yaml',
    what: 'an unknown metric among the objectives',
    expected: [
      at(
        'objectives-unknown-metric.yaml',
        13,
        16,
        'search.objectives[1].metric',
        `unknown metric 'max_drawdawn' (did you mean 'max_drawdown'?); metrics are ${METRICS_LIST}`,
      ),
    ],
  },
  {
    file: 'pruner-bad-rungs.yaml',
    what: 'pruner rungs out of order',
    expected: [at('pruner-bad-rungs.yaml', 11, 45, 'search.pruner.rungs', 'increasing fractions ending at 1, e.g. [0.25, 0.5, 1.0], found [0.5,0.25,1]')],
  },
  {
    file: 'cpcv-bad-key.yaml',
    what: 'unknown key in a cpcv sequence',
    expected: [at('cpcv-bad-key.yaml', 12, 3, 'sequence.test_group', "unknown key 'test_group' (did you mean 'test_groups'?)")],
  },
  {
    file: 'unknown-sequence-key.yaml',
    what: 'unknown key in sequence',
    expected: [at('unknown-sequence-key.yaml', 12, 3, 'sequence.train_bar', "unknown key 'train_bar' (did you mean 'train_bars'?)")],
  },
  // Strategies and their parameters
  {
    file: 'unknown-strategy.yaml',
    what: 'unknown strategy, with a suggestion',
    expected: [
      at('unknown-strategy.yaml', 6, 9, 'strategy.type', "unknown strategy 'rsi_reversal' (did you mean 'rsi_reversion'?); see `fanfold list strategies`"),
    ],
  },
  {
    file: 'unknown-strategy-param.yaml',
    what: 'unknown strategy parameter',
    expected: [
      at(
        'unknown-strategy-param.yaml',
        7,
        3,
        'strategy.fats',
        "sma_crossover: unknown parameter 'fats' (did you mean 'fast'?); parameters are: fast, slow, trigger, allow_short",
      ),
    ],
  },
  {
    file: 'param-out-of-bounds.yaml',
    what: 'parameter out of bounds',
    expected: [at('param-out-of-bounds.yaml', 9, 10, 'strategy.upper', 'rsi_reversion.upper: must be ≤ 100, got 120')],
  },
  {
    file: 'param-wrong-type.yaml',
    what: 'parameter of the wrong type',
    expected: [at('param-wrong-type.yaml', 7, 9, 'strategy.fast', 'sma_crossover.fast: expected a number, got "ten"')],
  },
  {
    file: 'param-not-integer.yaml',
    what: 'a fraction for an integer parameter',
    expected: [at('param-not-integer.yaml', 7, 6, 'strategy.n', 'rsi_reversion.n: expected an integer, got 14.5')],
  },
  {
    file: 'param-bad-enum.yaml',
    what: 'parameter outside its choices',
    expected: [at('param-bad-enum.yaml', 9, 12, 'strategy.trigger', 'sma_crossover.trigger: expected one of cross, level, got "crossover"')],
  },
  {
    file: 'regime-filter-unknown-label.yaml',
    what: 'regime_filter allowing an unknown label',
    expected: [
      at(
        'regime-filter-unknown-label.yaml',
        12,
        13,
        'strategy.regime_filter.allow[0]',
        "unknown label 'low_volatility' of volatility_regime; labels are low_vol, high_vol",
      ),
    ],
  },
  // Risk, broker, capital
  {
    file: 'bad-sizing-variant.yaml',
    what: 'unknown sizing variant',
    expected: [
      at(
        'bad-sizing-variant.yaml',
        10,
        11,
        'risk.sizing',
        'expected one of {percent_equity: p}, {fixed: n} or {fractional: p} (p in (0, 1]), found {"percent":0.5}',
      ),
    ],
  },
  {
    file: 'bad-commission-variant.yaml',
    what: 'unknown commission variant',
    expected: [
      at('bad-commission-variant.yaml', 11, 15, 'broker.commission', 'expected null or one of {percent: c}, {per_share: c} or {fixed: c}, found {"pct":0.001}'),
    ],
  },
  {
    file: 'bad-slippage-variant.yaml',
    what: 'a bare number for slippage',
    expected: [at('bad-slippage-variant.yaml', 11, 13, 'broker.slippage', 'expected null or one of {percent: s} or {fixed: x}, found 0.0005')],
  },
  {
    file: 'percent-equity-above-one.yaml',
    what: 'percent_equity > 1',
    expected: [at('percent-equity-above-one.yaml', 11, 21, 'risk.sizing.percent_equity', 'expected number to be <=1, found 100')],
  },
  {
    file: 'stop-loss-not-a-fraction.yaml',
    what: 'a stop of 500% (stop_loss: 5) and one of 100% in a sweep: stops are fractions below 1',
    expected: [
      at('stop-loss-not-a-fraction.yaml', 10, 14, 'risk.stop_loss', `${STOP_FRACTION}, found 5`),
      at('stop-loss-not-a-fraction.yaml', 11, 23, 'risk.trailing_stop[1]', `${STOP_FRACTION}, found 1 (value 1 of the sweep)`),
    ],
  },
  {
    file: 'negative-capital.yaml',
    what: 'negative capital',
    expected: [at('negative-capital.yaml', 5, 10, 'capital', 'expected number to be >0, found -5000')],
  },
  // Ranges and sweeps
  {
    file: 'range-end-below-start.yaml',
    what: 'range(5, 1, 1)',
    expected: [at('range-end-below-start.yaml', 7, 9, 'strategy.fast', 'range: end 1 is below start 5')],
  },
  {
    file: 'range-zero-step.yaml',
    what: 'range(1, 10, 0)',
    expected: [at('range-zero-step.yaml', 8, 9, 'strategy.slow', 'range: step must be positive, found 0')],
  },
  {
    file: 'range-two-args.yaml',
    what: 'range(1, 10)',
    expected: [at('range-two-args.yaml', 7, 9, 'strategy.fast', "range takes 3 numbers (start, end, step), found 'range(1, 10)'")],
  },
  { file: 'range-not-number.yaml', what: 'range(a, 10, 1)', expected: [at('range-not-number.yaml', 7, 9, 'strategy.fast', "range: 'a' is not a number")] },
  {
    file: 'range-in-flow-map.yaml',
    what: 'a range cut by a YAML flow map',
    expected: [
      at(
        'range-in-flow-map.yaml',
        5,
        39,
        'strategy.fast',
        `'range(5' is a range(...) cut at its first comma: inside a flow map {…} YAML splits on commas, so quote the whole range, e.g. "range(5, …)"`,
      ),
    ],
  },
  {
    file: 'empty-list-dimension.yaml',
    what: 'an empty list as a dimension',
    expected: [at('empty-list-dimension.yaml', 8, 9, 'strategy.slow', 'an empty list gives a dimension with no value')],
  },
  {
    file: 'bad-sweep-item.yaml',
    what: 'a bad value inside a sweep list',
    expected: [at('bad-sweep-item.yaml', 8, 14, 'strategy.slow[1]', 'sma_crossover.slow: must be ≥ 1, got -5 (value -5 of the sweep)')],
  },
  // Search
  {
    file: 'constraint-syntax-error.yaml',
    what: 'a constraint with a syntax error',
    expected: [
      at(
        'constraint-syntax-error.yaml',
        11,
        17,
        'search.constraints[0]',
        "constraint 'strategy.fast < < strategy.slow': unexpected '<' at column 17, expected a number, string, name or '('",
      ),
    ],
  },
  {
    file: 'constraint-unknown-param.yaml',
    what: 'a constraint naming an unknown parameter',
    expected: [
      at(
        'constraint-unknown-param.yaml',
        12,
        7,
        'search.constraints[0]',
        "constraint 'strategy.fast < strategy.slw': unknown parameter 'strategy.slw' (did you mean 'strategy.slow'?)",
      ),
    ],
  },
  {
    file: 'random-without-trials.yaml',
    what: 'random search without trials',
    expected: [at('random-without-trials.yaml', 10, 11, 'search.method', 'random search needs `trials` (the number of points to draw)')],
  },
  {
    file: 'unknown-objective.yaml',
    what: 'unknown objective metric',
    expected: [at('unknown-objective.yaml', 10, 14, 'search.objective', `unknown metric 'sharpe_ratio' (did you mean 'sharpe'?); metrics are ${METRICS_LIST}`)],
  },
  // Sequence
  {
    file: 'sequence-split-out-of-range.yaml',
    what: 'train_test with split 1.5',
    expected: [at('sequence-split-out-of-range.yaml', 9, 37, 'sequence.split', 'expected number to be <1, found 1.5')],
  },
  {
    file: 'unknown-sequence-type.yaml',
    what: 'unknown sequence type',
    expected: [at('unknown-sequence-type.yaml', 10, 3, 'sequence', `${UNION_SEQUENCE}, found {"type":"rolling","train_bars":500}`)],
  },
  // Phases
  {
    file: 'phases-cycle.yaml',
    what: 'cyclic phases a → b → a',
    expected: [at('phases-cycle.yaml', 11, 17, 'phases[0].depends_on', 'depends_on cycle: a → b → a')],
  },
  {
    file: 'phases-unknown-dependency.yaml',
    what: 'depends_on an unknown phase',
    expected: [at('phases-unknown-dependency.yaml', 14, 17, 'phases[1].depends_on', "unknown phase 'swep' (did you mean 'sweep'?)")],
  },
  {
    file: 'phases-duplicate-name.yaml',
    what: 'duplicate phase names',
    expected: [at('phases-duplicate-name.yaml', 12, 11, 'phases[1].name', "duplicate phase name 'sweep'")],
  },
  {
    file: 'phases-unknown-key.yaml',
    what: 'unknown phase key',
    expected: [at('phases-unknown-key.yaml', 14, 5, 'phases[1].depend_on', "unknown phase key 'depend_on' (did you mean 'depends_on'?)")],
  },
  {
    file: 'template-not-dependency.yaml',
    what: 'a template naming a phase that is not a dependency',
    expected: [
      at('template-not-dependency.yaml', 15, 13, 'phases[1].strategy.fast', "template refers to phase 'sweep', which is not among this phase's depends_on"),
    ],
  },
  {
    file: 'template-unknown-output.yaml',
    what: 'a template with an unknown output field',
    expected: [
      at(
        'template-unknown-output.yaml',
        16,
        13,
        'phases[1].strategy.fast',
        "template ${sweep.best.parms.strategy.fast}: unknown output 'best.parms.strategy.fast'; use best.params, best.params.<param>, best.metrics.<metric>, trials or failed",
      ),
    ],
  },
  {
    file: 'inputs-params-bad-form.yaml',
    what: 'inputs.params not of the form ${phase.best.params}',
    expected: [at('inputs-params-bad-form.yaml', 16, 15, 'phases[1].inputs.params', `expected "\${phase.best.params}", found 'sweep.best.params'`)],
  },
  {
    file: 'condition-syntax-error.yaml',
    what: 'a condition with a syntax error',
    expected: [
      at(
        'condition-syntax-error.yaml',
        17,
        9,
        'phases[1].conditions[1]',
        "condition 'sweep.best.metrics.sharpe > > 0.5': unexpected '>' at column 29, expected a number, string, name or '('",
      ),
    ],
  },
  // extends
  {
    file: 'extends-cycle/a.yaml',
    what: 'two files extending each other',
    expected: [
      at(
        'extends-cycle/b.yaml',
        1,
        10,
        'extends',
        `extends cycle: ${fx('extends-cycle/a.yaml')} → ${fx('extends-cycle/b.yaml')} → ${fx('extends-cycle/a.yaml')}`,
      ),
    ],
  },
  {
    file: 'extends-missing.yaml',
    what: 'extends of a missing file',
    expected: [at('extends-missing.yaml', 1, 10, 'extends', `cannot read base config ${fx('base-missing.yaml')}`)],
  },
  {
    file: 'extends-base/child.yaml',
    what: 'an error in a value the base file supplies points at the base file',
    expected: [at('extends-base/base.yaml', 9, 25, 'broker.commission.percent', 'expected number to be >=0, found -0.001')],
  },
  // YAML itself
  {
    file: 'yaml-bad-indent.yaml',
    what: 'bad indentation',
    expected: [at('yaml-bad-indent.yaml', 8, 2, '', 'All mapping items must start at the same column')],
  },
  // The YAML parser notices the unclosed map on the next line and reports it there.
  {
    file: 'yaml-unclosed-flow-map.yaml',
    what: 'an unclosed flow map',
    expected: [at('yaml-unclosed-flow-map.yaml', 3, 1, '', 'Flow map in block collection must be sufficiently indented and end with a }')],
  },
  { file: 'yaml-duplicate-key.yaml', what: 'duplicate keys', expected: [at('yaml-duplicate-key.yaml', 8, 3, '', 'Map keys must be unique')] },
  {
    file: 'yaml-alias-bomb.yaml',
    what: 'an alias bomb',
    expected: [at('yaml-alias-bomb.yaml', 1, 1, '', 'Excessive alias count indicates a resource exhaustion attack')],
  },
  {
    file: 'non-map-document.yaml',
    what: 'a document that is not a map',
    expected: [at('non-map-document.yaml', 1, 1, '', 'expected a map of config keys (name, data, strategy, ...)')],
  },
  // --set
  {
    file: 'set-valid-base.yaml',
    what: 'a --set that breaks a valid file',
    sets: ['broker.fill=open'],
    expected: [at('--set broker.fill=open', 1, 1, 'broker.fill', 'expected one of "next_open"|"close", found "open"')],
  },
  // Several at once, in line order
  {
    file: 'multiple-errors.yaml',
    what: 'four mistakes reported together in line order',
    all: true,
    expected: [
      at('multiple-errors.yaml', 1, 7, 'name', 'letters, digits, _ . - only (it names a results folder), found "orcl sma"'),
      at('multiple-errors.yaml', 5, 10, 'capital', 'expected number to be >0, found 0'),
      at('multiple-errors.yaml', 10, 12, 'strategy.trigger', 'sma_crossover.trigger: expected one of cross, level, got "crossing"'),
      at('multiple-errors.yaml', 13, 3, 'results.store_trade', "unknown key 'store_trade' (did you mean 'store_trades'?)"),
    ],
  },
];

function issuesOf(c: Case): ConfigError {
  try {
    loadWorkflow(fx(c.file), c.sets ?? []);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`${c.file}: expected a ConfigError, the config loaded`);
}

describe('invalid configs: loadWorkflow', () => {
  it('the corpus is large enough', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(35);
  });

  it.each(CASES.map((c) => [c.file, c] as const))('%s', (_, c) => {
    const error = issuesOf(c);
    const lines = error.message.split('\n');
    if (c.all) {
      expect(lines).toEqual(c.expected.map(shown));
      expect(error.issues).toEqual(c.expected);
    } else {
      expect(lines[0]).toBe(shown(c.expected[0]));
      expect(error.issues[0]).toEqual(c.expected[0]);
    }
  });

  it('the alias bomb fails fast', () => {
    const started = performance.now();
    expect(() => loadWorkflow(fx('yaml-alias-bomb.yaml'))).toThrow(ConfigError);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('invalid configs: fanfold validate', () => {
  const CLI_CASES = [
    'type-capital-string.yaml',
    'bad-sweep-item.yaml',
    'extends-base/child.yaml',
    'yaml-alias-bomb.yaml',
    'set-valid-base.yaml',
    'multiple-errors.yaml',
  ];

  it.each(CLI_CASES)('%s: exit 2, the issues on stderr, nothing on stdout', (name) => {
    const c = CASES.find((x) => x.file === name) as Case;
    const args = [CLI, 'validate', fx(c.file), ...(c.sets ?? []).flatMap((s) => ['--set', s])];
    const started = performance.now();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/\n\s+at .*[:(]\d+:\d+\)?/);
    const printed = r.stderr
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
    const expected = c.all ? c.expected.map(shown) : [shown(c.expected[0])];
    if (c.all) expect(printed.slice(1)).toEqual(expected);
    else expect(printed.slice(1, 2)).toEqual(expected);
    if (name === 'yaml-alias-bomb.yaml') expect(performance.now() - started).toBeLessThan(2000 + 1000); // + node startup
  });
});
