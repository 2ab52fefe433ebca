import { commissionFor } from './costs.js';
import type { Commission, Sizing } from '../types.js';

/**
 * The largest quantity q (whole shares unless `fractional`) with q·price + commission(q, price) ≤ budget;
 * 0 when nothing is affordable. Starts from the closed form of each commission model and then steps
 * so floating-point rounding can never let the cost exceed the budget.
 */
export function affordableQuantity(budget: number, price: number, commission: Commission | null, fractional: boolean): number {
  if (!(budget > 0) || !(price > 0)) return 0;
  const cost = (q: number): number => q * price + commissionFor(commission, q, price);
  let q: number;
  if (commission === null) q = budget / price;
  else if (commission.kind === 'percent') q = budget / (price * (1 + commission.value));
  else if (commission.kind === 'per_share') q = budget / (price + commission.value);
  else q = (budget - commission.value) / price;
  if (!(q > 0)) return 0;
  if (fractional) {
    while (q > 0 && cost(q) > budget) q -= Math.max(q * Number.EPSILON, Number.MIN_VALUE);
    return q;
  }
  let n = Math.floor(q);
  while (n > 0 && cost(n) > budget) n--;
  while (cost(n + 1) <= budget) n++;
  return n;
}

/**
 * The quantity of an opening fill (DESIGN.md section 5, Sizing): `fixed` shares × weight, or the
 * largest affordable quantity for `value × weight × equity`; a long buy never costs more than the
 * cash. `equity` is the account valued at this fill (read only for percent_equity and fractional).
 */
export function orderQuantity(
  sizing: Sizing,
  commission: Commission | null,
  weight: number,
  price: number,
  side: number,
  cash: number,
  equity: () => number,
): number {
  const fractional = sizing.kind === 'fractional';
  let quantity: number;
  if (sizing.kind === 'fixed') {
    quantity = Math.floor(sizing.value * weight);
    const cost = quantity * price + commissionFor(commission, quantity, price);
    if (side > 0 && cost > cash) quantity = affordableQuantity(cash, price, commission, false);
    return quantity;
  }
  const budget = sizing.value * weight * equity();
  quantity = affordableQuantity(budget, price, commission, fractional);
  if (side > 0 && quantity * price + commissionFor(commission, quantity, price) > cash) {
    quantity = affordableQuantity(cash, price, commission, fractional);
  }
  return quantity;
}
