import { readdirSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openWorkflow } from '../src/coordinator/open.js';
import { runWorkflow } from '../src/coordinator/run-workflow.js';

const dir = join(import.meta.dirname, '..', 'configs');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
const out = mkdtempSync(join(tmpdir(), 'fanfold-examples-'));

describe('configs/', () => {
  it('holds the promised examples', () => {
    expect(files.sort()).toEqual([
      'base.yaml',
      'composed.yaml',
      'cpcv.yaml',
      'demo.yaml',
      'k_fold.yaml',
      'plugin.yaml',
      'regime.yaml',
      'search.yaml',
      'signal_replay.yaml',
      'sweep.yaml',
      'sweep_confirm.yaml',
      'train_test.yaml',
      'ts_plugin.yaml',
      'walk_forward.yaml',
    ]);
  });

  for (const f of files) {
    it(`${f} validates and runs as it is`, async () => {
      const workflow = await openWorkflow(join(dir, f));
      const { result } = await runWorkflow(workflow, { out });
      expect(result.phases.length).toBe(workflow.phases.length);
      for (const p of result.phases) {
        expect(p.skipped).toBeUndefined();
        expect(p.failed).toBe(0);
        expect(p.trials).toBeGreaterThan(0);
      }
    });
  }

  it('sweep_confirm: the confirm phase runs the sweep best set (plus its take-profit)', async () => {
    const { result } = await runWorkflow(await openWorkflow(join(dir, 'sweep_confirm.yaml')), { out });
    const [sweep, confirm] = result.phases;
    expect(confirm.topology).toBe('backtest');
    expect(confirm.trials).toBe(1);
    expect(confirm.runs![0].params).toEqual({});
    expect(Object.keys(sweep.best!.params).sort()).toEqual(['risk.stop_loss', 'strategy.fast', 'strategy.slow']);
  });
});
