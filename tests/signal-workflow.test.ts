import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openWorkflow } from '../src/coordinator/open.js';
import { runWorkflow, type RunOptions } from '../src/coordinator/run-workflow.js';
import { UserError } from '../src/errors.js';
import type { PhaseJson } from '../src/contract.js';
import { generateAndReplay } from './helpers.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'src', 'cli', 'main.js');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'fanfold-sigwf-'));

const BASE = `
name: sig
data: {synthetic: {bars: 800, symbols: [AAA, BBB], seed: 4}}
capital: 100000
strategy: {type: sma_crossover, fast: [5, 10], slow: [30, 60]}
results: {storage: memory, store_trades: true}
`;
const RISK_BROKER = `
    risk:
      sizing: [{percent_equity: 0.5}, {fixed: 40}]
      stop_loss: [null, 0.05]
      trailing_stop: [null, 0.1]
    broker:
      fill: [next_open, close]
      commission: [{percent: 0.001}, {per_share: 0.01}]
      slippage: {percent: 0.0005}
`;

function file(text: string): string {
  const dir = tmp();
  const path = join(dir, 'wf.yaml');
  writeFileSync(path, text);
  return path;
}

const GEN_REPLAY_PHASES = generateAndReplay(RISK_BROKER);

const GEN_REPLAY = file(`${BASE}
${GEN_REPLAY_PHASES}`);

const FULL = file(`${BASE}
phases:
  - name: replay
    topology: optimization
${RISK_BROKER}`);

async function run(path: string, options: RunOptions): Promise<{ phases: PhaseJson[]; dir: string }> {
  const { result } = await runWorkflow(await openWorkflow(path), { executor: 'inline', ...options });
  return { phases: result.phases, dir: result.results_dir };
}

function signalRows(
  runDir: string,
): { signal_key: string; status: string; strategy: string; changes: number; bytes: number; params: string; resolved: string }[] {
  const db = new Database(join(runDir, 'results.db'), { readonly: true });
  try {
    return db.prepare('SELECT * FROM signals ORDER BY rowid').all() as never;
  } finally {
    db.close();
  }
}

describe('signal_generation → signal_replay workflow', () => {
  it('--resume of a finished run lists each signal set once in results.db (reused) and gives the same replay', async () => {
    const out = tmp();
    const first = await run(GEN_REPLAY, { out });
    const again = await run(GEN_REPLAY, { out, resume: first.dir });
    expect(again.dir).toBe(first.dir);
    expect(signalRows(first.dir).map((r) => [r.signal_key, r.status])).toEqual(first.phases[0].signals!.map((s) => [s.key, 'reused']));
    expect(again.phases[1].runs).toEqual(first.phases[1].runs);
  });

  it('replays the stored signals into exactly the runs of the full backtests; the next run reuses the files; --force recomputes them', async () => {
    const out = tmp();
    const first = await run(GEN_REPLAY, { out });
    const [gen, replay] = first.phases;
    expect(gen.topology).toBe('signal_generation');
    expect(gen.trials).toBe(4);
    expect(gen.signals!.map((s) => s.status)).toEqual(['created', 'created', 'created', 'created']);
    expect(gen.signals!.map((s) => s.params)).toEqual([
      { 'strategy.fast': 5, 'strategy.slow': 30 },
      { 'strategy.fast': 5, 'strategy.slow': 60 },
      { 'strategy.fast': 10, 'strategy.slow': 30 },
      { 'strategy.fast': 10, 'strategy.slow': 60 },
    ]);
    for (const s of gen.signals!) {
      expect(s.file).toBe(join(out, 'signals', `${s.key}.msgpack`));
      expect(statSync(s.file).size).toBe(s.bytes);
      expect(s.strategy).toEqual({
        type: 'sma_crossover',
        params: { fast: s.params['strategy.fast'], slow: s.params['strategy.slow'], trigger: 'cross', allow_short: false },
        regime_filter: null,
      });
    }
    const rows = signalRows(first.dir);
    expect(rows.map((r) => [r.signal_key, r.status, r.strategy, r.changes, r.bytes])).toEqual(
      gen.signals!.map((s) => [s.key, 'created', 'sma_crossover', s.changes, s.bytes]),
    );
    // The swept parameters and the resolved strategy, each in its column.
    expect(rows.map((r) => [JSON.parse(r.params), JSON.parse(r.resolved)])).toEqual(gen.signals!.map((s) => [s.params, s.strategy]));

    // 4 strategies × 2 × 2 × 2 × 2 × 2 risk/broker settings, the same grid order as the full backtests.
    expect(replay.topology).toBe('signal_replay');
    expect(replay.trials).toBe(128);
    const full = (await run(FULL, { out: tmp() })).phases[0];
    expect(full.trials).toBe(128);
    expect(replay.runs!.length).toBe(128);
    expect(replay.runs).toEqual(full.runs);
    expect(replay.best).toEqual(full.best);
    expect(replay.runs!.reduce((n, r) => n + r.trades!.length, 0)).toBeGreaterThan(1000);

    // Second run: every signal set reused, its file untouched.
    const old = new Date('2001-02-03T04:05:06Z');
    for (const s of gen.signals!) utimesSync(s.file, old, old);
    const second = await run(GEN_REPLAY, { out });
    expect(second.phases[0].signals!.map((s) => s.status)).toEqual(['reused', 'reused', 'reused', 'reused']);
    expect(second.phases[0].signals!.map((s) => [s.key, s.changes, s.bytes])).toEqual(gen.signals!.map((s) => [s.key, s.changes, s.bytes]));
    expect(signalRows(second.dir).map((r) => r.status)).toEqual(['reused', 'reused', 'reused', 'reused']);
    for (const s of gen.signals!) expect(statSync(s.file).mtimeMs).toBe(old.getTime());
    expect(second.phases[1].runs).toEqual(full.runs);

    // --force: generated again (new files), same content, same replay.
    const forced = await run(GEN_REPLAY, { out, force: true });
    expect(forced.phases[0].signals!.map((s) => s.status)).toEqual(['created', 'created', 'created', 'created']);
    expect(signalRows(forced.dir).map((r) => r.status)).toEqual(['created', 'created', 'created', 'created']);
    for (const s of gen.signals!) expect(statSync(s.file).mtimeMs).not.toBe(old.getTime());
    expect(forced.phases[1].runs).toEqual(full.runs);
  });

  it('a corrupt stored file is not reused: it is generated again', async () => {
    const out = tmp();
    const first = await run(GEN_REPLAY, { out });
    const victim = first.phases[0].signals![1];
    writeFileSync(victim.file, 'not msgpack');
    const logs: string[] = [];
    const again = await run(GEN_REPLAY, { out, log: (l) => logs.push(l) });
    expect(again.phases[0].signals!.map((s) => s.status)).toEqual(['reused', 'created', 'reused', 'reused']);
    expect(logs.some((l) => l.includes('stored file unusable'))).toBe(true);
    expect(again.phases[1].runs).toEqual(first.phases[1].runs);
  });

  it('the pool executor replays exactly what the inline one does', async () => {
    const out = tmp();
    const inline = await run(GEN_REPLAY, { out });
    const pool = await run(GEN_REPLAY, { out: tmp(), executor: 'pool', workers: 2, maxBatch: 8 });
    expect(pool.phases[0].signals!.map((s) => [s.key, s.changes, s.bytes, s.status])).toEqual(
      inline.phases[0].signals!.map((s) => [s.key, s.changes, s.bytes, 'created']),
    );
    expect(pool.phases[1].runs).toEqual(inline.phases[1].runs);
    expect(pool.phases[1].best).toEqual(inline.phases[1].best);
  });

  it('refuses to replay a strategy the named phase did not generate, naming it', async () => {
    const path = file(`${BASE}
phases:
  - name: generate
    topology: signal_generation
    strategy: {fast: 5, slow: 30}
  - name: replay
    topology: signal_replay
    depends_on: generate
    inputs: {signals: generate}
`);
    const error = await run(path, { out: tmp() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(
      /phase 'generate' did not generate signals for strategy \{"params":\{"allow_short":false,"fast":5,"slow":60,"trigger":"cross"\}/,
    );
  });

  it('refuses to replay without stored signals', async () => {
    const path = file(`${BASE}
phases:
  - name: replay
    topology: signal_replay
`);
    const error = await run(path, { out: tmp() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(/no usable stored signals for strategy .*run a signal_generation phase/);
  });

  it('config errors: inputs.signals naming a phase that does not generate, or outside depends_on', async () => {
    const notGen = file(`${BASE}
phases:
  - name: sweep
  - name: replay
    topology: signal_replay
    depends_on: sweep
    inputs: {signals: sweep}
`);
    await expect(openWorkflow(notGen)).rejects.toThrow(/inputs\.signals: phase 'sweep' does not generate signals/);
    const notDep = file(`${BASE}
phases:
  - name: generate
    topology: signal_generation
  - name: replay
    topology: signal_replay
    inputs: {signals: generate}
`);
    await expect(openWorkflow(notDep)).rejects.toThrow(/inputs\.signals refers to phase 'generate', which is not among this phase's depends_on/);
  });

  // Windowed sequences: signals are generated for every window the sequence searches and the replay
  // searches those same windows; its phase equals the optimization with that sequence.
  const SEQUENCES: [string, string, number][] = [
    ['train_test', '{type: train_test, split: 0.6}', 1],
    ['walk_forward', '{type: walk_forward, train: 300, test: 100, step: 100}', 5],
    ['k_fold', '{type: k_fold, folds: 4, purge: 5, embargo: 5}', 6],
  ];
  for (const [name, sequence, windows] of SEQUENCES) {
    it(`${name}: replay through the windows equals the full backtests, trade for trade; each window's signals are stored once`, async () => {
      const seq = `sequence: ${sequence}\n`;
      const out = tmp();
      const replayed = await run(file(`${BASE}${seq}${GEN_REPLAY_PHASES}`), { out });
      const full = await run(file(`${BASE}${seq}phases:\n  - name: replay\n    topology: optimization\n${RISK_BROKER}`), { out: tmp() });
      const [gen, replay] = replayed.phases;
      // 4 strategies × the windows searched (k_fold: 4 folds, two train segments each but the first and the last: 6).
      expect(gen.signals!.length).toBe(4 * windows);
      expect(new Set(gen.signals!.map((s) => s.window.join('-'))).size).toBe(windows);
      expect(signalRows(replayed.dir).map((r) => r.signal_key)).toEqual(gen.signals!.map((s) => s.key));
      const { topology: t1, ...rest } = replay;
      const { topology: t2, ...expected } = full.phases[0];
      expect([t1, t2]).toEqual(['signal_replay', 'optimization']);
      expect(rest).toEqual(expected);
      expect(replay.sequence).toBe(name);
      expect(replay.trials).toBe(128 * windows);
    });
  }

  it('walk_forward replay through the pool equals the inline run', async () => {
    const text = `${BASE}sequence: ${SEQUENCES[1][1]}\n${GEN_REPLAY_PHASES}`;
    const inline = await run(file(text), { out: tmp() });
    const pool = await run(file(text), { out: tmp(), executor: 'pool', workers: 2, maxBatch: 16 });
    const strip = (phases: PhaseJson[]): unknown => phases.map((p) => (p.signals ? { ...p, signals: p.signals.map(({ file: _f, ...rest }) => rest) } : p));
    expect(strip(pool.phases)).toEqual(strip(inline.phases));
  });

  it('a strategy whose generation throws fails alone: the others are stored, its replay trials fail with the error, the rest equal full backtests', async () => {
    const plugins = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'report', 'plugins');
    // fragile_crossover throws when fast is a multiple of 4: fast 4 of [3, 4, 5] × slow [30, 60].
    const head = `name: fragile\nplugins: [${plugins}]\ndata: {synthetic: {bars: 600, symbols: [AAA], seed: 2}}\nstrategy: {type: fragile_crossover, fast: [3, 4, 5], slow: [30, 60]}\nresults: {storage: memory}\n`;
    const risk = `    risk: {stop_loss: [null, 0.05]}\n`;
    const replayed = await run(file(`${head}${generateAndReplay(risk)}`), { out: tmp(), maxBatch: 8 });
    const full = await run(file(`${head}phases:\n  - name: replay\n${risk}`), { out: tmp(), maxBatch: 8 });
    const [gen, replay] = replayed.phases;
    expect(gen.signals!.map((sig) => sig.params['strategy.fast'])).toEqual([3, 3, 5, 5]);
    expect(gen.failed).toBe(2);
    expect(gen.failures!.map((f) => [f.params['strategy.fast'], f.params['strategy.slow']])).toEqual([
      [4, 30],
      [4, 60],
    ]);
    for (const f of gen.failures!) expect(f.error).toMatch(/^bars 0–599: .*fragile_crossover: fast=4 is a multiple of 4/);
    // The replay: 12 trials, the 4 of fast 4 failed; the others are exactly the full backtests' runs.
    expect(replay.trials).toBe(12);
    expect(replay.failed).toBe(4);
    expect(full.phases[0].failed).toBe(4);
    expect(replay.runs).toEqual(full.phases[0].runs);
    expect(replay.best).toEqual(full.phases[0].best);
    expect(replay.failures!.map((f) => f.params['strategy.fast'])).toEqual([4, 4, 4, 4]);
    for (const f of replay.failures!)
      expect(f.error).toBe(
        "no signals to replay: its generation in phase 'generate' failed: container 'strategy' failed in execute: fragile_crossover: fast=4 is a multiple of 4",
      );
  });

  it('a replay with another sequence than its generation names the window it misses', async () => {
    // The replay phase (last in GEN_REPLAY_PHASES) gets a sequence of its own.
    const mixed = file(`${BASE}${GEN_REPLAY_PHASES}    sequence: {type: train_test, split: 0.5}\n`);
    const error = await run(mixed, { out: tmp() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(
      /^signal_replay: phase 'generate' did not generate signals for strategy \{.*\} in bars 0–399; add the strategy to that phase's parameter space and give it this phase's sequence$/,
    );
  });

  it('fanfold run: the second run reuses the stored signals, --force generates them again', () => {
    const out = tmp();
    const cli = (...extra: string[]): PhaseJson[] => {
      const r = spawnSync(process.execPath, [CLI, 'run', GEN_REPLAY, '--executor', 'inline', '--json', '--quiet', '--out', out, ...extra], {
        encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      return (JSON.parse(r.stdout) as { phases: PhaseJson[] }).phases;
    };
    const statuses = (phases: PhaseJson[]): string[] => phases[0].signals!.map((s) => s.status);
    const first = cli();
    expect(statuses(first)).toEqual(['created', 'created', 'created', 'created']);
    expect(statuses(cli())).toEqual(['reused', 'reused', 'reused', 'reused']);
    const forced = cli('--force');
    expect(statuses(forced)).toEqual(['created', 'created', 'created', 'created']);
    expect(forced[1].runs).toEqual(first[1].runs);
    const list = spawnSync(process.execPath, [CLI, 'list', 'topologies'], { encoding: 'utf8' });
    expect(list.stdout).toMatch(/signal_generation — .*\[containers: data, features, strategy, signals\]/);
    expect(list.stdout).toMatch(/signal_replay — .*\[containers: data, signals, risk, portfolio_<trial>, execution\]/);
  });

  it('signal_replay accepts a model-based search: tpe over the replayed space proposes and scores exactly as over the full backtests; a pruner is refused', async () => {
    const tpe = `    search: {method: tpe, trials: 24, seed: 2, batch: 6, robustness: false}\n`;
    const replayed = await run(
      file(
        `${BASE}\nphases:\n  - name: generate\n    topology: signal_generation\n  - name: replay\n    topology: signal_replay\n    depends_on: generate\n    inputs: {signals: generate}\n${RISK_BROKER}${tpe}`,
      ),
      { out: tmp() },
    );
    const full = await run(file(`${BASE}\nphases:\n  - name: full\n${RISK_BROKER}${tpe}`), { out: tmp() });
    const a = replayed.phases[1] as PhaseJson & { search: { history: unknown; trials: number } };
    const b = full.phases[0] as PhaseJson & { search: { history: unknown } };
    expect(a.search.trials).toBe(24);
    expect(a.search.history).toEqual(b.search.history);
    expect(a.best).toEqual(b.best);
    const pruned = file(
      `${BASE}\nphases:\n  - name: generate\n    topology: signal_generation\n  - name: replay\n    topology: signal_replay\n    depends_on: generate\n    inputs: {signals: generate}\n${RISK_BROKER}    search: {method: tpe, trials: 24, pruner: {type: successive_halving}}\n`,
    );
    const error = await run(pruned, { out: tmp() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toContain("the pruner's history prefixes have none");
  });
});
