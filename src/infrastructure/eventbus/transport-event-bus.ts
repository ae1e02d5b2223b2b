import type { DeadLetterQueue } from '../../domain/dead-letters/dead-letter.js';
import { BusClosedError } from '../../domain/errors/bus-closed-error.js';
import type { BusHealth, BusStats, EventBus, ShutdownOptions, Unsubscribe } from '../../domain/event-bus.js';
import type { EventDefinition } from '../../domain/event-definition.js';
import type { DomainEvent, EventEnvelope, PublishOptions } from '../../domain/event-envelope.js';
import { ContractRegistry } from '../../domain/contracts/contract-registry.js';
import { preparePublish } from '../../domain/contracts/publish-preparation.js';
import { assertEventType, assertTypePattern } from '../../domain/event-type.js';
import type { EventHandlerFn } from '../../domain/handler-context.js';
import type { Logger } from '../../domain/logger.js';
import type { SubscribeOptions } from '../../domain/retry-options.js';
import { BusCounters } from '../transport/bus-counters.js';
import { type BusOptions, type ResolvedBusOptions, resolveBusOptions } from './bus-options.js';
import { milliseconds } from '../shared/options.js';
import { Dispatcher } from '../dispatch/dispatcher.js';
import { MessageIntake } from '../dispatch/message-intake.js';
import { resolveLogger } from '../shared/logging.js';
import { resolveRetryPolicy } from '../dispatch/retry-policy.js';
import type { Subscription } from '../dispatch/subscription.js';
import { SubscriptionRegistry } from '../dispatch/subscription-registry.js';
import type { ReplayHost } from '../transport/replay-listener.js';
import type { Transport, TransportContext, TransportEncoding, WireMessage } from '../transport/transport.js';
import { IsoClock } from '../shared/iso-clock.js';
import { randomUuid } from '../shared/random-uuid.js';
import { validatePublishOptions, withHeaders } from './publish-options.js';
import { withTimeout } from '../shared/with-timeout.js';
import { type BusObserver, createBusObserver } from '../observability/create-bus-observer.js';
import { wireMessageOf } from './envelope-encoding.js';
import { freezeDeep } from '../../domain/envelope-copy.js';

// Dead-letter writes and closing connections get this long after the drain deadline.
const SHUTDOWN_GRACE_MS = 2_000;
const HEALTH_QUERY_TIMEOUT_MS = 1_000;

type MutableEnvelope = { -readonly [K in keyof EventEnvelope]: EventEnvelope[K] };

/**
 * The event bus over any transport: envelopes, subscriptions, dispatch,
 * lifecycle and counters live here once; {@link RedisEventBus} and
 * {@link InMemoryEventBus} only choose the transport.
 */
export class TransportEventBus implements EventBus {
  readonly #options: ResolvedBusOptions;
  readonly #logger: Logger;
  readonly #counters = new BusCounters();
  readonly #registry = new SubscriptionRegistry();
  readonly #contracts = new ContractRegistry();
  readonly #clock = new IsoClock();
  readonly #transport: Transport;
  readonly #encoding: TransportEncoding;
  readonly #dispatcher: Dispatcher;
  readonly #intake: MessageIntake;
  readonly #replayHost: ReplayHost;
  readonly #observer: BusObserver | undefined;
  #connecting: Promise<void> | undefined;
  #started = false;
  #shutdown: Promise<void> | undefined;
  #closed = false;

  constructor(options: BusOptions, createTransport: (context: TransportContext) => Transport) {
    this.#options = resolveBusOptions(options);
    this.#logger = resolveLogger(this.#options.logger);
    this.#transport = createTransport({
      prefix: this.#options.prefix,
      counters: this.#counters,
      logger: this.#logger,
      selectors: () => this.#registry.selectors(),
      handles: (type) => this.#registry.matching(type).length > 0,
      concurrency: this.#options.concurrency,
      signing: options.signing,
      verifier: this.#options.signing.verifier,
    });
    this.#observer = createBusObserver(options, this.#transport, this.#options.prefix, () => this.stats());
    this.#dispatcher = new Dispatcher({
      concurrency: this.#options.concurrency,
      maxBufferedDeliveries: this.#options.maxBufferedDeliveries,
      deadLetters: this.#transport.deadLetters,
      counters: this.#counters,
      logger: this.#logger,
      instance: this.#options.source,
      publish: (event, publishOptions) => this.#publish(event, publishOptions),
      atDeadline: this.#transport.redelivers ? 'redeliver' : 'dead-letter',
      observer: this.#observer,
    });
    const { maxEnvelopeBytes, maxBatchBytes, signing } = this.#options;
    // Signatures are over JSON text: a signing or verifying in-memory bus sends text, not frozen copies.
    this.#encoding = this.#transport.encoding === 'frozen-copy' && (signing.signer || signing.verifier) ? 'json' : this.#transport.encoding;
    this.#intake = new MessageIntake(this.#registry, this.#contracts, this.#dispatcher, this.#counters, this.#logger, maxEnvelopeBytes, maxBatchBytes, signing.verifier, this.#encoding !== 'none');
    this.#replayHost = {
      instance: this.#options.source,
      logger: this.#logger,
      has: (handler) => !this.#shutdown && this.#registry.byName(handler) !== undefined,
      handles: () => !this.#shutdown && this.#registry.names().length > 0,
      stats: () => this.stats(),
      health: () => this.health(),
      run: async (handler, envelope, settle) => {
        const subscription = this.#registry.byName(handler);
        if (this.#shutdown) throw new BusClosedError();
        if (!subscription) throw new Error(`Handler "${handler}" was unsubscribed before its replay ran.`);
        // A stored event goes through the contract as a received one does: upcast to the current
        // version and checked; one that fails it counts as a failed replay and its entry stays.
        const received = await this.#contracts.prepare(envelope);
        if (!received.ok) return settle(received.error);
        // Frozen as a received event is: the handler sees what it saw the first time, no more.
        const replayed = this.#encoding === 'none' ? received.envelope : freezeDeep(received.envelope);
        await this.#dispatcher.runOnce(replayed, subscription, settle);
      },
    };
  }

  /** The dead-letter queue this bus writes to. */
  get deadLetters(): DeadLetterQueue {
    return this.#transport.deadLetters;
  }

  /** The key and channel prefix. */
  get prefix(): string {
    return this.#options.prefix;
  }

  publish<P, T extends string>(event: DomainEvent<P, T>, options?: PublishOptions): Promise<EventEnvelope<P, T>> {
    if (this.#shutdown) return Promise.reject(new BusClosedError(event?.type));
    return this.#publish(event, options) as Promise<EventEnvelope<P, T>>;
  }

  subscribe<D extends EventDefinition<any, string>>(definition: D, handler: EventHandlerFn<any>, options?: SubscribeOptions): Unsubscribe;
  subscribe(typeOrPattern: string, handler: EventHandlerFn, options?: SubscribeOptions): Unsubscribe;
  subscribe(target: string | EventDefinition<unknown>, handler: EventHandlerFn<any>, options?: SubscribeOptions): Unsubscribe {
    if (this.#shutdown) throw new BusClosedError();
    const selector = typeof target === 'string' ? target : target?.type;
    assertTypePattern(selector, 'subscribe(typeOrPattern)');
    if (typeof handler !== 'function') {
      throw new TypeError(`Expected the handler of "${selector}" to be a function, got ${typeof handler}.`);
    }
    const name = options?.name ?? handler.name;
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError(
        `The handler of "${selector}" needs a name: subscribe("${selector}", handler, { name: "send-welcome-email" }). Names identify dead letters, replays and metrics.`,
      );
    }
    const subscription: Subscription = {
      name,
      selector,
      handler: this.#observer ? this.#observer.observeHandler(name, handler as EventHandlerFn) : (handler as EventHandlerFn),
      policy: resolveRetryPolicy(this.#options.retry, options, `options of handler "${name}"`),
    };
    const release = typeof target === 'string' ? undefined : this.#contracts.register(target);
    try {
      this.#registry.add(subscription);
    } catch (error) {
      release?.();
      throw error;
    }
    if (this.#started) void this.#transport.sync().catch((error: unknown) => this.#syncFailed(error));
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.#registry.remove(subscription);
      release?.();
      if (this.#started && !this.#shutdown) void this.#transport.sync().catch((error: unknown) => this.#syncFailed(error));
    };
  }

  async start(): Promise<void> {
    if (this.#shutdown) throw new BusClosedError();
    this.#connecting ??= this.#transport.connect(this.#intake.take).catch((error: unknown) => {
      this.#connecting = undefined;
      throw error;
    });
    await this.#connecting;
    this.#started = true;
    await this.#transport.sync();
    await this.#transport.replays?.listen(this.#replayHost).catch((error: unknown) => {
      throw this.#transport.refusal?.(error) ?? error;
    });
  }

  shutdown(options?: ShutdownOptions): Promise<void> {
    let timeoutMs: number;
    try {
      timeoutMs = milliseconds(options?.timeoutMs, this.#options.shutdownTimeoutMs, 'timeoutMs', 0);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#shutdown ??= this.#close(timeoutMs);
    return this.#shutdown;
  }

  async health(): Promise<BusHealth> {
    const state = this.#transport.state();
    const status = this.#closed
      ? 'closed'
      : this.#shutdown
        ? 'closing'
        : !this.#started
          ? 'starting'
          : state.ready
            ? 'ready'
            : 'degraded';
    return {
      status,
      transport: this.#transport.kind,
      connections: { publisher: state.publisher, subscriber: state.subscriber },
      subscriptions: { confirmed: state.confirmed, pending: state.pending },
      // A count queued behind a dead connection would only delay the probe; report it unknown instead.
      deadLetters: this.#closed || state.publisher !== 'ready' ? undefined : await this.#deadLetterCount(),
      inFlight: this.#dispatcher.inFlight,
    };
  }

  stats(): BusStats {
    return this.#counters.snapshot(this.#dispatcher.inFlight, this.#dispatcher.buffered);
  }

  #publish(event: DomainEvent, options: PublishOptions | undefined): Promise<EventEnvelope> {
    if ((event as DomainEvent | undefined)?.contract === undefined) return this.#send(event, options);
    // The definition's schema checks the payload before anything is sent, and its version goes in the headers.
    let headers: ReturnType<typeof preparePublish>;
    try {
      headers = preparePublish(event, options?.headers);
    } catch (error) {
      return Promise.reject(error);
    }
    if (headers instanceof Promise) return headers.then((prepared) => this.#send(event, withHeaders(options, prepared)));
    return this.#send(event, withHeaders(options, headers));
  }

  #send(event: DomainEvent, options: PublishOptions | undefined): Promise<EventEnvelope> {
    let envelope: MutableEnvelope;
    try {
      envelope = this.#envelope(event, options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#observer ? this.#observer.publish(envelope, this.#transmit) : this.#transmit(envelope);
  }

  /** Encodes and sends a built envelope (after an observer added its trace headers). */
  readonly #transmit = (envelope: EventEnvelope): Promise<EventEnvelope> => {
    let message: WireMessage;
    try {
      message = wireMessageOf(envelope, this.#encoding, this.#options.maxEnvelopeBytes, this.#options.signing.signer);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#transport.send(envelope, message);
  };

  #envelope(event: DomainEvent, options: PublishOptions | undefined): MutableEnvelope {
    if (typeof event !== 'object' || event === null) {
      throw new TypeError('Expected publish(event) to get an event made by a definition, e.g. UserRegistered.create({...}).');
    }
    assertEventType(event.type, 'the event type');
    if (event.payload === undefined) throw new TypeError(`Event "${event.type}" has no payload; pass an object (or null).`);
    const headers = options === undefined ? undefined : validatePublishOptions(options);
    const envelope: MutableEnvelope = {
      id: randomUuid(),
      type: event.type,
      timestamp: this.#clock.now(),
      correlationId: options?.correlationId ?? randomUuid(),
      source: this.#options.source,
      payload: event.payload,
    };
    if (options?.causationId !== undefined) envelope.causationId = options.causationId;
    if (headers !== undefined) envelope.headers = headers;
    return envelope;
  }

  async #close(timeoutMs: number): Promise<void> {
    const errors: unknown[] = [];
    const step = async (name: string, run: () => Promise<void>) => {
      try {
        await run();
      } catch (error) {
        errors.push(error);
        this.#logger.error({ err: error, step: name }, 'shutdown step failed; continuing with the next');
      }
    };
    this.#logger.info({ timeoutMs, inFlight: this.#dispatcher.inFlight, buffered: this.#dispatcher.buffered }, 'shutting down');
    await step('stop answering replays', async () => this.#transport.replays?.stop());
    await step('stop receiving', () => this.#transport.stopReceiving());
    await step('drain', () => this.#dispatcher.drain(timeoutMs, SHUTDOWN_GRACE_MS));
    await step('close connections', () => this.#transport.close());
    this.#closed = true;
    this.#observer?.close();
    this.#logger.info(this.stats(), 'shut down');
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'Several shutdown steps failed; see errors.');
  }

  /** A subscription change made after start() could not be applied yet; the transport retries on its own. */
  #syncFailed(error: unknown): void {
    this.#logger.warn({ err: error }, 'could not apply a subscription change yet; health() shows it pending until it is');
  }

  async #deadLetterCount(): Promise<number | undefined> {
    return withTimeout(this.#transport.deadLetters.count().catch(() => undefined), HEALTH_QUERY_TIMEOUT_MS, () => undefined);
  }
}
