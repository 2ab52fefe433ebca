import { runTest, runWork, type TestReply, type TestTask, type WorkReply, type WorkTask } from '../batch/work.js';
import type { MarketData } from '../data/series.js';
import type { ParameterSet } from '../types.js';
import { generateSignals, type SignalInfo } from '../batch/generate-signals.js';
import type { Executor, GenerateOptions } from './executor.js';

/** Same thread, the same task code the workers run: for debugging and as the reference. */
export class InlineExecutor implements Executor {
  readonly name = 'inline';
  readonly concurrency = 1;

  async run(task: WorkTask): Promise<WorkReply> {
    return runWork(task);
  }

  async test(task: TestTask): Promise<TestReply> {
    return runTest(task);
  }

  async generateSignals(data: MarketData, sets: readonly ParameterSet[], options: GenerateOptions): Promise<SignalInfo[]> {
    return generateSignals(data, sets, options);
  }

  async close(): Promise<void> {}
}
