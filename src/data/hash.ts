import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { BAR_FIELDS, type SymbolBars } from './series.js';

// Trial keys must agree between machines (redis executor), so bytes are hashed little-endian
// whatever the host's byte order.
const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * sha256 (hex) over the time column's bytes, then per symbol, in order: its utf8 name prefixed by
 * the name's byte length (u32 LE), and its open, high, low, close, volume bytes.
 */
export function hashMarketData(time: Float64Array, symbols: readonly SymbolBars[]): string {
  const hash = createHash('sha256');
  hash.update(bytes(time));
  const len = Buffer.alloc(4);
  for (const s of symbols) {
    const name = Buffer.from(s.symbol, 'utf8');
    len.writeUInt32LE(name.length);
    hash.update(len);
    hash.update(name);
    for (const field of BAR_FIELDS) hash.update(bytes(s[field]));
  }
  return hash.digest('hex');
}

/** A view over the column's memory; a copy only on big-endian hosts, to swap bytes. */
function bytes(a: Float64Array): Buffer {
  const view = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return LITTLE_ENDIAN ? view : Buffer.from(view).swap64();
}
