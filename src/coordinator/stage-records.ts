import type { DataSpec } from '../data/load.js';
import type { PhaseTemplate } from '../search/template.js';
import type { RunStage, Stage } from './run-composed.js';

/**
 * What run.json keeps of each stage that ran (a phase, or a composed phase's iteration or branch):
 * its validated template and the data it ran on. That is all `fanfold show` needs to rebuild any
 * of its trials alone — the trial number is a grid index into the template — so run.json holds no
 * per-trial data. A few kilobytes per stage.
 */
export interface StageRecord {
  readonly phase: string;
  /** Where its trials are stored in results.db (`trials.phase`). */
  readonly label: string;
  readonly topology: string;
  readonly sequence: string;
  readonly template: PhaseTemplate;
  /** The data spec with absolute paths, and the content hash of what was loaded from it. */
  readonly data: { readonly spec: DataSpec; readonly hash: string };
}

/** The stage runner, recording every stage it completes into `records` (a failing stage throws before it is recorded). */
export function recordingStages(run: RunStage, records: StageRecord[]): RunStage {
  const recording = async (...args: Parameters<RunStage>): Promise<Stage> => {
    const [decl, label, phase] = args;
    const stage = await run(...args);
    records.push({
      phase: decl.name,
      label,
      topology: stage.json.topology,
      sequence: stage.json.sequence,
      template: { config: phase.config, dimensions: phase.dimensions },
      data: { spec: stage.dataSpec, hash: stage.data.hash },
    });
    return stage;
  };
  return Object.assign(recording, { line: run.line });
}
