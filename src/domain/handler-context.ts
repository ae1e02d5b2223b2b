import type { DomainEvent, EventEnvelope, PublishOptions } from './event-envelope.js';
import type { Logger } from './logger.js';

/** What a handler receives besides the event. */
export interface HandlerContext {
  /** The envelope being handled (the same object as the handler's first argument). */
  readonly envelope: EventEnvelope;
  /** This handler's name. */
  readonly handler: string;
  /** 1 on the first attempt, 2 on the first retry, and so on. */
  readonly attempt: number;
  /**
   * Aborts when this attempt must stop: its `timeoutMs` elapsed, or shutdown ran
   * out of time. Pass it to fetch, database drivers and timers.
   */
  readonly signal: AbortSignal;
  /** A logger bound to eventId, type, correlationId, handler and attempt. */
  readonly logger: Logger;
  /**
   * Publishes a follow-up event that inherits this event's correlationId and has
   * this event's id as causationId. Works while the bus drains on shutdown.
   */
  publish<P>(event: DomainEvent<P>, options?: Pick<PublishOptions, 'headers'>): Promise<EventEnvelope<P>>;
}

/** A function that handles one event. Throw (or reject) to fail the attempt. */
export type EventHandlerFn<E extends EventEnvelope = EventEnvelope> = (
  event: E,
  ctx: HandlerContext,
) => unknown;
