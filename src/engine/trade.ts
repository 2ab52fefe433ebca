/** A closed round trip (section 7). Times are ISO 8601 UTC. */
export interface Trade {
  symbol: string;
  side: 'long' | 'short';
  qty: number;
  entry_time: string;
  entry_price: number;
  exit_time: string;
  exit_price: number;
  /** Entry plus exit commission. */
  commission: number;
  /** Net of commissions. */
  pnl: number;
}
