import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Topology } from '../src/topology/topology.js';
import { closes, makeSet } from './helpers.js';

describe('event tracing', () => {
  it('records events in causal order and writes them as JSON lines at cleanup', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanfold-trace-'));
    // buy_and_hold signals at bar 0's close and fills at bar 1's open.
    const topology = new Topology('backtest', closes([10, 11, 12]), [makeSet('buy_and_hold')], { trace: { traceId: 't1', traceDir: dir, maxEvents: 100 } });
    const [result] = topology.run();
    const lines = readFileSync(join(dir, 't1.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual([
      'BAR', 'FEATURES', 'SIGNAL', 'ORDER', 'PORTFOLIO',
      'BAR', 'FILL', 'POSITION', 'FEATURES', 'PORTFOLIO',
      'BAR', 'FEATURES', 'PORTFOLIO',
    ]);
    const fill = lines[6];
    // 100000 / 11 → 9090 shares at the open of bar 1.
    expect(fill).toMatchObject({ portfolio: 0, symbol: 0, index: 1, quantity: 9090, price: 11, commission: 0, reason: 'signal', target: 1 });
    expect(lines[12].equity).toBe(result.metrics.final_equity);
  });

  it('keeps at most max_events and says how many it dropped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanfold-trace-'));
    new Topology('backtest', closes([10, 11, 12, 13]), [makeSet('buy_and_hold')], { trace: { traceId: 't2', traceDir: dir, maxEvents: 4 } }).run();
    const lines = readFileSync(join(dir, 't2.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(5);
    expect(lines[4]).toEqual({ type: 'TRUNCATED', dropped: 12, max_events: 4 });
  });
});
