import { z } from 'zod';
import { METRIC_NAMES } from '../types.js';
import { REDIS_URL_PATTERN } from '../common/redis-url.js';
import { EVENT_NAMES } from '../types.js';
import { EXECUTOR_NAMES, MAX_BATCH, STORAGE_MODES, TOPOLOGY_KINDS, TRACE_DEFAULTS } from '../common/names.js';

/**
 * The config schema of DESIGN.md section 6: the single source of the config's types, of validation
 * messages and (through `z.toJSONSchema`) of the JSON Schema editors use.
 */
const positive = z.number().positive();
const fraction = z.number().min(0);
const scalar = z.union([z.number(), z.string(), z.boolean()]);
/** Strategy parameters: a value, a list of values or a range(...) string (a sweep dimension). */
const param = z.union([scalar, z.array(scalar)]);

const dataPath = z.strictObject({ path: z.string().min(1), symbol: z.string().min(1).optional() });
const dataSymbols = z.strictObject({
  symbols: z.array(z.strictObject({ symbol: z.string().min(1), path: z.string().min(1) })).min(1),
});
const dataSynthetic = z.strictObject({
  synthetic: z.strictObject({
    bars: z.number().int().min(2),
    symbols: z.array(z.string().min(1)).min(1).optional(),
    seed: z.number().int(),
    start: z.number().optional(),
    interval_ms: z.number().int().positive().optional(),
  }),
});

const regimeFilter = z
  .object({ type: z.string().min(1), allow: z.array(z.string()).min(1) })
  .catchall(param)
  .describe('classifier whose label gates the strategy: flat unless the label is in `allow`');

const regimeSwitch = z
  .object({
    type: z.string().min(1),
    by_label: z.record(z.string(), z.record(z.string(), param)).describe('per label: the strategy parameters that decide the target under it'),
  })
  .catchall(param)
  .describe('classifier whose label picks the strategy parameters in force; flat under a label without an entry');

const strategy = z
  .object({
    type: z.string().min(1).describe('a registered strategy (fanfold list strategies)'),
    regime_filter: regimeFilter.nullable().optional(),
    regime_switch: regimeSwitch.nullable().optional(),
  })
  .catchall(param)
  .describe('the strategy and its parameters, beside `type`');

const sizing = z.union([
  z.strictObject({ percent_equity: z.number().positive().max(1) }),
  z.strictObject({ fixed: z.number().int().positive() }),
  z.strictObject({ fractional: z.number().positive().max(1) }),
]);

const commission = z.union([z.strictObject({ percent: fraction }), z.strictObject({ per_share: fraction }), z.strictObject({ fixed: fraction })]);
const slippage = z.union([z.strictObject({ percent: fraction }), z.strictObject({ fixed: fraction })]);

/** A stop as a fraction of the price (0.05 = 5%): a fall of 100% or more is no stop at all. */
const priceFall = positive.lt(1, 'a fraction of the price below 1 (0.05 is 5%; 1 or more would be a fall of 100% or more, which never comes)');

const risk = z.strictObject({
  sizing: sizing.default({ percent_equity: 1 }),
  stop_loss: priceFall.nullable().default(null),
  take_profit: positive.nullable().default(null),
  trailing_stop: priceFall.nullable().default(null),
});

const broker = z.strictObject({
  fill: z.enum(['next_open', 'close']).default('next_open'),
  commission: commission.nullable().default(null),
  slippage: slippage.nullable().default(null),
});

const spa = z.strictObject({
  bootstrap: z.number().int().positive().default(1000).describe('stationary bootstrap replications'),
  block: z.number().gt(1).default(20).describe('mean block length of the stationary bootstrap, in bars'),
  seed: z.number().int().default(7).describe('seed of the bootstrap'),
  benchmark: z
    .enum(['flat', 'buy_and_hold'])
    .default('flat')
    .describe("flat: zero returns; buy_and_hold: the data's symbols held in equal parts from the window's first close"),
});

const robustness = z.strictObject({
  blocks: z
    .number()
    .int()
    .min(4)
    .max(24)
    .refine((b) => b % 2 === 0, 'an even number of blocks')
    .default(16)
    .describe("CSCV blocks of the search window's returns (even, 4..24)"),
  combinations: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      'most CSCV combinations evaluated (default: all while planned points × combinations ≤ 2^23, else a seeded sample of ⌊2^23 / points⌋, at least 200)',
    ),
  seed: z.number().int().default(7).describe('seed of the sample of combinations'),
  spa: z
    .union([z.literal(false), spa])
    .prefault({})
    .describe("Hansen's SPA test over the top-k sets; false: off"),
});

const duration = z.union([z.number().positive(), z.string().regex(/^\s*\d+(\.\d+)?\s*(s|m|h|d)\s*$/, 'seconds, or a duration like 45s, 30m, 8h, 1d')]);

const tpe = z.strictObject({
  startup_trials: z.number().int().min(0).default(10).describe('uniform random trials before the model proposes'),
  candidates: z
    .number()
    .int()
    .positive()
    .default(24)
    .describe('candidates drawn from the good density per proposal; the one with the highest log l(x) − log g(x) is proposed'),
  multivariate: z.boolean().default(false).describe('one joint Parzen estimator over every parameter (else one per parameter)'),
});

const cmaes = z.strictObject({
  population: z.number().int().min(2).optional().describe('λ, the samples per generation (one batch); default 4 + ⌊3 ln n⌋'),
  sigma0: z.number().positive().optional().describe('initial step size in model coordinates; default the smallest parameter range / 6'),
});

const nsga2 = z.strictObject({
  population: z.number().int().min(2).default(50).describe('members per generation (one batch)'),
  crossover: z.number().min(0).max(1).default(0.9).describe('probability that a child is a crossover of two parents (else a copy of one)'),
  swap: z.number().min(0).max(1).default(0.5).describe('uniform crossover: probability that a parameter comes from the second parent'),
  mutation: z.number().min(0).max(1).nullable().default(null).describe('per-parameter probability of a uniform redraw; null: 1 / parameters'),
});

const pruner = z.strictObject({
  type: z.literal('successive_halving'),
  rungs: z
    .array(z.number().gt(0).max(1))
    .min(2)
    .refine((r) => r.every((x, i) => i === 0 || x > r[i - 1]) && r[r.length - 1] === 1, 'increasing fractions ending at 1, e.g. [0.25, 0.5, 1.0]')
    .default([0.25, 0.5, 1])
    .describe('history prefixes of the window each rung evaluates on, as fractions of its bars'),
  keep: z.number().gt(0).lt(1).default(0.33).describe("share of a rung's trials promoted to the next"),
});

export const objectiveSpec = z.strictObject({
  metric: z.string().describe('a metric'),
  direction: z.enum(['max', 'min']).default('max'),
});

const search = z.strictObject({
  method: z
    .enum(['grid', 'random', 'tpe', 'cmaes', 'nsga2'])
    .default('grid')
    .describe('grid: every point; random: a seeded sample; tpe, cmaes: model-based, one objective; nsga2: several objectives (search.objectives)'),
  objectives: z
    .array(objectiveSpec)
    .min(1)
    .optional()
    .describe('nsga2: the objectives, the first one ranks `best`; e.g. [{metric: sharpe, direction: max}, {metric: max_drawdown, direction: min}]'),
  batch: z
    .number()
    .int()
    .positive()
    .max(MAX_BATCH)
    .optional()
    .describe('tpe: proposals per batch (default 32, whatever the worker count, so results do not depend on it); cmaes: its population; nsga2: its population'),
  timeout: duration
    .optional()
    .describe('stop proposing at this deadline after the search starts (45s, 30m, 8h, 1d); what ran is finished, stored and reported'),
  tpe: tpe.prefault({}),
  cmaes: cmaes.prefault({}),
  nsga2: nsga2.prefault({}),
  pruner: pruner.nullable().optional().describe('successive halving over history prefixes (grid, random, tpe); null: none (a phase overriding its workflow)'),
  objective: z
    .string()
    .default('sharpe')
    .describe(`a metric: ${METRIC_NAMES.join(', ')}`),
  direction: z.enum(['max', 'min']).default('max'),
  constraints: z.array(z.string()).default([]).describe('expressions over dotted parameter paths, e.g. "strategy.fast < strategy.slow"'),
  trials: z.number().int().positive().optional().describe('random: points drawn; tpe, cmaes, nsga2: the budget of distinct sets evaluated (default 100)'),
  seed: z.number().int().default(0).describe('seed of a random, tpe, cmaes or nsga2 search'),
  min_trades: z.number().int().min(0).optional().describe('a trial with fewer closed trades cannot be best'),
  max_drawdown: z.number().positive().optional().describe('a trial with a deeper max drawdown cannot be best'),
  robustness: z
    .union([z.literal(false), robustness])
    .prefault({})
    .describe('overfitting statistics of the search (PSR, DSR, PBO, SPA, plateau); false: off'),
});

// The defaults hold any sweep in bounded memory: every trial's summary goes to results.db, runs and
// trades come back for the top-k only (a 1,001,000-set sweep peaked at 0.5 GB; memory storage keeps
// every run with its trades: 1.7 GB for 20,100).
const results = z.strictObject({
  storage: z
    .enum(STORAGE_MODES)
    .default('hybrid')
    .describe('hybrid (default): every summary in results.db, the top-k runs with trades returned; disk: summaries only; memory: every run with its trades'),
  store_trades: z.boolean().default(true).describe('keep trades: of the top-k runs (hybrid), of every run (memory, disk)'),
  top_k: z.number().int().positive().default(20).describe('runs kept with their trades (hybrid) and listed in the summary'),
});

const trainTest = z.strictObject({
  type: z.literal('train_test'),
  split: z.number().gt(0).lt(1).optional().describe('share of the bars in the train window'),
  train_bars: z.number().int().positive().optional().describe('bars in the train window'),
  train_end: z.string().optional().describe('first date (ISO) of the test window'),
});

const length = z.union([z.number().int().min(0), z.string().regex(/^\s*\d+(\.\d+)?\s*(y|mo|w|d)\s*$/, 'a bar count or a duration like 2y, 6mo, 3w, 30d')]);
const walkForward = z.strictObject({
  type: z.literal('walk_forward'),
  train: length.describe('train window: bars, or a duration (2y, 6mo, 30d) converted with the periods per year'),
  test: length.describe('test window'),
  step: length.optional().describe('distance between window starts (default: the test length)'),
  gap: length.optional().describe('bars left out between train and test (purge)'),
  anchored: z.boolean().default(false).describe('train windows all start at bar 0 and grow'),
});

const kFold = z.strictObject({
  type: z.literal('k_fold'),
  folds: z.number().int().min(2).default(5).describe('contiguous folds; each is the test part once'),
  purge: length.optional().describe('train bars left out just before the test fold'),
  embargo: length.optional().describe('train bars left out just after the test fold'),
});

const cpcv = z.strictObject({
  type: z.literal('cpcv'),
  groups: z.number().int().min(2).default(6).describe('contiguous groups of bars'),
  test_groups: z.number().int().min(1).default(2).describe("groups in each split's test part (every choice of them is a split)"),
  purge: length.optional().describe('train bars left out just before each test group'),
  embargo: length.optional().describe('train bars left out just after each test group'),
});

const monteCarlo = z.strictObject({
  type: z.literal('monte_carlo'),
  paths: z.number().int().min(1).max(1_000_000).default(1000).describe('resampled paths'),
  seed: z.number().int().default(0).describe('seed of the resampling'),
  block: z.number().int().min(1).default(20).describe('bars per block of the block bootstrap'),
  percentiles: z.array(z.number().min(0).max(100)).min(1).default([5, 25, 50, 75, 95]),
});

const redis = z
  .strictObject({
    url: z
      .string()
      .regex(REDIS_URL_PATTERN, 'a redis:// or rediss:// URL, e.g. redis://user:password@host:6379')
      .describe('Redis for the redis executor; user and password may be in the URL, rediss:// for TLS'),
    in_flight: z.number().int().positive().default(8).describe('batches kept queued at once: about the worker threads of every machine together'),
    unreachable_timeout: z
      .number()
      .positive()
      .default(300)
      .describe('seconds Redis may stay unreachable mid-run (a restart pauses the run) before the coordinator gives up with an error; what finished is stored'),
  })
  .describe('the redis executor: batches go to `fanfold worker` processes through this Redis');

const execution = z.strictObject({
  executor: z.enum(EXECUTOR_NAMES).default('pool'),
  redis: redis.optional(),
  workers: z.union([z.literal('auto'), z.number().int().positive()]).default('auto'),
  feature_memory_mb: z
    .number()
    .int()
    .nonnegative()
    .default(512)
    .describe(
      'MiB of whole-series feature columns computed once and shared by every batch (and, on the pool, every worker); a feature beyond it is updated bar by bar in each batch that needs it',
    ),
  enable_event_tracing: z
    .boolean()
    .default(false)
    .describe('record events per container to JSON lines under trace_settings.trace_dir (fanfold trace DIR prints them)'),
  trace_settings: z
    .strictObject({
      trace_id: z.string().min(1).nullable().default(null).describe('name of the trace folder (sanitised); default: the run id'),
      trace_dir: z.string().min(1).default(TRACE_DEFAULTS.dir).describe('parent folder of traces, relative to the working directory'),
      max_events: z
        .number()
        .int()
        .positive()
        .default(TRACE_DEFAULTS.maxEvents)
        .describe('events kept per container (and per topology run) unless its pattern says otherwise; later ones are counted'),
      container_settings: z
        .record(
          z.string().min(1),
          z.strictObject({
            enabled: z.boolean().default(true),
            events: z.array(z.enum(EVENT_NAMES)).optional().describe('event types to keep (default: all)'),
            max_events: z.number().int().positive().optional(),
          }),
        )
        .default({})
        .describe(
          'glob pattern over container names (data, features, strategy, signals, risk, portfolio_<trial> — one per parameter set, execution) → settings; an exact name wins, else the first matching pattern in the order written',
        ),
    })
    .optional(),
});

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  extends: z.string().optional().describe('a base config (path relative to this file) whose keys this one overrides'),
  plugins: z.array(z.string()).default([]).describe('folders of ES modules exporting strategies and classifiers'),
  name: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only (it names a results folder)'),
  data: z.union([dataPath, dataSymbols, dataSynthetic]),
  capital: positive.default(100_000),
  periods_per_year: positive.optional().describe('periods per year for annualised metrics; default inferred from the bar interval'),
  strategy,
  risk: risk.default({ sizing: { percent_equity: 1 }, stop_loss: null, take_profit: null, trailing_stop: null }),
  broker: broker.default({ fill: 'next_open', commission: null, slippage: null }),
  search: search.optional(),
  results: results.default({ storage: 'hybrid', store_trades: true, top_k: 20 }),
  sequence: z
    .union([
      z.literal('single_pass'),
      z.literal('train_test'),
      z.strictObject({ type: z.literal('single_pass') }),
      trainTest,
      walkForward,
      kFold,
      cpcv,
      monteCarlo,
    ])
    .default('single_pass'),
  execution: execution.default({ executor: 'pool', workers: 'auto', feature_memory_mb: 512, enable_event_tracing: false }),
});

export type Config = z.infer<typeof configSchema>;

/** `search.robustness` when the config says nothing. */
export const robustnessDefaults = robustness.parse({});

/** Keys of a phase entry that describe the phase itself; every other key overrides the workflow's config. */
export const PHASE_META_KEYS = ['name', 'topology', 'depends_on', 'conditions', 'inputs', 'compose'] as const;

export const phaseMetaSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9_]+$/, 'letters, digits and _ only (templates refer to it)'),
  topology: z.enum(TOPOLOGY_KINDS).optional(),
  depends_on: z.union([z.string(), z.array(z.string())]).optional(),
  conditions: z.union([z.string(), z.array(z.string())]).optional(),
  inputs: z
    .strictObject({
      params: z.string().optional().describe('"${phase.best.params}": that phase\'s best parameters override this one\'s'),
      signals: z.string().optional().describe('signal_replay: the signal_generation phase whose stored signals this phase replays'),
    })
    .optional(),
  compose: z
    .object({
      type: z.string().min(1).describe('a composable workflow: refine, regime_adaptive, branch, or one from a plugin (fanfold list workflows)'),
      max_iterations: z.number().int().min(1).max(10_000).default(10).describe('iterations at most, whatever the workflow says'),
    })
    .catchall(z.unknown())
    .optional()
    .describe("iterate or branch this phase; the workflow's own options sit beside type"),
});

/** JSON Schema of a workflow file: a config plus optional phases (each: phase keys and config overrides). */
export function configJsonSchema(): unknown {
  const phase = phaseMetaSchema.extend(
    Object.fromEntries(
      Object.entries(configSchema.shape)
        .filter(([k]) => !['name', '$schema', 'extends', 'plugins'].includes(k))
        .map(([k, v]) => [k, v.optional()]),
    ),
  );
  const file = configSchema.partial().extend({ phases: z.array(phase).optional() });
  return z.toJSONSchema(file, { io: 'input', unrepresentable: 'any' });
}
