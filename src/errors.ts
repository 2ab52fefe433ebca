/**
 * Errors a user can fix (bad config, bad data) carry exit code 2 and are printed without a stack
 * trace; everything else is a runtime failure (exit code 1).
 */
export class UserError extends Error {
  readonly exitCode: number = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** Bad market data: names the file (or source) and the offending row: a CSV's 1-based line, a columnar file's 1-based data row. */
export class DataError extends UserError {
  constructor(
    readonly source: string,
    readonly row: number | null,
    readonly reason: string,
  ) {
    super(row === null ? `${source}: ${reason}` : `${source}:${row}: ${reason}`);
    this.name = 'DataError';
  }
}

/** One problem in a config file, located by file, line, column and key path. */
export interface ConfigIssue {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly path: string;
  readonly message: string;
}

export function formatConfigIssue(issue: ConfigIssue): string {
  const where = issue.file.startsWith('--set ') ? issue.file : `${issue.file}:${issue.line}:${issue.column}`;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

export class ConfigError extends UserError {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(issues.map(formatConfigIssue).join('\n'));
    this.name = 'ConfigError';
  }
}

/** An error raised inside a container, tagged with the container and the lifecycle phase. */
export class LifecycleError extends Error {
  /** Errors raised while stopping or cleaning up after this one. */
  readonly suppressed: LifecycleError[] = [];
  constructor(
    readonly container: string,
    readonly phase: string,
    override readonly cause: unknown,
  ) {
    super(`container '${container}' failed in ${phase}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'LifecycleError';
  }
}

/** The error a user should see: a user error raised inside a container, else the error itself. */
export function userFacing(error: unknown): unknown {
  return error instanceof LifecycleError && error.cause instanceof UserError ? error.cause : error;
}
