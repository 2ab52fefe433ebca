import Database from 'better-sqlite3';
import type { MarketData } from '../data/series.js';
import type { PhaseJson } from '../contract.js';
import { UserError } from '../errors.js';
import { reloadData, type ReloadedData } from '../report/best-run.js';
import { readRunDirectory, type BestRunRecord, type DataRecord, type RunDirectoryContents } from '../report/run-record.js';

/** One phase of a run as the export tables read it. */
export interface PhaseSource {
  readonly name: string;
  /** The phase's config as run.json records it. */
  readonly config: Record<string, unknown>;
  readonly result: PhaseJson | undefined;
  readonly best: BestRunRecord | undefined;
  readonly dataRecord: DataRecord | undefined;
  /** Its data reloaded (content hash checked against run.json), or why it could not be. */
  readonly data: ReloadedData;
  /** Bar times (UTC ms) of its timeline, when the data reloaded. */
  readonly times: Float64Array | null;
}

/** A run directory opened for export: run.json, results.db (read only) and the phases asked for. */
export class RunSource {
  readonly contents: RunDirectoryContents;
  readonly db: Database.Database;
  private readonly reloaded = new Map<string, Promise<ReloadedData>>();

  constructor(runDir: string) {
    this.contents = readRunDirectory(runDir, 'export');
    this.db = new Database(this.contents.database, { readonly: true, fileMustExist: true });
  }

  get dir(): string {
    return this.contents.dir;
  }

  phaseNames(): string[] {
    return this.contents.record.phases.map((p) => p.name);
  }

  /** The phases to export: all of them, or the one `--phase` names (an unknown name lists the others). */
  selected(phase: string | undefined): string[] {
    const names = this.phaseNames();
    if (phase === undefined) return names;
    if (!names.includes(phase)) throw new UserError(`export: --phase '${phase}' is not a phase of this run (phases: ${names.join(', ')})`);
    return [phase];
  }

  /** A phase with its data reloaded, unless `withData` is false (then its times are null). */
  async phase(name: string, withData = true): Promise<PhaseSource> {
    const record = this.contents.record;
    const dataRecord = record.data?.find((d) => d.phase === name);
    const data = withData ? await this.dataOf(dataRecord) : { reason: 'not reloaded (not needed)' };
    return {
      name,
      config: record.phases.find((p) => p.name === name)?.config ?? {},
      result: record.result?.phases.find((p) => p.name === name),
      best: record.best_runs?.find((b) => b.phase === name),
      dataRecord,
      data,
      times: 'data' in data ? data.data.time : null,
    };
  }

  /** Data reloaded once per content hash (phases on the same data share it). */
  dataOf(rec: DataRecord | undefined): Promise<ReloadedData> {
    const key = rec?.hash ?? '';
    let p = this.reloaded.get(key);
    if (p === undefined) this.reloaded.set(key, (p = reloadData(rec)));
    return p;
  }

  /**
   * Where a phase's trials are stored: its name, and a composed phase's iterations and branches
   * (`name#i`, `name#i/branch`), in the order they were first stored.
   */
  stages(phase: string): string[] {
    let stages = this.stagesOf.get(phase);
    if (stages === undefined) {
      stages = this.db
        .prepare(`SELECT phase FROM trials WHERE phase = ? OR substr(phase, 1, length(?)) = ? GROUP BY phase ORDER BY min(rowid)`)
        .pluck()
        .all(phase, `${phase}#`, `${phase}#`) as string[];
      this.stagesOf.set(phase, stages);
    }
    return stages;
  }

  private readonly stagesOf = new Map<string, string[]>();

  close(): void {
    this.db.close();
  }
}

/** The data of a phase, or null (its reason is in `data`). */
export function marketOf(p: PhaseSource): MarketData | null {
  return 'data' in p.data ? p.data.data : null;
}
