import type { Objective } from '../metrics/leaderboard.js';
import type { BestJson, PhaseJson } from '../contract.js';

/** A phase's config as plain data (before validation), as a composable workflow sees and changes it. */
export type PlainConfig = Record<string, unknown>;

/** Config changes by dotted key path (`strategy.fast: [8, 9, 10]`); `null` removes the key. */
export type ConfigChanges = Readonly<Record<string, unknown>>;

export interface BranchResult {
  readonly name: string;
  readonly changes: ConfigChanges;
  /** Why the branch did not run (its condition was false). */
  readonly skipped?: string;
  readonly trials: number;
  readonly failed: number;
  readonly best: BestJson | null;
}

/** What one iteration of a composed phase produced, as the protocol's methods receive it. */
export interface IterationResult {
  readonly iteration: number;
  /** The config this iteration ran. */
  readonly config: PlainConfig;
  readonly objective: Objective;
  readonly trials: number;
  readonly failed: number;
  readonly best: BestJson | null;
  /** The iteration's full phase JSON (windows, walk-forward, k-fold sections, runs when kept). */
  readonly phase: PhaseJson;
  /** Filled after `getBranches`: the branches run on this iteration's result. */
  readonly branches: readonly BranchResult[];
}

export interface Branch {
  readonly name: string;
  /** An expression over the iteration result (`best.metrics.sharpe > 0.5`, `trials > 10`); absent = always. */
  readonly condition?: string;
  readonly changes: ConfigChanges;
}

/**
 * A composable workflow (DESIGN.md vocabulary): it iterates a phase, changing its config between
 * iterations, and may split an iteration into branches that run in parallel through the executor.
 * The coordinator runs iteration 0 with the phase's config; after each iteration it runs the
 * branches `getBranches` returns (those whose condition holds), then stops when `shouldContinue`
 * says so or `max_iterations` is reached, else runs `modifyConfigForNext`'s config.
 * Built-ins: refine, regime_adaptive, branch. Plugins export objects with `kind: 'workflow'`.
 */
export interface ComposableWorkflow<O = unknown> {
  readonly kind: 'workflow';
  readonly name: string;
  readonly description: string;
  /** Reads the options written beside `type` in the phase's `compose` map; throws OptionError for a bad one. */
  prepare(options: Readonly<Record<string, unknown>>, config: PlainConfig): O;
  shouldContinue(result: IterationResult, iteration: number, options: O): boolean;
  modifyConfigForNext(config: PlainConfig, result: IterationResult, iteration: number, options: O): PlainConfig;
  getBranches?(result: IterationResult, options: O): readonly Branch[];
}

/** A bad `compose` option: the coordinator reports it at `compose.<key>` in the config file. */
export class OptionError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}
