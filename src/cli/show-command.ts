import { UserError } from '../errors.js';
import { writeShowCsv } from '../show/csv.js';
import { showDocument } from '../show/document.js';
import { showTrial } from '../show/index.js';
import { showText } from '../show/text.js';

export interface ShowArgs {
  readonly runDir: string;
  readonly trial?: number;
  readonly best: boolean;
  readonly phase?: string;
  readonly window?: number;
  readonly test: boolean;
  readonly segment?: number;
  readonly json: boolean;
  readonly csv?: string;
}

/**
 * `fanfold show RUN_DIR --trial N | --best`: prints the trial (text or --json), writes --csv, and
 * returns the exit code: 0 when every stored value was reproduced bit for bit, 1 when one was not
 * (stderr names them). Input errors throw UserError (exit 2).
 */
export async function showCommand(args: ShowArgs): Promise<number> {
  if ((args.trial === undefined) === !args.best) throw new UserError('show: give --trial N or --best (one of them)');
  if (args.trial !== undefined && (!Number.isInteger(args.trial) || args.trial < 0))
    throw new UserError(`show: --trial: expected a trial number (a whole number ≥ 0), got ${args.trial}`);
  const shown = await showTrial(args.runDir, args.phase, { trial: args.trial, best: args.best, window: args.window, test: args.test, segment: args.segment });
  const files = args.csv === undefined ? [] : writeShowCsv(shown, args.csv);
  if (args.json) process.stdout.write(`${JSON.stringify(showDocument(shown))}\n`);
  else process.stdout.write(`${showText(shown)}${files.length > 0 ? `\n  csv      ${files.join(', ')}` : ''}\n`);
  if (shown.differences.length === 0) return 0;
  const listed = shown.differences.slice(0, 5).map((d) => `${d.what} (stored ${String(d.stored)}, recomputed ${String(d.recomputed)})`);
  process.stderr.write(
    `error: show: trial ${shown.target.trial} of phase ${shown.stage.label} does not reproduce what the run stored: ${listed.join(', ')}${shown.differences.length > 5 ? ` and ${shown.differences.length - 5} more` : ''}\n`,
  );
  return 1;
}
