import { hash } from 'node:crypto';
import type { BarWindow, ParameterSet } from '../engine/spec.js';

/**
 * JSON with object keys sorted at every level, so equal values always give equal text. Written by
 * hand (not a JSON.stringify replacer, which builds a sorted copy of every object): it runs once
 * per trial.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return value === undefined ? 'null' : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    if (obj[k] === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJson(obj[k])}`;
    first = false;
  }
  return `${out}}`;
}

/** The trial key: a content hash of the resolved parameters, the data and the window they run on. */
export function trialKey(set: ParameterSet, dataHash: string, window: BarWindow): string {
  return hash('sha256', canonicalJson({ set, data: dataHash, window: [window.start, window.end] }));
}
