import { randomUUID } from 'node:crypto';
import type { MarketData } from '../data/series.js';
import { computeColumns, outputCount, type ColumnSource } from './columns.js';
import type { ParsedFeatureKey } from './registry.js';

/**
 * Feature columns shared by every thread of a pool: a fixed table of entries and one arena of
 * float64s, both on SharedArrayBuffers made once by the pool. The first worker that needs a
 * feature (of one symbol of one data set) claims its entry, computes the whole-series columns into
 * the arena and publishes them; every other worker, for every later batch and window, reads them.
 * Memory is bounded by the arena: a feature that no longer fits is refused (the kernel then updates
 * it bar by bar per batch, as before). Entries are claimed with compare-and-swap and published with
 * Atomics; a worker waiting for another's column waits at most `WAIT_MS` (its writer may have been
 * killed) before updating that feature bar by bar itself.
 */
export interface SharedColumnsHandle {
  /** Tells handles apart (each message delivers new SharedArrayBuffer objects for the same memory). */
  readonly id: string;
  readonly table: SharedArrayBuffer;
  readonly arena: SharedArrayBuffer;
}

const HEADER = 4; // int32s: arena cursor (in float64s), entries claimed
const KEY_BYTES = 128;
const ENTRY = 4 + KEY_BYTES / 4; // state, offset, key length, hash, key bytes
const ENTRIES = 16384;
const EMPTY = 0;
const CLAIMED = 1;
const COMPUTING = 2;
const READY = 3;
const REFUSED = 4;
const WAIT_MS = 10_000;

export function sharedColumnsHandle(arenaBytes: number): SharedColumnsHandle {
  return {
    id: randomUUID(),
    table: new SharedArrayBuffer((HEADER + ENTRIES * ENTRY) * 4),
    arena: new SharedArrayBuffer(Math.max(8, Math.floor(arenaBytes / 8) * 8)),
  };
}

const encoder = new TextEncoder();

function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h | 0;
}

export class SharedColumns implements ColumnSource {
  private readonly table: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly arena: SharedArrayBuffer;
  private readonly capacity: number;
  /** Columns this thread already found, by key. */
  private readonly known = new Map<string, Float64Array[] | null>();

  constructor(handle: SharedColumnsHandle) {
    this.table = new Int32Array(handle.table);
    this.bytes = new Uint8Array(handle.table);
    this.arena = handle.arena;
    this.capacity = handle.arena.byteLength / 8;
  }

  columns(market: MarketData, symbol: number, parsed: ParsedFeatureKey): readonly Float64Array[] | null {
    const id = `${market.hash}|${symbol}|${parsed.key}`;
    const hit = this.known.get(id);
    if (hit !== undefined) return hit;
    const found = this.lookup(id, market, symbol, parsed);
    this.known.set(id, found);
    return found;
  }

  private lookup(id: string, market: MarketData, symbol: number, parsed: ParsedFeatureKey): Float64Array[] | null {
    const key = encoder.encode(id);
    if (key.length > KEY_BYTES) return null;
    const hash = fnv1a(key);
    const { table } = this;
    for (let probe = 0; probe < ENTRIES; probe++) {
      const e = HEADER + ((hash + probe) & (ENTRIES - 1)) * ENTRY;
      let state = Atomics.load(table, e);
      if (state === EMPTY) {
        if (Atomics.compareExchange(table, e, EMPTY, CLAIMED) === EMPTY) return this.fill(e, key, hash, market, symbol, parsed);
        state = Atomics.load(table, e);
      }
      // Another thread is writing this entry's key: it takes a few stores.
      while (state === CLAIMED) {
        Atomics.wait(table, e, CLAIMED, 1);
        state = Atomics.load(table, e);
      }
      if (!this.matches(e, key, hash)) continue;
      const until = Date.now() + WAIT_MS;
      while (state === COMPUTING && Date.now() < until) {
        Atomics.wait(table, e, COMPUTING, 100);
        state = Atomics.load(table, e);
      }
      if (state === READY) return this.views(table[e + 1], market.time.length, outputCount(parsed));
      // Refused (no room), or its computing thread died (a killed worker): updated bar by bar.
      return null;
    }
    return null;
  }

  private matches(e: number, key: Uint8Array, hash: number): boolean {
    if (this.table[e + 3] !== hash || this.table[e + 2] !== key.length) return false;
    const at = (e + 4) * 4;
    for (let i = 0; i < key.length; i++) if (this.bytes[at + i] !== key[i]) return false;
    return true;
  }

  private fill(e: number, key: Uint8Array, hash: number, market: MarketData, symbol: number, parsed: ParsedFeatureKey): Float64Array[] | null {
    const { table } = this;
    this.bytes.set(key, (e + 4) * 4);
    table[e + 2] = key.length;
    table[e + 3] = hash;
    Atomics.store(table, e, COMPUTING);
    Atomics.notify(table, e);
    const n = market.time.length;
    const width = outputCount(parsed);
    const offset = this.allocate(n * width);
    if (offset < 0) {
      Atomics.store(table, e, REFUSED);
      Atomics.notify(table, e);
      return null;
    }
    try {
      const out = this.views(offset, n, width);
      computeColumns(market.symbols[symbol], parsed, out);
      table[e + 1] = offset;
      Atomics.store(table, e, READY);
      return out;
    } catch (error) {
      Atomics.store(table, e, REFUSED);
      throw error;
    } finally {
      Atomics.notify(table, e);
    }
  }

  /** Reserves `size` float64s of the arena (compare-and-swap: a refusal leaves the cursor as it was); −1 when they do not fit. */
  private allocate(size: number): number {
    for (;;) {
      const at = Atomics.load(this.table, 0);
      if (at + size > this.capacity || at + size > 0x7fffffff) return -1;
      if (Atomics.compareExchange(this.table, 0, at, at + size) === at) return at;
    }
  }

  private views(offset: number, n: number, width: number): Float64Array[] {
    return Array.from({ length: width }, (_, j) => new Float64Array(this.arena, (offset + j * n) * 8, n));
  }
}
