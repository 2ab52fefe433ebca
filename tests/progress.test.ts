import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './support/cli.js';
import { PhaseProgress, type ProgressListener, type ProgressSnapshot } from '../src/reduce/phase-progress.js';
import { progressText } from '../src/reduce/progress.js';
import { ProgressGroup } from '../src/reduce/progress-group.js';
import type { TrialResult } from '../src/types.js';

const out = mkdtempSync(join(tmpdir(), 'fanfold-progress-'));

type Event = Record<string, unknown> & { event: string };
const eventsIn = (file: string): Event[] =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Event);

const item = (trial: number, sharpe: number): TrialResult => ({ trial, params: { 'strategy.fast': trial }, metrics: { sharpe } }) as unknown as TrialResult; // eslint-disable-line no-restricted-syntax -- a result with only what the line prints

/** A phase progress on a clock the test moves, its snapshots recorded. */
function harness(points: number | null) {
  let now = 0;
  const seen: ProgressSnapshot[] = [];
  const bests: ProgressSnapshot[] = [];
  const listener: ProgressListener = { progress: (s) => seen.push(s), best: (s) => bests.push(s) };
  const progress = new PhaseProgress('wf', points, [listener], () => now);
  return { progress, seen, bests, at: (ms: number) => (now = ms) };
}

describe('phase progress', () => {
  it('totals every window of a walk-forward, names the window and what the best is the best of', () => {
    const h = harness(10);
    h.progress.plan(3, 'window');
    h.at(1000);
    h.progress.update(0, { done: 10, failed: 1, restored: 0, perPoint: 1 }, { item: item(4, 1.5) }, []);
    const s = h.seen.at(-1)!;
    // 10 points × 3 windows; 10 trials in 1 s; 20 left at 10/s.
    expect(s).toMatchObject({ done: 10, total: 30, failed: 1, rate: 10, eta: 2, unit: 'window', searches: 3, finished: 0 });
    expect(progressText(s, 'sharpe')).toBe('wf: 10/30 · window 1/3 · 1 failed · 10 sets/s · ETA 2 s · best of window 1 sharpe 1.500 {"strategy.fast":4}');
    h.progress.finish(0, item(4, 1.5), null);
    h.at(2000);
    h.progress.update(1, { done: 5, failed: 0, restored: 0, perPoint: 1 }, { item: item(2, 0.25) }, []);
    // 15 trials in 2 s: 7.5/s, shown rounded; 15 left at 7.5/s.
    expect(progressText(h.seen.at(-1)!, 'sharpe')).toBe(
      'wf: 15/30 · window 2/3 · 1 failed · 8 sets/s · ETA 2 s · best of window 2 sharpe 0.250 {"strategy.fast":2}',
    );
    // Each search's new best is told once, labelled with its window.
    expect(h.bests.map((b) => b.best?.search)).toEqual([0, 1]);
  });

  it('computes the rate from the work done in this session: restored trials are neither fast nor done twice', () => {
    const h = harness(100);
    h.at(4000);
    // A resume found 90 of 100 stored and computed 10 in 4 s.
    h.progress.update(0, { done: 100, failed: 0, restored: 90, perPoint: 1 }, null, []);
    expect(h.seen.at(-1)).toMatchObject({ done: 100, total: 100, restored: 90, rate: 2.5, eta: 0 });
    const h2 = harness(100);
    h2.at(4000);
    h2.progress.update(0, { done: 90, failed: 0, restored: 90, perPoint: 1 }, null, []);
    // Nothing computed yet: no rate to extrapolate, no ETA (not "ETA 0 s" at 41,443 sets/s).
    expect(h2.seen.at(-1)).toMatchObject({ rate: 0, eta: null });
    expect(progressText(h2.seen.at(-1)!, 'sharpe')).toBe('wf: 90/100 · 90 restored · 0 sets/s');
  });

  it('counts a k_fold point once per train segment, for the folds not yet started too', () => {
    const h = harness(10);
    h.progress.plan(5, 'fold');
    h.at(500);
    // Fold 1's search: each point is a trial on its 4 train segments.
    h.progress.update(0, { done: 8, failed: 0, restored: 0, perPoint: 4 }, null, []);
    expect(h.seen.at(-1)).toMatchObject({ done: 8, total: 10 * 4 * 5, unit: 'fold', searches: 5 });
    expect(harness(null).progress.end()).toMatchObject({ total: null, eta: null });
  });
});

describe('branches side by side', () => {
  it('sum into one line: the total only once every branch has told its own, the best labelled with its branch', () => {
    const seen: ProgressSnapshot[] = [];
    const group = new ProgressGroup('p#0 branches', ['cheap', 'dear'], { progress: (s) => seen.push(s) });
    const a = new PhaseProgress('p#0/cheap', 20, [group.member('cheap')], () => 2000);
    const b = new PhaseProgress('p#0/dear', 30, [group.member('dear')], () => 2000);
    a.update(0, { done: 10, failed: 0, restored: 0, perPoint: 1 }, { item: item(1, 0.5) }, []);
    expect(seen.at(-1)).toMatchObject({ done: 10, total: null, eta: null, unit: 'branch', searches: 2 });
    b.update(0, { done: 6, failed: 2, restored: 0, perPoint: 1 }, null, []);
    // 16 of the two branches' 20 + 30.
    expect(seen.at(-1)).toMatchObject({ done: 16, total: 50, failed: 2, finished: 0 });
    a.update(0, { done: 20, failed: 0, restored: 0, perPoint: 1 }, { item: item(1, 0.5) }, []);
    expect(progressText(seen.at(-1)!, 'sharpe')).toContain('best of branch cheap sharpe 0.500');
    a.end();
    b.end();
    group.end();
    expect(seen.at(-1)).toMatchObject({ done: 26, total: 50, finished: 2 });
  });
});

describe('fanfold run --events', () => {
  const wf = join(import.meta.dirname, '..', 'configs', 'walk_forward.yaml');

  it('streams a walk-forward as NDJSON: every window counted in the total, each window done once, the run end last', () => {
    const file = join(out, 'wf.ndjson');
    const r = cli(['run', wf, '--quiet', '--out', out, '--executor', 'inline', '--events', file]);
    expect(r.status).toBe(0);
    const events = eventsIn(file);
    for (const e of events) {
      expect(e.v).toBe(1);
      expect(new Date(e.time as string).toISOString()).toBe(e.time);
    }
    expect(events[0].event).toBe('run_start');
    expect(events.at(-1)).toMatchObject({ event: 'run_end', status: 'completed', exit_code: 0, results_dir: events[0].results_dir });
    const json = JSON.parse(readFileSync(join(events[0].results_dir as string, 'run.json'), 'utf8')) as {
      result: { phases: { trials: number; windows: unknown[] }[] };
    };
    const windows = json.result.phases[0].windows.length;
    const progress = events.filter((e) => e.event === 'progress');
    // walk_forward.yaml: 90 sets on each of its windows.
    for (const p of progress) expect(p).toMatchObject({ total: 90 * windows, unit: 'window', searches: windows });
    expect(progress.at(-1)).toMatchObject({ done: json.result.phases[0].trials, finished: windows });
    expect(json.result.phases[0].trials).toBe(90 * windows);
    // At most one progress event a second, the last one besides.
    const seconds = Number(progress.at(-1)!.seconds);
    expect(progress.length).toBeLessThanOrEqual(Math.floor(seconds) + 2);
    const done = events.filter((e) => e.event === 'window_done').map((e) => e.index);
    expect([...done].sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: windows }, (_, i) => i + 1));
    const names = events.map((e) => e.event);
    expect(names.indexOf('phase_start')).toBe(1);
    expect(names.lastIndexOf('phase_end')).toBe(names.length - 2);
    for (const b of events.filter((e) => e.event === 'best')) expect(b).toMatchObject({ unit: 'window', of: windows, metric: 'sharpe' });
  });

  it('a resume says its trials were restored, at no rate, and a failing config still ends the stream', () => {
    const cfg = join(out, 'small.yaml');
    writeFileSync(
      cfg,
      'name: small\ndata: {synthetic: {bars: 300, symbols: [AAA], seed: 3}}\nstrategy: {type: sma_crossover, fast: [5, 10, 15], slow: [30, 60]}\nsearch: {objective: sharpe}\n',
    );
    const first = cli(['run', cfg, '--quiet', '--out', join(out, 'r'), '--executor', 'inline']);
    expect(first.status).toBe(0);
    const dir = join(out, 'r', 'small', readdirSync(join(out, 'r', 'small'))[0]);
    const file = join(out, 'resume.ndjson');
    const again = cli(['run', cfg, '--quiet', '--resume', dir, '--executor', 'inline', '--events', file]);
    expect(again.status).toBe(0);
    const last = eventsIn(file)
      .filter((e) => e.event === 'progress')
      .at(-1)!;
    expect(last).toMatchObject({ done: 6, total: 6, restored: 6, rate: 0, eta_s: null });

    const bad = join(out, 'bad.yaml');
    writeFileSync(bad, 'name: bad\ndata: {synthetic: {bars: 300, symbols: [AAA], seed: 3}}\nstrategy: {type: sma_crossover, fast: 5, slow: 30, bogus: 1}\n');
    const failed = cli(['run', bad, '--quiet', '--out', out, '--events', join(out, 'bad.ndjson')]);
    expect(failed.status).toBe(2);
    expect(eventsIn(join(out, 'bad.ndjson'))).toEqual([expect.objectContaining({ event: 'run_end', status: 'failed', exit_code: 2, kind: 'config' })]);
  });

  it('--events - writes only events on stdout (the summary goes to stderr) and refuses --json', () => {
    const cfg = join(out, 'small.yaml');
    const r = cli(['run', cfg, '--quiet', '--out', out, '--executor', 'inline', '--events', '-']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as Event).event)).toEqual(expect.arrayContaining(['run_start', 'phase_start', 'progress', 'phase_end', 'run_end']));
    expect(r.stderr).toContain('phase small');
    const both = cli(['run', cfg, '--quiet', '--out', out, '--events', '-', '--json']);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('--events - and --json both write to standard output');
  });
});
