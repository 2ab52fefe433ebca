import { endianness } from 'node:os';
import { pack, unpack } from 'msgpackr';
import { hashMarketData } from '../../data/hash.js';
import { BAR_FIELDS, sharedColumn, type MarketData, type SymbolBars } from '../../data/series.js';

const LITTLE_ENDIAN = endianness() === 'LE';

interface PackedMarket {
  readonly source: string;
  readonly hash: string;
  readonly time: Uint8Array;
  readonly symbols: readonly ({ readonly symbol: string } & Record<(typeof BAR_FIELDS)[number], Uint8Array>)[];
}

/** Aligned market data as msgpack: every column's float64 bytes, little-endian (as the content hash reads them). */
export function packMarketData(data: MarketData): Buffer {
  const packed: PackedMarket = {
    source: data.source,
    hash: data.hash,
    time: leBytes(data.time),
    symbols: data.symbols.map((s) => ({
      symbol: s.symbol,
      open: leBytes(s.open),
      high: leBytes(s.high),
      low: leBytes(s.low),
      close: leBytes(s.close),
      volume: leBytes(s.volume),
    })),
  };
  return pack(packed);
}

/**
 * Rebuilds market data on SharedArrayBuffer-backed columns (so the local pool shares it with its
 * threads) and refuses it unless its content hash is `expected`.
 */
export function unpackMarketData(bytes: Uint8Array, expected: string): MarketData {
  const p = unpack(bytes) as PackedMarket;
  const time = column(p.time);
  const symbols: SymbolBars[] = p.symbols.map((s) => ({
    symbol: s.symbol,
    open: column(s.open),
    high: column(s.high),
    low: column(s.low),
    close: column(s.close),
    volume: column(s.volume),
  }));
  for (const s of symbols)
    for (const f of BAR_FIELDS)
      if (s[f].length !== time.length) throw new Error(`market data ${expected}: symbol ${s.symbol} has ${s[f].length} ${f} values for ${time.length} bars`);
  const hash = hashMarketData(time, symbols);
  if (hash !== expected) throw new Error(`market data received from Redis hashes to ${hash}, not ${expected}: refusing it`);
  return { time, symbols, hash, source: p.source };
}

function leBytes(a: Float64Array): Uint8Array {
  const view = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return LITTLE_ENDIAN ? view : Buffer.from(view).swap64();
}

function column(bytes: Uint8Array): Float64Array {
  if (bytes.byteLength % 8 !== 0) throw new Error(`market data column of ${bytes.byteLength} bytes is not float64`);
  const col = sharedColumn(bytes.byteLength / 8);
  const target = new Uint8Array(col.buffer);
  target.set(bytes);
  if (!LITTLE_ENDIAN) Buffer.from(col.buffer).swap64();
  return col;
}
