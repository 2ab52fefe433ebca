import type { Workflow } from '../config/workflow.js';
import type { PhaseOutput } from '../config/templates.js';
import type { Executor } from '../executor/executor.js';
import type { Results } from '../results/thread.js';
import type { Dispatcher } from '../sequencer/dispatch.js';
import type { EventStream } from '../reduce/events.js';

/** What every stage of a run shares. */
export interface StageContext {
  readonly workflow: Workflow;
  readonly executor: Executor;
  readonly results: Results;
  /** The run is a resume: searches skip what the store holds. */
  readonly resume: boolean;
  readonly runId: string;
  /** Content-addressed by strategy, data and window: shared by every run written to the same --out. */
  readonly signalsDir: string;
  readonly outputs: ReadonlyMap<string, PhaseOutput>;
  readonly dispatcher: Dispatcher;
  readonly log: (line: string) => void;
  /** What a user should see even with --quiet. */
  readonly warn: (line: string) => void;
  readonly signal?: AbortSignal;
  readonly progress: boolean;
  /** --events: the run's live event stream (NDJSON), or null. */
  readonly events: EventStream | null;
  readonly maxBatch?: number;
  readonly force: boolean;
}
