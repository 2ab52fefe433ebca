import { UserError } from '../errors.js';
import type { RunRecord, StageRecord } from '../report/run-record.js';

/**
 * The stage `--phase` names: a stage label as stored (`sweep`, `refine#2`, `regime#0/trending`),
 * or a phase name — a composed phase's name means the stage its best set came from. Without
 * `--phase`, the run's only phase.
 */
export function stageOf(record: RunRecord, file: string, phase: string | undefined): StageRecord {
  const stages = record.stages ?? [];
  const declared = record.phases.map((p) => p.name);
  if (stages.length === 0)
    throw new UserError(
      `show: ${file} records no stages (a run made before \`fanfold show\` existed, or one that stopped before a phase completed): run it again to show its trials`,
    );
  if (phase === undefined) {
    if (declared.length !== 1) throw new UserError(`show: this run has ${declared.length} phases (${declared.join(', ')}): choose one with --phase`);
    return ofPhase(record, stages, declared[0]);
  }
  const exact = stages.find((s) => s.label === phase);
  if (exact !== undefined) return exact;
  if (declared.includes(phase)) return ofPhase(record, stages, phase);
  throw new UserError(`show: --phase ${phase}: this run has no such phase (phases: ${declared.join(', ')}; stored stages: ${labels(stages)})`);
}

const labels = (stages: readonly StageRecord[]): string => stages.map((s) => s.label).join(', ');

function ofPhase(record: RunRecord, stages: readonly StageRecord[], phase: string): StageRecord {
  const own = stages.filter((s) => s.phase === phase);
  const skipped = record.result?.phases.find((p) => p.name === phase)?.skipped;
  if (own.length === 0)
    throw new UserError(`show: phase ${phase} ${skipped !== undefined ? `did not run (skipped: ${skipped})` : 'did not complete in this run'}`);
  if (own.length === 1) return own[0];
  const best = record.best_runs?.find((b) => b.phase === phase)?.label;
  const chosen = own.find((s) => s.label === best);
  if (chosen === undefined)
    throw new UserError(`show: phase ${phase} ran as several stages (${labels(own)}) and none holds its best set: choose one with --phase`);
  return chosen;
}
