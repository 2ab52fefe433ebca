import { openWorkflow } from '../coordinator/open.js';
import { dataFilesOf, missingDataFiles } from '../config/data-files.js';
import { checkBarFile, type FileCheck } from '../data/check-file.js';
import { ConfigError, UserError } from '../errors.js';

/** Bad rows listed per file by `validate --data`; the rest are counted. */
export const LISTED_BAD_ROWS = 20;

/**
 * `fanfold validate`: the config, then that every data file it names exists (a config error at the
 * key naming it), then with `--data` every row of every data file. Returns the line to print.
 */
export async function validateCommand(config: string, sets: readonly string[], data: boolean): Promise<string> {
  const workflow = await openWorkflow(config, sets);
  const files = dataFilesOf(workflow);
  const missing = missingDataFiles(files);
  if (missing.length > 0) throw new ConfigError(missing);
  const phases = workflow.phases;
  let line = `${config}: ok — workflow ${workflow.name}, ${phases.length} phase${phases.length === 1 ? '' : 's'}: ${phases.map((p) => p.name).join(' → ')}`;
  if (!data) return line;
  if (files.length === 0) return `${line}; data: generated, no files to read`;
  const checks: FileCheck[] = [];
  for (const file of files) checks.push(await checkBarFile(file.path, LISTED_BAD_ROWS));
  const bad = checks.filter((c) => c.bad > 0);
  if (bad.length > 0) throw new UserError(badDataMessage(bad));
  const bars = checks.reduce((n, c) => n + c.bars, 0);
  line += `; data: ${checks.length} file${checks.length === 1 ? '' : 's'}, ${bars.toLocaleString('en-US')} bars, no bad rows`;
  return line;
}

function badDataMessage(bad: readonly FileCheck[]): string {
  const rows = bad.reduce((n, c) => n + c.bad, 0);
  const lines = [`bad data: ${rows.toLocaleString('en-US')} problem${rows === 1 ? '' : 's'} in ${bad.length} file${bad.length === 1 ? '' : 's'}`];
  for (const c of bad) {
    for (const p of c.listed) lines.push(`  ${p.row === null ? p.source : `${p.source}:${p.row}`}: ${p.reason}`);
    const more = c.bad - c.listed.length;
    if (more > 0)
      lines.push(`  ${c.path}: … and ${more.toLocaleString('en-US')} more bad row${more === 1 ? '' : 's'} (the first ${c.listed.length} are listed)`);
  }
  return lines.join('\n');
}
