import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Component } from '../engine/container.js';
import { EVENT_NAMES, type EngineEvent } from '../engine/events.js';
import { writeAtomic } from '../common/atomic.js';
import { safeSegment, type ContainerTraceRule } from './settings.js';

export type { TraceSettings } from './settings.js';

/** Beside a topology run's `<container>.jsonl` files: the symbol names its events' `symbol` indices stand for. */
export const TRACE_SYMBOLS_FILE = 'symbols.json';

/**
 * Records the events one container publishes (copies: the bus reuses its event objects) into a
 * buffer bounded by its rule's max_events, and writes them as JSON lines to
 * `<folder>/<container>.jsonl` when the container is cleaned up (lifecycle step 6), so a trace is
 * saved even when the run fails. Events past the bound are counted in a closing TRUNCATED line.
 */
export class EventTracer implements Component {
  readonly name = 'event_tracer';
  private records: Record<string, unknown>[] = [];
  dropped = 0;
  file: string | null = null;

  constructor(
    readonly container: string,
    private readonly rule: ContainerTraceRule,
    private readonly folder: string,
    /** The trial number of each set of the topology run: events of a set carry it as `trial`. */
    private readonly trials?: readonly number[],
    /** The data's symbols: events carry a symbol's index, `symbols.json` beside the trace names them. */
    private readonly symbols?: readonly string[],
  ) {}

  initialize(): void {
    this.records = [];
    this.dropped = 0;
  }

  record(e: EngineEvent): void {
    if (this.rule.keep[e.type] === 0) return;
    if (this.records.length >= this.rule.maxEvents) {
      this.dropped++;
      return;
    }
    const copy: Record<string, unknown> = { ...e, type: EVENT_NAMES[e.type] };
    // `portfolio` is the set's index within this topology run; the trial names it within the phase.
    if ('portfolio' in e && e.portfolio >= 0) copy.trial = this.trials?.[e.portfolio] ?? e.portfolio;
    copy.container = this.container;
    this.records.push(copy);
  }

  get events(): readonly Record<string, unknown>[] {
    return this.records;
  }

  cleanup(): void {
    mkdirSync(this.folder, { recursive: true });
    const file = join(this.folder, `${safeSegment(this.container)}.jsonl`);
    const lines = this.records.map((r) => JSON.stringify(r));
    if (this.dropped > 0) lines.push(JSON.stringify({ type: 'TRUNCATED', container: this.container, dropped: this.dropped, max_events: this.rule.maxEvents }));
    writeAtomic(file, lines.length > 0 ? `${lines.join('\n')}\n` : '');
    if (this.symbols !== undefined) writeAtomic(join(this.folder, TRACE_SYMBOLS_FILE), `${JSON.stringify(this.symbols)}\n`);
    this.file = file;
  }
}
