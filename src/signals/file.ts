import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { pack, unpack } from 'msgpackr';
import { writeAtomic } from '../common/atomic.js';
import { SIGNAL_FORMAT_VERSION } from './key.js';
import type { SparseSignal } from '../engine/sparse-signal.js';

/** One stored signal set: a strategy's sparse signal per symbol on one data set and window. */
export interface SignalSet {
  readonly key: string;
  readonly dataHash: string;
  readonly window: readonly [number, number];
  /** The resolved strategy (type, params with defaults, regime filter). */
  readonly strategy: Record<string, unknown>;
  readonly symbols: readonly string[];
  readonly series: readonly SparseSignal[];
}

const MAGIC = 'fanfold-signals';
const LITTLE_ENDIAN = endianness() === 'LE';

/** Typed-array bytes, little-endian whatever the host (files move between machines). */
function bytesOf(a: Int32Array | Float64Array): Uint8Array {
  const view = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  if (LITTLE_ENDIAN) return view;
  const copy = Buffer.from(view);
  return a instanceof Int32Array ? copy.swap32() : copy.swap64();
}

/** Copies into a fresh, aligned buffer (msgpack binaries may start at any offset). */
function arrayOf<T extends Int32Array | Float64Array>(bin: Uint8Array, Kind: { new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number }): T {
  const copy = Buffer.from(bin);
  if (!LITTLE_ENDIAN) {
    if (Kind.BYTES_PER_ELEMENT === 4) copy.swap32();
    else copy.swap64();
  }
  const buffer = new ArrayBuffer(copy.byteLength);
  new Uint8Array(buffer).set(copy);
  return new Kind(buffer);
}

export function encodeSignalSet(set: SignalSet): Uint8Array {
  return pack({
    format: MAGIC,
    version: SIGNAL_FORMAT_VERSION,
    key: set.key,
    data_hash: set.dataHash,
    window: set.window,
    strategy: set.strategy,
    symbols: set.symbols,
    series: set.series.map((s) => ({ index: bytesOf(s.index), time: bytesOf(s.time), value: bytesOf(s.value), price: bytesOf(s.price) })),
  });
}

/** Decodes a stored set; throws an Error saying what is wrong with a file that is not one. */
export function decodeSignalSet(bytes: Uint8Array): SignalSet {
  const raw = unpack(bytes) as Record<string, unknown> | null;
  if (raw === null || typeof raw !== 'object' || raw.format !== MAGIC) throw new Error('not a fanfold signal file');
  if (raw.version !== SIGNAL_FORMAT_VERSION) throw new Error(`signal file format ${String(raw.version)}, expected ${SIGNAL_FORMAT_VERSION}`);
  const series = (raw.series as Record<string, Uint8Array>[]).map((s) => {
    const out = {
      index: arrayOf(s.index, Int32Array),
      time: arrayOf(s.time, Float64Array),
      value: arrayOf(s.value, Float64Array),
      price: arrayOf(s.price, Float64Array),
    };
    const n = out.index.length;
    if (out.time.length !== n || out.value.length !== n || out.price.length !== n) throw new Error('signal file columns differ in length');
    return out;
  });
  const symbols = raw.symbols as string[];
  if (!Array.isArray(symbols) || symbols.length !== series.length) throw new Error('signal file: one series per symbol expected');
  return {
    key: String(raw.key),
    dataHash: String(raw.data_hash),
    window: raw.window as [number, number],
    strategy: raw.strategy as Record<string, unknown>,
    symbols,
    series,
  };
}

/**
 * The content-addressed signal store `<out>/signals/<key>.msgpack`, shared by the runs of one
 * output folder. Files are written atomically and never modified in place.
 */
export class SignalStore {
  constructor(readonly dir: string) {}

  pathOf(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`not a signal key: ${key}`);
    return join(this.dir, `${key}.msgpack`);
  }

  has(key: string): boolean {
    return existsSync(this.pathOf(key));
  }

  /** Writes a set; returns the bytes written. */
  write(set: SignalSet): number {
    mkdirSync(this.dir, { recursive: true });
    const bytes = encodeSignalSet(set);
    writeAtomic(this.pathOf(set.key), bytes);
    return bytes.byteLength;
  }

  /**
   * Reads and checks a stored set against what it must be: its key, data hash, window and symbols.
   * Throws with the reason when the file is missing, unreadable or made for something else.
   */
  read(key: string, expect: { dataHash: string; window: readonly [number, number]; symbols: readonly string[] }): { set: SignalSet; bytes: number } {
    const file = this.pathOf(key);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch {
      throw new Error(`no stored signals ${key} in ${this.dir}`);
    }
    let set: SignalSet;
    try {
      set = decodeSignalSet(bytes);
    } catch (error) {
      throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const problem =
      set.key !== key
        ? `holds key ${set.key}`
        : set.dataHash !== expect.dataHash
          ? `was made from other market data (hash ${set.dataHash.slice(0, 12)}…, this data ${expect.dataHash.slice(0, 12)}…)`
          : set.window[0] !== expect.window[0] || set.window[1] !== expect.window[1]
            ? `covers bars [${set.window.join(', ')}), not [${expect.window.join(', ')})`
            : set.symbols.join('\u0000') !== expect.symbols.join('\u0000')
              ? `holds symbols ${set.symbols.join(', ')}, not ${expect.symbols.join(', ')}`
              : null;
    if (problem !== null) throw new Error(`${file} ${problem}`);
    return { set, bytes: bytes.byteLength };
  }
}
