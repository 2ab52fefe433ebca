import type { ValueName } from './columns.js';

/**
 * What is wrong with a bar, in the words every loader uses: CSV and columnar files are held to the
 * same rules, so the same bad value gets the same message whatever the format. Open/close outside
 * [low, high] is accepted on purpose: vendor files contain such rows and rejecting them would make
 * real data unusable.
 */
export const rowProblem = {
  emptyValue: (col: string): string => `column '${col}': empty value`,
  notANumber: (col: string, text: string): string => `column '${col}': cannot parse '${text}' as a number`,
  notFinite: (col: string, text: string): string => `column '${col}': '${text}' is not a finite number`,
  notPositive: (col: ValueName, v: number): string => `column '${col}': price must be positive, got ${v}`,
  negativeVolume: (v: number): string => `column 'volume': must not be negative, got ${v}`,
  highBelowLow: (h: number, l: number): string => `column 'high' (${h}) is below column 'low' (${l})`,
  notATime: (col: string, text: string): string =>
    `column '${col}': cannot parse '${text}' as a time (expected YYYY-MM-DD, an ISO date-time, or epoch seconds/milliseconds)`,
  notAfter: (text: string, previous: string): string => `timestamp ${text} is not after the previous row's ${previous}`,
};

/** Whether a price passes: positive and finite (NaN fails both comparisons). */
export const isPrice = (v: number): boolean => v > 0 && v < Infinity;

/** Whether a volume passes: zero or more, and finite. */
export const isVolume = (v: number): boolean => v >= 0 && v < Infinity;

/** Why a number read from a file (null where the file has none) that failed `isPrice` is no price. */
export function priceProblemOf(col: ValueName, v: number | null): string {
  if (v === null) return rowProblem.emptyValue(col);
  return Number.isFinite(v) ? rowProblem.notPositive(col, v) : rowProblem.notFinite(col, String(v));
}

/** Why a number read from a file that failed `isVolume` is no volume. */
export function volumeProblemOf(v: number | null): string {
  if (v === null) return rowProblem.emptyValue('volume');
  return Number.isFinite(v) ? rowProblem.negativeVolume(v) : rowProblem.notFinite('volume', String(v));
}
