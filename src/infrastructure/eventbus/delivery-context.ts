import type { DomainEvent, EventEnvelope, PublishOptions } from '../../domain/event-envelope.js';
import type { HandlerContext } from '../../domain/handler-context.js';
import type { Logger } from '../../domain/logger.js';

/** How a context publishes follow-up events (bypasses the closed check while draining). */
export type ContextPublisher = (event: DomainEvent, options: PublishOptions) => Promise<EventEnvelope>;

/**
 * The `ctx` of one attempt. A class rather than an object literal so that the
 * hot path allocates one small object and no closures; the child logger is built
 * only when a handler asks for it.
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
    this.#logger ??= this.#baseLogger.child({
      eventId: this.envelope.id,
      type: this.envelope.type,
      correlationId: this.envelope.correlationId,
      handler: this.handler,
      attempt: this.attempt,
    });
    return this.#logger;
  }

  publish<P>(event: DomainEvent<P>, options?: Pick<PublishOptions, 'headers'>): Promise<EventEnvelope<P>> {
    return this.#publisher(event, {
      ...(options?.headers ? { headers: options.headers } : {}),
      correlationId: this.envelope.correlationId,
      causationId: this.envelope.id,
    }) as Promise<EventEnvelope<P>>;
  }
}
