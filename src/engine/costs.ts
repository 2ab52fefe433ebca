import type { Commission, Slippage } from '../types.js';

/** Commission of one fill of |quantity| at price (DESIGN.md section 5, Costs). */
export function commissionFor(spec: Commission | null, quantity: number, price: number): number {
  if (spec === null) return 0;
  switch (spec.kind) {
    case 'percent':
      return spec.value * Math.abs(quantity * price);
    case 'per_share':
      return spec.value * Math.abs(quantity);
    case 'fixed':
      return spec.value;
  }
}

/** The price moved against the order: up for a buy (side > 0), down for a sell. */
export function slippedPrice(spec: Slippage | null, price: number, side: number): number {
  if (spec === null || spec.value === 0) return price;
  return spec.kind === 'percent' ? price * (1 + side * spec.value) : price + side * spec.value;
}
