import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EventBus } from '../engine/bus.js';
import type { Component } from '../engine/container.js';
import { EVENT_NAMES, EventType, type EngineEvent } from '../engine/events.js';
import { writeAtomic } from '../results/run-dir.js';

export interface TraceSettings {
  /** File name stem; the run id when null. */
  readonly traceId: string;
  readonly traceDir: string;
  /** Events kept; later ones are counted, not stored. */
  readonly maxEvents: number;
  /** Event types to record (all when absent). */
  readonly types?: readonly EventType[];
}

/**
 * Records the events of one topology run (copies: the bus reuses its event objects) and writes them
 * as JSON lines to `<trace_dir>/<trace_id>.jsonl` when its container is cleaned up, so a trace is
 * saved even when the run fails.
 */
export class EventTracer implements Component {
  readonly name = 'event_tracer';
  private records: Record<string, unknown>[] = [];
  dropped = 0;
  file: string | null = null;

  constructor(private readonly settings: TraceSettings) {}

  attach(bus: EventBus, owner: string): void {
    const types = this.settings.types ?? (Object.values(EventType) as EventType[]);
    for (const t of types) bus.observe(t, owner, (e: EngineEvent) => this.record(e));
  }

  initialize(): void {
    this.records = [];
    this.dropped = 0;
  }

  private record(e: EngineEvent): void {
    if (this.records.length >= this.settings.maxEvents) {
      this.dropped++;
      return;
    }
    this.records.push({ ...e, type: EVENT_NAMES[e.type] });
  }

  get events(): readonly Record<string, unknown>[] {
    return this.records;
  }

  cleanup(): void {
    mkdirSync(this.settings.traceDir, { recursive: true });
    const file = join(this.settings.traceDir, `${this.settings.traceId}.jsonl`);
    const lines = this.records.map((r) => JSON.stringify(r));
    if (this.dropped > 0) lines.push(JSON.stringify({ type: 'TRUNCATED', dropped: this.dropped, max_events: this.settings.maxEvents }));
    writeAtomic(file, lines.length > 0 ? `${lines.join('\n')}\n` : '');
    this.file = file;
  }
}
