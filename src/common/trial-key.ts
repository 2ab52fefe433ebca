import { hash } from 'node:crypto';
import type { BarWindow, ParameterSet } from '../types.js';

/**
 * JSON with object keys sorted at every level, so equal values always give equal text. Written by
 * hand (not a JSON.stringify replacer, which builds a sorted copy of every object): it runs once
 * per trial.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return value === undefined ? 'null' : JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  // Most objects are built with their keys already in order: sort only when they are not.
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1] > keys[i]) {
      keys.sort();
      break;
    }
  }
  let out = '{';
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const v = obj[k];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJson(v)}`;
    first = false;
  }
  return `${out}}`;
}

/** The trial key: a content hash of the resolved parameters, the data and the window they run on. */
export function trialKey(set: ParameterSet, dataHash: string, window: BarWindow): string {
  return trialKeyOf(canonicalSet(set), dataHash, window);
}

/** The trial key from the set's canonical JSON (a set on several windows is serialized once). */
export function trialKeyOf(setJson: string, dataHash: string, window: BarWindow): string {
  // canonicalJson({ set, data: dataHash, window: [start, end] }), keys in sorted order.
  return hash('sha256', `{"data":${JSON.stringify(dataHash)},"set":${setJson},"window":[${JSON.stringify(window.start)},${JSON.stringify(window.end)}]}`);
}

/**
 * canonicalJson of a parameter set, written field by field in sorted key order (the trial key's
 * hot part: a sweep hashes one per set and window). Generic parts (strategy params, regime specs,
 * risk and broker fields a plugin or a newer version may add) go through canonicalJson, so the
 * text is always exactly canonicalJson(set) — a test holds them equal.
 */
export function canonicalSet(set: ParameterSet): string {
  const keys = Object.keys(set);
  if (keys.length !== 4) return canonicalJson(set);
  return `{"broker":${canonicalBroker(set.broker)},"capital":${JSON.stringify(set.capital)},"risk":${canonicalRisk(set.risk)},"strategy":${canonicalStrategy(set.strategy)}}`;
}

function pair(v: { readonly kind: string; readonly value: number } | null): string {
  if (v === null) return 'null';
  if (Object.keys(v).length !== 2) return canonicalJson(v);
  return `{"kind":${JSON.stringify(v.kind)},"value":${JSON.stringify(v.value)}}`;
}

function canonicalBroker(b: ParameterSet['broker']): string {
  if (Object.keys(b).length !== 3) return canonicalJson(b);
  return `{"commission":${pair(b.commission)},"fill":${JSON.stringify(b.fill)},"slippage":${pair(b.slippage)}}`;
}

function canonicalRisk(r: ParameterSet['risk']): string {
  if (Object.keys(r).length !== 4) return canonicalJson(r);
  return `{"sizing":${pair(r.sizing)},"stopLoss":${JSON.stringify(r.stopLoss)},"takeProfit":${JSON.stringify(r.takeProfit)},"trailingStop":${JSON.stringify(r.trailingStop)}}`;
}

/** canonicalJson of a strategy spec (also what tells a batch's strategy instances apart). */
export function canonicalStrategy(s: ParameterSet['strategy']): string {
  const n = Object.keys(s).length;
  if (n !== 3 && !(n === 4 && s.regimeSwitch !== undefined)) return canonicalJson(s);
  const filter = s.regimeFilter === null ? 'null' : canonicalJson(s.regimeFilter);
  const regime = s.regimeSwitch === undefined ? '' : `,"regimeSwitch":${canonicalJson(s.regimeSwitch)}`;
  return `{"params":${canonicalJson(s.params)},"regimeFilter":${filter}${regime},"type":${JSON.stringify(s.type)}}`;
}
