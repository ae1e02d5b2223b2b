import type { DomainEvent, EventEnvelope, PublishOptions } from '../../domain/event-envelope.js';
import type { HandlerContext } from '../../domain/handler-context.js';
import type { Logger } from '../../domain/logger.js';
import { childLogger, followUp } from './delivery.js';

/** How a context publishes follow-up events (bypasses the closed check while draining). */
export type ContextPublisher = (event: DomainEvent, options: PublishOptions) => Promise<EventEnvelope>;

/**
 * The `ctx` of one attempt that has a signal of its own (subscriptions with a
 * per-attempt timeout); other attempts use the Delivery itself as `ctx`.
 */
export class DeliveryContext implements HandlerContext {
  #logger: Logger | undefined;
  readonly #baseLogger: Logger;
  readonly #publisher: ContextPublisher;

  constructor(
    readonly envelope: EventEnvelope,
    readonly handler: string,
    readonly attempt: number,
    readonly signal: AbortSignal,
    baseLogger: Logger,
    publisher: ContextPublisher,
  ) {
    this.#baseLogger = baseLogger;
    this.#publisher = publisher;
  }

  get logger(): Logger {
    this.#logger ??= childLogger(this.#baseLogger, this.envelope, this.handler, this.attempt);
    return this.#logger;
  }

  publish<P>(event: DomainEvent<P>, options?: Pick<PublishOptions, 'headers'>): Promise<EventEnvelope<P>> {
    return followUp(this.#publisher, this.envelope, event, options) as Promise<EventEnvelope<P>>;
  }
}
