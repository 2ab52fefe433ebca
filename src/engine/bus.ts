import { EVENT_NAMES, EventType, type EngineEvent, type RoutedEvent } from './events.js';

type Handler<E> = (event: E) => void;
type EventOf<T extends EventType> = Extract<EngineEvent, { type: T }>;

interface Subscription {
  readonly owner: string;
  readonly handler: Handler<never>;
}

/**
 * Synchronous publish/subscribe. BAR and FEATURES go to every subscriber in subscription (= build)
 * order. Per-portfolio events go to the handlers registered for that portfolio, plus any
 * `observe`rs (the tracer, called first): one portfolio never sees another's signals, orders or fills.
 * `owner` names the container of the handler so a failure is reported against it.
 */
export class EventBus {
  private readonly broadcast: Subscription[][] = EVENT_NAMES.map(() => []);
  private readonly routed: Subscription[][][] = EVENT_NAMES.map(() => []);
  private readonly observers: Subscription[][] = EVENT_NAMES.map(() => []);
  /** The container whose handler runs now (for error reports and to attribute traced events). */
  current = '';
  /** Id of the last published event. */
  seq = 0;
  /**
   * Sees every event with the container that publishes it (the event tracer); null when tracing is
   * off, so an untraced run pays one comparison per event.
   */
  tracer: ((event: EngineEvent, publisher: string) => void) | null = null;

  subscribe<T extends EventType>(type: T, owner: string, handler: Handler<EventOf<T>>): void {
    this.broadcast[type].push({ owner, handler: handler });
  }

  subscribePortfolio<T extends RoutedEvent['type']>(type: T, portfolio: number, owner: string, handler: Handler<EventOf<T>>): void {
    const byPortfolio = this.routed[type];
    (byPortfolio[portfolio] ??= []).push({ owner, handler: handler });
  }

  /** Sees every event of a type, whichever portfolio it belongs to. */
  observe<T extends EventType>(type: T, owner: string, handler: Handler<EventOf<T>>): void {
    this.observers[type].push({ owner, handler: handler });
  }

  /** True when someone listens for this type: publishers skip filling events nobody reads. */
  hasListeners(type: EventType, portfolio = -1): boolean {
    return (
      this.tracer !== null ||
      this.broadcast[type].length > 0 ||
      this.observers[type].length > 0 ||
      (portfolio >= 0 && (this.routed[type][portfolio]?.length ?? 0) > 0)
    );
  }

  /** Assigns the event its id; a correlation of 0 means the event starts its own chain (it becomes its id). */
  publish(event: EngineEvent): void {
    event.id = ++this.seq;
    if (event.correlation === 0) event.correlation = event.id;
    const type = event.type;
    if (this.tracer !== null) this.tracer(event, this.current);
    // Observers first, so a trace lists an event before the events its handlers cause.
    const observers = this.observers[type];
    if (observers.length > 0) this.dispatch(observers, event);
    this.dispatch(this.broadcast[type], event);
    if (type >= EventType.SIGNAL) {
      const list = this.routed[type][(event as RoutedEvent).portfolio];
      if (list !== undefined) this.dispatch(list, event);
    }
  }

  private dispatch(list: Subscription[], event: EngineEvent): void {
    // A throwing handler leaves `current` on its owner; otherwise the publisher's owner is restored,
    // so an error raised by the publisher itself after the dispatch is blamed on the publisher.
    const publisher = this.current;
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      this.current = s.owner;
      (s.handler as Handler<EngineEvent>)(event);
    }
    this.current = publisher;
  }
}
