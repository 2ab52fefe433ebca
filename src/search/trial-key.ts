import { createHash } from 'node:crypto';
import type { BarWindow, ParameterSet } from '../engine/spec.js';

/** JSON with object keys sorted at every level, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** The trial key: a content hash of the resolved parameters, the data and the window they run on. */
export function trialKey(set: ParameterSet, dataHash: string, window: BarWindow): string {
  return createHash('sha256').update(canonicalJson({ set, data: dataHash, window: [window.start, window.end] })).digest('hex');
}
