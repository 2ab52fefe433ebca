/**
 * Timestamp parsing for bar files. Hand-rolled instead of regexes or `Date.parse` because it runs
 * once per row and `Date.parse` treats zone-less date-times as local time, which would make
 * results depend on the machine's time zone.
 */

const DAY_MS = 86_400_000;
const DASH = 45;
const COLON = 58;
const DOT = 46;
const PLUS = 43;
const ZERO = 48;

/**
 * Parses `YYYY-MM-DD`, `YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z|±HH:MM]` (no zone = UTC) or a plain number
 * (epoch seconds when |v| < 1e11, else epoch milliseconds) to UTC milliseconds; NaN if it is none
 * of these. Digits beyond milliseconds are dropped.
 */
export function parseTime(field: string): number {
  const s = field.trim();
  if (s.length >= 10 && s.charCodeAt(4) === DASH) return parseIso(s);
  if (s === '') return NaN;
  return epochToMs(Number(s));
}

/**
 * A plain number as a time: epoch seconds when |v| < 1e11, else epoch milliseconds; NaN unless
 * finite. CSV fields and numeric columns of Parquet/Arrow files are read by this one rule.
 */
export function epochToMs(v: number): number {
  if (!Number.isFinite(v)) return NaN;
  // Rounding removes the float noise of seconds × 1000 (1.001 × 1000 = 1000.9999999999999).
  return Math.abs(v) < 1e11 ? Math.round(v * 1000) : v;
}

function parseIso(s: string): number {
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  if (s.charCodeAt(7) !== DASH || y < 0 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return NaN;
  const date = daysFromCivil(y, mo, d) * DAY_MS;
  if (s.length === 10) return date;

  const sep = s[10];
  if (sep !== 'T' && sep !== 't' && sep !== ' ') return NaN;
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  if (s.charCodeAt(13) !== COLON || h < 0 || h > 23 || mi < 0 || mi > 59) return NaN;
  let i = 16;
  let sec = 0;
  let ms = 0;
  if (s.charCodeAt(i) === COLON) {
    sec = digits(s, 17, 2);
    if (sec < 0 || sec > 59) return NaN;
    i = 19;
    if (s.charCodeAt(i) === DOT) {
      let j = i + 1;
      while (isDigit(s.charCodeAt(j))) j++;
      if (j === i + 1) return NaN;
      ms = Number((s.slice(i + 1, Math.min(j, i + 4)) + '00').slice(0, 3));
      i = j;
    }
  }
  const offset = zoneOffsetMs(s, i);
  if (Number.isNaN(offset)) return NaN;
  return date + h * 3_600_000 + mi * 60_000 + sec * 1000 + ms - offset;
}

/** The zone suffix starting at i: '' or Z → 0, ±HH:MM or ±HHMM → its offset, else NaN. */
function zoneOffsetMs(s: string, i: number): number {
  if (i === s.length) return 0;
  const c = s[i];
  if (c === 'Z' || c === 'z') return i + 1 === s.length ? 0 : NaN;
  if (c !== '+' && c !== '-') return NaN;
  const colon = s.charCodeAt(i + 3) === COLON ? 1 : 0;
  const oh = digits(s, i + 1, 2);
  const om = digits(s, i + 3 + colon, 2);
  if (i + 5 + colon !== s.length || oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
  return (s.charCodeAt(i) === PLUS ? 1 : -1) * (oh * 60 + om) * 60_000;
}

/** The n-digit decimal at i, or -1. */
function digits(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = i; k < i + n; k++) {
    const c = s.charCodeAt(k);
    if (!isDigit(c)) return -1;
    v = v * 10 + (c - ZERO);
  }
  return v;
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= ZERO + 9;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Days since 1970-01-01 (H. Hinnant's algorithm); unlike Date.UTC it does not remap years < 100. */
function daysFromCivil(y0: number, m: number, d: number): number {
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * ((m + 9) % 12) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
