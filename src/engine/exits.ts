import type { OrderReason } from './events.js';

/** Where a position exits on a bar, when it does. */
export interface ExitDecision {
  reason: OrderReason;
  price: number;
}

/**
 * Whether an open position's stop-loss, take-profit or trailing stop is reached on a bar, checked
 * against the bar's open, then its range (DESIGN.md section 5): a bar that opens beyond a level
 * exits at the open (the gap), one that trades through it exits at the level; when both the stop
 * and the take-profit lie inside the range the stop is assumed hit first. The trailing stop is
 * `trail` below the best price since the entry (`extreme`), and replaces a fixed stop it passes.
 * `dir` is the position's sign; levels are NaN when not set. Writes the exit into `out`.
 */
export function exitOf(
  dir: number,
  open: number,
  high: number,
  low: number,
  extreme: number,
  stopAt: number,
  profitAt: number,
  trail: number,
  out: ExitDecision,
): boolean {
  // Work in "long space": multiply prices by dir so one comparison serves both sides.
  const trailLevel = trail !== trail ? NaN : dir * extreme * (1 - dir * trail);
  const fixedStop = dir * stopAt;
  const useTrail = trailLevel === trailLevel && !(fixedStop > trailLevel);
  const stopLevel = useTrail ? trailLevel : fixedStop;
  const stopReason: OrderReason = useTrail ? 'trailing_stop' : 'stop_loss';
  const profit = dir * profitAt;
  const o = dir * open;
  const l = dir > 0 ? low : -high;
  const h = dir > 0 ? high : -low;
  if (o <= stopLevel) return decide(out, stopReason, open);
  if (o >= profit) return decide(out, 'take_profit', open);
  if (l <= stopLevel) return decide(out, stopReason, dir * stopLevel);
  if (h >= profit) return decide(out, 'take_profit', dir * profit);
  return false;
}

function decide(out: ExitDecision, reason: OrderReason, price: number): boolean {
  out.reason = reason;
  out.price = price;
  return true;
}
