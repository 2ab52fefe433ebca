import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DataSpec } from '../data/load.js';
import type { ParameterSet } from '../types.js';
import { UserError } from '../errors.js';
import type { ResultJson } from '../contract.js';

/** One data source a phase ran on, as run.json describes it. */
export interface DataRecord {
  readonly phase: string;
  readonly source: string;
  readonly hash: string;
  readonly symbols: readonly string[];
  readonly bars: number;
  readonly first: string;
  readonly last: string;
  /** The data spec with absolute paths (runs made before reports existed lack it). */
  readonly spec?: DataSpec;
}

/** What a report re-runs for a phase: its best trial's resolved parameter set on the window it was chosen on. */
export interface BestRunRecord {
  readonly phase: string;
  /** Where its trials are stored: the phase name, or a composed phase's winning `name#i` / `name#i/branch` (absent before composed phases). */
  readonly label?: string;
  readonly trial: number;
  readonly window: readonly [number, number];
  readonly periods_per_year: number | null;
  readonly set: ParameterSet;
  /** The data the best set ran on, when it differs from the phase's (a composed branch may change it; absent in older runs). */
  readonly data?: { readonly spec: DataSpec; readonly hash: string };
}

/** A stage that ran (a phase, or a composed phase's iteration or branch): what its trials are rebuilt from. */
export type { StageRecord } from '../coordinator/stage-records.js';
import type { StageRecord } from '../coordinator/stage-records.js';

/** `run.json` of a results directory (written by the coordinator; DESIGN.md section 8). */
export interface RunRecord {
  readonly run_id: string;
  readonly workflow: string;
  readonly fanfold: string;
  readonly node: string;
  readonly config_file: string;
  readonly phases: readonly { readonly name: string; readonly config: Record<string, unknown> }[];
  readonly executor: string;
  readonly workers?: number;
  readonly plugins?: readonly string[];
  readonly started: string;
  readonly resumed: boolean;
  readonly status: 'running' | 'completed' | 'interrupted' | 'failed';
  readonly finished?: string;
  readonly seconds?: number;
  readonly error?: string;
  readonly data?: readonly DataRecord[];
  readonly best_runs?: readonly BestRunRecord[];
  /** Every stage that ran (runs made before `fanfold show` existed lack it). */
  readonly stages?: readonly StageRecord[];
  readonly result?: ResultJson;
}

export interface RunDirectoryContents {
  readonly dir: string;
  readonly record: RunRecord;
  readonly database: string;
}

/**
 * Reads a results directory for a report (or another command: `command` names it in errors): run.json
 * must parse and name its phases, results.db must exist.
 */
export function readRunDirectory(path: string, command: 'report' | 'export' | 'show' = 'report'): RunDirectoryContents {
  const dir = resolve(path);
  if (!existsSync(dir)) throw new UserError(`${command}: ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new UserError(`${command}: ${dir} is not a directory (expected a run directory <out>/<workflow>/<run_id>)`);
  const file = join(dir, 'run.json');
  if (!existsSync(file)) throw new UserError(`${command}: ${dir} is not a run directory (no run.json)`);
  let record: RunRecord;
  try {
    record = JSON.parse(readFileSync(file, 'utf8')) as RunRecord;
  } catch (error) {
    throw new UserError(`${command}: ${file} is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  for (const key of ['run_id', 'workflow', 'phases', 'status'] as const) {
    if (record === null || typeof record !== 'object' || record[key] === undefined)
      throw new UserError(`${command}: ${file} is incomplete: it has no '${key}'`);
  }
  if (!Array.isArray(record.phases)) throw new UserError(`${command}: ${file}: 'phases' is not a list`);
  const database = join(dir, 'results.db');
  if (!existsSync(database)) throw new UserError(`${command}: ${dir} has no results.db (the run stopped before it stored anything)`);
  return { dir, record, database };
}
