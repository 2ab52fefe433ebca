import { isAbsolute, join, relative, resolve } from 'node:path';
import picomatch from 'picomatch';
import { EVENT_NAMES, type EventType } from '../engine/events.js';
import { UserError } from '../errors.js';

export type EventName = (typeof EVENT_NAMES)[number];

/** What one `container_settings` pattern asks for; absent fields fall back to the trace's defaults. */
export interface ContainerTraceSettings {
  readonly enabled?: boolean;
  /** Event types to keep (all when absent). */
  readonly events?: readonly EventName[];
  readonly maxEvents?: number;
}

/**
 * Where and what a topology run traces (execution.trace_settings). Files go to
 * `<traceDir>/<traceId>/<...part>/<container>.jsonl`; every segment is sanitised, so nothing is
 * written outside `traceDir`.
 */
export interface TraceSettings {
  readonly traceId: string;
  readonly traceDir: string;
  /** Sub-folders below the trace id (phase, window, trials) when a workflow runs several topologies. */
  readonly part?: readonly string[];
  /** The trial number of each parameter set of the topology run (its per-set container names); absent: the set's index. */
  readonly trials?: readonly number[];
  /** Default bound of each container's buffer; later events are counted, not stored. */
  readonly maxEvents: number;
  /** Glob pattern over container names → settings, in the order written. */
  readonly containers?: readonly (readonly [string, ContainerTraceSettings])[];
}

/** A container's resolved trace rule. */
export interface ContainerTraceRule {
  readonly enabled: boolean;
  /** Indexed by EventType: 1 = keep. */
  readonly keep: Uint8Array;
  readonly maxEvents: number;
  /** The pattern that decided, or null for the defaults. */
  readonly pattern: string | null;
}

const matchers = new Map<string, (name: string) => boolean>();

/**
 * A container-name glob (picomatch syntax: `*`, `?`, `[abc]`, `{a,b}`), compiled once: rules are
 * resolved per container and per parameter set of every traced topology run.
 */
export function globMatcher(pattern: string): (name: string) => boolean {
  let m = matchers.get(pattern);
  if (m === undefined) {
    const compiled = picomatch(pattern, { dot: true });
    m = (name) => compiled(name);
    matchers.set(pattern, m);
  }
  return m;
}

/**
 * The rule for one container: a pattern equal to the container's name wins; otherwise the first
 * pattern, in the order written, whose glob matches the name (picomatch syntax: `*`, `?`,
 * `[abc]`, `{a,b}`); a container no pattern matches is traced with the defaults (every event type,
 * the trace's max_events).
 */
export function ruleFor(container: string, settings: TraceSettings): ContainerTraceRule {
  const entries = settings.containers ?? [];
  const found = entries.find(([pattern]) => pattern === container) ?? entries.find(([pattern]) => globMatcher(pattern)(container));
  const s: ContainerTraceSettings = found?.[1] ?? {};
  const keep = new Uint8Array(EVENT_NAMES.length);
  if (s.events === undefined) keep.fill(1);
  else for (const name of s.events) keep[EVENT_NAMES.indexOf(name) as EventType] = 1;
  return { enabled: s.enabled ?? true, keep, maxEvents: s.maxEvents ?? settings.maxEvents, pattern: found?.[0] ?? null };
}

/**
 * One path segment safe to join under a folder: characters other than letters, digits, `_`, `-`
 * and `.` become `_`, leading dots too (no `.`, `..` or hidden names), at most 120 characters.
 * `../../x` → `___.._x`: a plain name inside the folder, whatever the input.
 */
export function safeSegment(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .replace(/^\.+/, (dots) => '_'.repeat(dots.length))
    .slice(0, 120);
  return cleaned === '' ? '_' : cleaned;
}

/** The folder a topology run writes its container traces into; refuses anything that would leave traceDir. */
export function traceFolder(settings: TraceSettings): string {
  const root = resolve(settings.traceDir);
  const folder = join(root, safeSegment(settings.traceId), ...(settings.part ?? []).map(safeSegment));
  const rel = relative(root, folder);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new UserError(`trace folder ${folder} would be outside trace_dir ${root}`);
  return folder;
}

/** The settings of one topology run inside a phase's trace: `segment` names its sub-folder, `trials` its sets. */
export function traceWithin(settings: TraceSettings | undefined, segment: string, trials: readonly number[]): TraceSettings | undefined {
  return settings && { ...settings, part: [...(settings.part ?? []), segment], trials };
}

/**
 * The container that exists once per parameter set, as in a topology where every set has its own
 * portfolio: its events are traced as `portfolio_<trial>` (the set's trial number in its phase), so
 * `portfolio_*` traces all of them and `portfolio_17` one.
 */
export const PER_SET_CONTAINER = 'portfolio';

export function perSetName(trial: number): string {
  return `${PER_SET_CONTAINER}_${trial}`;
}

/** How a topology's container is named in traces and listings. */
export function containerLabel(container: string): string {
  return container === PER_SET_CONTAINER ? `${PER_SET_CONTAINER}_<trial>` : container;
}

/** Whether a container_settings pattern can match a container of the list (a per-set name, or one of trials 0–999). */
export function patternMatchesAny(pattern: string, containers: readonly string[]): boolean {
  const matches = globMatcher(pattern);
  const perSet = (): boolean => new RegExp(`^${PER_SET_CONTAINER}_\\d+$`).test(pattern) || Array.from({ length: 1000 }, (_, t) => perSetName(t)).some(matches);
  return containers.some((c) => (c === PER_SET_CONTAINER ? perSet() : c === pattern || matches(c)));
}
