import type { DeadLetterQueue } from '../domain/dead-letters/dead-letter.js';
import type { BusHealth, BusStats, EventBus, ShutdownOptions, Unsubscribe } from '../domain/event-bus.js';
import type { EventDefinition, EventOf } from '../domain/event-definition.js';
import type { DomainEvent, EventEnvelope, PublishOptions } from '../domain/event-envelope.js';
import type { EventHandlerFn } from '../domain/handler-context.js';
import type { Logger } from '../domain/logger.js';
import type { SubscribeOptions } from '../domain/retry-options.js';
import type { EventHandlerClass, EventHandlerInstance } from './event-handler.decorator.js';
import { describeHandler, subscribeDescribed } from './handler-discovery.js';

/** What {@link ContainerEventBus} wraps: any bus that exposes its dead-letter queue. */
export type InnerEventBus = EventBus & { readonly deadLetters: DeadLetterQueue };

/**
 * The bus that `eventBusModule` binds: a plain bus plus the container's handler
 * classes, which it resolves and subscribes on the first `start()`. Resolving
 * late (not when the bus is built) lets handlers depend on services that have
 * the bus injected, and makes a missing binding fail `start()`, not the first event.
 */
export class ContainerEventBus implements EventBus {
  readonly #bus: InnerEventBus;
  readonly #handlers: readonly EventHandlerClass[];
  readonly #resolve: (handler: EventHandlerClass) => EventHandlerInstance;
  readonly #logger: Logger;
  #subscribed = false;

  constructor(
    bus: InnerEventBus,
    handlers: readonly EventHandlerClass[],
    resolve: (handler: EventHandlerClass) => EventHandlerInstance,
    logger: Logger,
  ) {
    this.#bus = bus;
    this.#handlers = handlers;
    this.#resolve = resolve;
    this.#logger = logger;
  }

  /** The dead-letter queue the bus writes to. */
  get deadLetters(): DeadLetterQueue {
    return this.#bus.deadLetters;
  }

  publish<P, T extends string>(event: DomainEvent<P, T>, options?: PublishOptions): Promise<EventEnvelope<P, T>> {
    return this.#bus.publish(event, options);
  }

  subscribe<D extends EventDefinition<any, string>>(definition: D, handler: EventHandlerFn<EventOf<D>>, options?: SubscribeOptions): Unsubscribe;
  subscribe(typeOrPattern: string, handler: EventHandlerFn, options?: SubscribeOptions): Unsubscribe;
  subscribe(target: string | EventDefinition<any, string>, handler: EventHandlerFn<any>, options?: SubscribeOptions): Unsubscribe {
    return this.#bus.subscribe(target as string, handler, options);
  }

  /**
   * Subscribes the container's handlers (once), then starts the bus.
   *
   * @throws DuplicateHandlerError when two handlers share a name; none of the
   *   container's handlers stays subscribed then.
   */
  async start(): Promise<void> {
    if (!this.#subscribed) {
      this.#subscribeHandlers();
      this.#subscribed = true;
    }
    await this.#bus.start();
  }

  shutdown(options?: ShutdownOptions): Promise<void> {
    return this.#bus.shutdown(options);
  }

  health(): Promise<BusHealth> {
    return this.#bus.health();
  }

  stats(): BusStats {
    return this.#bus.stats();
  }

  #subscribeHandlers(): void {
    const unsubscribes: Unsubscribe[] = [];
    try {
      for (const handler of this.#handlers) {
        unsubscribes.push(subscribeDescribed(this.#bus, describeHandler(handler), this.#resolve(handler)));
      }
    } catch (error) {
      // All or nothing, so a corrected retry of start() does not trip over half a registration.
      for (const unsubscribe of unsubscribes) unsubscribe();
      throw error;
    }
    this.#logger.debug(
      { handlers: this.#handlers.map((handler) => describeHandler(handler).options.name) },
      'subscribed the handlers of the container',
    );
  }
}
