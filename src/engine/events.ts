/**
 * Typed events of one topology run. Dispatch is synchronous and events are reused objects (one per
 * type per publisher), so a bar allocates nothing: a handler must copy what it keeps.
 *
 * Every event carries three integer ids (plain number fields of the reused objects, so they cost a
 * store each, nothing allocated): `id`, unique within the run and increasing in publication order
 * (assigned by the bus); `causation`, the id of the event that directly caused it (0 for a BAR); and
 * `correlation`, the id of the event that started its chain. Chains: BAR → FEATURES → SIGNAL →
 * ORDER → FILL → POSITION; a SIGNAL starts a chain (its correlation is its own id) and so does a risk
 * exit ORDER (caused by the BAR whose range hit the level); BAR, FEATURES and PORTFOLIO events carry
 * the BAR's id as their correlation.
 */
export const EventType = {
  BAR: 0,
  FEATURES: 1,
  SIGNAL: 2,
  ORDER: 3,
  FILL: 4,
  POSITION: 5,
  PORTFOLIO: 6,
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];
export { EVENT_NAMES } from '../types.js';

/** A new bar index on the timeline: every symbol's bar at that time (NaN fields = no bar). */
interface Identified {
  id: number;
  causation: number;
  correlation: number;
}

export interface BarEvent extends Identified {
  readonly type: typeof EventType.BAR;
  index: number;
  time: number;
}

/** The feature hub holds every feature's value at `index`. */
export interface FeaturesEvent extends Identified {
  readonly type: typeof EventType.FEATURES;
  index: number;
}

/** Events below belong to one portfolio (one parameter set) and are routed to it alone. */
interface Routed extends Identified {
  portfolio: number;
  symbol: number;
  index: number;
}

/** A strategy's target changed. */
export interface SignalEvent extends Routed {
  readonly type: typeof EventType.SIGNAL;
  target: number;
}

export type OrderReason = 'signal' | 'stop_loss' | 'take_profit' | 'trailing_stop';

/** Move the position to `target`: at the fill price rules for `signal`, at `price` for a stop. */
export interface OrderEvent extends Routed {
  readonly type: typeof EventType.ORDER;
  target: number;
  reason: OrderReason;
  /** The stop or limit level for risk exits; NaN for market orders. */
  price: number;
}

export interface FillEvent extends Routed {
  readonly type: typeof EventType.FILL;
  time: number;
  /** Signed: > 0 buys, < 0 sells. */
  quantity: number;
  price: number;
  commission: number;
  reason: OrderReason;
  /** The target this fill moves towards (the weight an opening fill was sized for). */
  target: number;
}

export interface PositionEvent extends Routed {
  readonly type: typeof EventType.POSITION;
  quantity: number;
  entryPrice: number;
}

export interface PortfolioEvent extends Identified {
  readonly type: typeof EventType.PORTFOLIO;
  portfolio: number;
  index: number;
  equity: number;
  cash: number;
}

export type RoutedEvent = SignalEvent | OrderEvent | FillEvent | PositionEvent | PortfolioEvent;
export type EngineEvent = BarEvent | FeaturesEvent | RoutedEvent;

export function barEvent(): BarEvent {
  return { type: EventType.BAR, id: 0, causation: 0, correlation: 0, index: -1, time: NaN };
}
export function featuresEvent(): FeaturesEvent {
  return { type: EventType.FEATURES, id: 0, causation: 0, correlation: 0, index: -1 };
}
export function signalEvent(): SignalEvent {
  return { type: EventType.SIGNAL, id: 0, causation: 0, correlation: 0, portfolio: -1, symbol: -1, index: -1, target: 0 };
}
export function orderEvent(): OrderEvent {
  return { type: EventType.ORDER, id: 0, causation: 0, correlation: 0, portfolio: -1, symbol: -1, index: -1, target: 0, reason: 'signal', price: NaN };
}
export function fillEvent(): FillEvent {
  return {
    type: EventType.FILL,
    id: 0,
    causation: 0,
    correlation: 0,
    portfolio: -1,
    symbol: -1,
    index: -1,
    time: NaN,
    quantity: 0,
    price: NaN,
    commission: 0,
    reason: 'signal',
    target: 0,
  };
}
export function positionEvent(): PositionEvent {
  return { type: EventType.POSITION, id: 0, causation: 0, correlation: 0, portfolio: -1, symbol: -1, index: -1, quantity: 0, entryPrice: NaN };
}
export function portfolioEvent(): PortfolioEvent {
  return { type: EventType.PORTFOLIO, id: 0, causation: 0, correlation: 0, portfolio: -1, index: -1, equity: NaN, cash: NaN };
}
