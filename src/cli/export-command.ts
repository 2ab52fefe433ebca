import { exportLineText, exportRun, type ExportFormat } from '../export/index.js';

export interface ExportArgs {
  readonly runDir: string;
  readonly phase?: string;
  readonly format: ExportFormat;
  readonly out?: string;
  readonly tables?: readonly string[];
}

/** `fanfold export RUN_DIR`: writes the tables and prints one line per file written or table left out. */
export async function exportCommand(args: ExportArgs): Promise<void> {
  await exportRun(args.runDir, {
    phase: args.phase,
    format: args.format,
    out: args.out,
    tables: args.tables,
    onLine: (line, phases) => process.stdout.write(`${exportLineText(line, phases)}\n`),
  });
}
