import type { EventDefinition, EventOf } from './event-definition.js';
import type { DomainEvent, EventEnvelope, PublishOptions } from './event-envelope.js';
import type { EventHandlerFn } from './handler-context.js';
import type { SubscribeOptions } from './retry-options.js';

/** Removes a subscription. Calling it twice is harmless. */
export type Unsubscribe = () => void;

/** Counters since the bus was created. */
export interface BusStats {
  /** Events Redis accepted from this instance (or the in-memory bus queued). */
  readonly published: number;
  /** Published events that reached no subscriber (Pub/Sub delivers them to no one). */
  readonly publishedToNoSubscriber: number;
  /** Messages taken off the wire (or the in-memory queue). */
  readonly received: number;
  /** Received events with no handler registered for their type. */
  readonly unhandled: number;
  /** Handler deliveries that succeeded. */
  readonly handled: number;
  /** Failed attempts that were retried. */
  readonly retried: number;
  /** Entries written to the dead-letter queue by this instance. */
  readonly deadLettered: number;
  /** Dead letters that could not be written (Redis unreachable); each is logged with the full entry. */
  readonly deadLetterWriteFailures: number;
  /** Deliveries running or waiting to retry. */
  readonly inFlight: number;
  /** Deliveries received but waiting for a free concurrency slot. */
  readonly buffered: number;
  /** Times the subscriber connection was re-established. */
  readonly reconnects: number;
  /** Durable mode: pending events this instance claimed from crashed or stalled consumers (its own earlier runs included). */
  readonly reclaimed: number;
  /** Durable mode: pending events found trimmed from the stream (by `maxStreamLength`) before they were handled; each is logged. */
  readonly trimmedUnhandled: number;
}

/** State for readiness probes. */
export interface BusHealth {
  /** `ready` when connected with every subscription confirmed. */
  readonly status: 'starting' | 'ready' | 'degraded' | 'closing' | 'closed';
  /** `redis` (Pub/Sub), `redis-streams` (durable) or `memory`. */
  readonly transport: 'redis' | 'redis-streams' | 'memory';
  /** Connection states, e.g. `ready`, `reconnecting` (Redis only). */
  readonly connections: { readonly publisher: string; readonly subscriber: string };
  /** Subscriptions Redis has confirmed, and those still waiting. */
  readonly subscriptions: { readonly confirmed: number; readonly pending: number };
  /** Entries in the dead-letter queue, or undefined if it could not be read. */
  readonly deadLetters: number | undefined;
  readonly inFlight: number;
}

/** Options of `shutdown()`. */
export interface ShutdownOptions {
  /**
   * How long to let in-flight work (running handlers, waiting retries, buffered
   * events) finish before aborting it through `ctx.signal` and dead-lettering it.
   * @default 10_000
   */
  readonly timeoutMs?: number;
}

/**
 * Publishes domain events and runs the handlers subscribed to them.
 *
 * @example
 * const bus = createEventBus({ redisUrl: process.env.REDIS_URL, prefix: 'shop' });
 * bus.subscribe(UserRegistered, async (event, ctx) => { ... }, { name: 'send-welcome-email' });
 * await bus.start();
 * await bus.publish(UserRegistered.create({ userId: 'u1', email: 'a@b.c' }));
 * await bus.shutdown({ timeoutMs: 10_000 });
 */
export interface EventBus {
  /**
   * Wraps the event in an envelope and publishes it. Resolves to the envelope
   * once Redis accepted it (the in-memory bus: once it is queued).
   *
   * @throws BusClosedError once shutdown() has been called.
   * @throws InvalidPayloadError when the event's definition has a schema and the payload fails it (nothing is sent).
   * @throws PayloadTooLargeError when the envelope exceeds maxEnvelopeBytes.
   * @throws PublishTimeoutError when Redis did not accept it within publishTimeoutMs.
   * @throws PublishFailedError when the connection dropped mid-publish.
   */
  publish<P, T extends string>(event: DomainEvent<P, T>, options?: PublishOptions): Promise<EventEnvelope<P, T>>;

  /**
   * Runs `handler` for every event of a type, or of every type matching a
   * pattern (`*` matches any run of characters, dots included: `order.*`).
   * Subscriptions made before start() are active when it resolves; later ones
   * once Redis confirms them (call start() again to wait for that).
   *
   * @throws DuplicateHandlerError when the bus already has a handler of that name.
   * @throws TypeError when the type, pattern or an option is invalid.
   */
  subscribe<D extends EventDefinition<any, string>>(
    definition: D,
    handler: EventHandlerFn<EventOf<D>>,
    options?: SubscribeOptions,
  ): Unsubscribe;
  subscribe(typeOrPattern: string, handler: EventHandlerFn, options?: SubscribeOptions): Unsubscribe;

  /** Connects and subscribes; resolves once every subscription is confirmed. */
  start(): Promise<void>;

  /**
   * Stops receiving, drains in-flight work until `timeoutMs`, aborts and
   * dead-letters what is left, then closes connections. Idempotent.
   */
  shutdown(options?: ShutdownOptions): Promise<void>;

  /** Connection, subscription and dead-letter state for readiness probes. */
  health(): Promise<BusHealth>;

  /** Counters since the bus was created. */
  stats(): BusStats;
}
