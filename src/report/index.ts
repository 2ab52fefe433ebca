import { join, resolve } from 'node:path';
import { writeAtomic } from '../common/atomic.js';
import { buildReportModel, type ReportModel } from './model.js';
import { renderReport } from './render.js';
import { readRunDirectory } from './run-record.js';

export type { ReportModel } from './model.js';

export interface WrittenReport {
  readonly file: string;
  readonly bytes: number;
  readonly model: ReportModel;
}

/** Writes the HTML report of a results directory (default `<run dir>/report.html`), atomically. */
export async function writeReport(runDir: string, out?: string): Promise<WrittenReport> {
  const contents = readRunDirectory(runDir);
  const model = await buildReportModel(contents);
  const html = renderReport(model);
  const file = resolve(out ?? join(contents.dir, 'report.html'));
  writeAtomic(file, html);
  return { file, bytes: Buffer.byteLength(html), model };
}
