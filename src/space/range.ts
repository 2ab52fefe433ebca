/**
 * `range(a, b, step[, log])`: a, a+step, …, up to and including b when it lands on the grid. Values are
 * computed as a + i·step rounded to the literals' decimal places, so `range(0.1, 0.3, 0.1)` is
 * exactly [0.1, 0.2, 0.3] (repeated addition would give 0.30000000000000004).
 */
export const RANGE = /^\s*range\s*\((.*)\)\s*$/;

export function isRangeText(value: unknown): value is string {
  return typeof value === 'string' && RANGE.test(value);
}

/** Whether a range expression ends in `log`: model-based samplers (tpe, cmaes) then model it in log space; its grid is the same. */
export function isLogRange(text: string): boolean {
  const m = RANGE.exec(text);
  return m !== null && /,\s*log\s*$/.test(m[1]);
}

/** The values of a range expression, or a message saying what is wrong with it. */
export function expandRange(text: string): number[] | string {
  const m = RANGE.exec(text);
  if (!m) return `expected range(start, end, step), found '${text}'`;
  const all = m[1].split(',').map((s) => s.trim());
  const log = all.length === 4 && all[3] === 'log';
  const parts = log ? all.slice(0, 3) : all;
  if (parts.length !== 3 || parts.some((p) => p === '')) return `range takes 3 numbers (start, end, step), found '${text}'`;
  const nums = parts.map(Number);
  const bad = parts.findIndex((p, i) => !Number.isFinite(nums[i]) || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(p));
  if (bad >= 0) return `range: '${parts[bad]}' is not a number`;
  const [start, end, step] = nums;
  if (!(step > 0)) return `range: step must be positive, found ${parts[2]}`;
  if (end < start) return `range: end ${parts[1]} is below start ${parts[0]}`;
  if (log && !(start - step / 2 > 0))
    return `range: a log range needs start − step/2 > 0 (model-based samplers work on log(start − step/2) … log(end + step/2)), found start ${parts[0]}, step ${parts[2]}`;
  const decimals = Math.max(...parts.map(decimalPlaces));
  const count = Math.floor((end - start) / step + 1e-9) + 1;
  if (count > 10_000_000) return `range: ${count} values is more than one dimension may hold (10,000,000)`;
  const values: number[] = [];
  for (let i = 0; i < count; i++) values.push(Number((start + i * step).toFixed(decimals)));
  return values;
}

function decimalPlaces(literal: string): number {
  const [mantissa, exponent = '0'] = literal.toLowerCase().split('e');
  const dot = mantissa.indexOf('.');
  const places = (dot < 0 ? 0 : mantissa.length - dot - 1) - Number(exponent);
  return Math.min(Math.max(places, 0), 15);
}
