import type { DeadLetterQueue } from '../../domain/dead-letters/dead-letter.js';
import type { EventEnvelope } from '../../domain/event-envelope.js';
import type { Logger } from '../../domain/logger.js';
import type { BusCounters } from './bus-counters.js';
import type { ReplayListener } from './replay-listener.js';
import type { SignatureVerifier } from '../signing/signature-verifier.js';
import type { SigningOptions } from '../signing/signing-options.js';

/**
 * What a transport carries: the envelope's JSON text, or an envelope object
 * (in memory: a frozen copy, or the publisher's own with `serialize: false`).
 */
export type WireMessage = string | EventEnvelope;

/**
 * How the bus hands a transport its envelopes: as JSON text (Redis); as a
 * deeply frozen copy equal to what the JSON round trip gives (in memory, the
 * default); or as the publisher's object itself (in memory, `serialize: false`).
 */
export type TransportEncoding = 'json' | 'frozen-copy' | 'none';

/**
 * How a transport that redelivers (Redis Streams) learns when a message is
 * done. The dispatcher says how many deliveries (handlers) it made of the
 * message, then settles each once it succeeded or was dead-lettered (`true`),
 * or when it must be delivered again (`false`: abandoned at the shutdown
 * deadline, or its dead letter could not be written). Once all are settled the
 * transport acknowledges the message, or leaves it for redelivery.
 */
export interface Receipt {
  /** Set when the message was delivered too often: dead-letter it instead of running handlers. */
  readonly exhausted: { readonly deliveries: number; readonly limit: number } | undefined;
  /** Handlers that succeeded on an earlier delivery of this message: they do not run again. */
  readonly handled: readonly string[] | undefined;
  /** How many deliveries were made, and of which handlers (absent for a message no handler saw). */
  expect(deliveries: number, handlers?: readonly { readonly name: string }[]): void;
  settle(done: boolean, handler?: string): void;
  /**
   * Told when the message turned out to be a batch frame of `count` events, so that a
   * transport bounding what it holds (Streams) counts them, not the one message.
   */
  holdsEvents?(count: number): void;
}

/**
 * Receives a message: its text (or envelope), the channel (or type) it came on,
 * and the selector (type or pattern) Redis matched it by — undefined when the transport
 * matches nothing itself and the bus must find every handler of the event's type.
 * Transports that redeliver pass a {@link Receipt}.
 */
export type MessageSink = (message: WireMessage, channel: string, selector: string | undefined, receipt?: Receipt) => void;

/** What a bus shares with its transport. */
export interface TransportContext {
  /** Validated key and channel prefix. */
  readonly prefix: string;
  readonly counters: BusCounters;
  readonly logger: Logger;
  /** Types and patterns the bus has handlers for. */
  readonly selectors: () => ReadonlySet<string>;
  /** True when the bus has a handler for the type (exact or by pattern). */
  readonly handles: (type: string) => boolean;
  /** Deliveries the bus runs at once; transports that pull (Streams) hold about this many messages. */
  readonly concurrency: number;
  /** The bus's `signing`, validated: the dead-letter queue signs its replay requests with it. */
  readonly signing: SigningOptions | undefined;
  /** Checks replay requests and replayed dead letters when the bus has `verification`. */
  readonly verifier: SignatureVerifier | undefined;
}

/** Connection and subscription state, for `health()`. */
export interface TransportState {
  readonly ready: boolean;
  readonly publisher: string;
  readonly subscriber: string;
  readonly confirmed: number;
  readonly pending: number;
}

/** Durable mode: how far a consumer group is behind on one stream. */
export interface StreamBacklog {
  /** The event type the stream carries. */
  readonly type: string;
  readonly group: string;
  /** Entries delivered to the group and not acknowledged yet. */
  readonly pending: number;
  /** Entries not yet delivered to the group; undefined when Redis cannot tell (after XDEL or trimming). */
  readonly lag: number | undefined;
}

/** How a bus moves envelopes; the bus owns everything else. Internal. */
export interface Transport {
  readonly kind: 'redis' | 'redis-streams' | 'memory';
  /**
   * True when unfinished messages are delivered again (Redis Streams): at the
   * shutdown deadline they are left unacknowledged rather than dead-lettered.
   */
  readonly redelivers: boolean;
  readonly deadLetters: DeadLetterQueue;
  /** Answers replays of `deadLetters` through this bus; undefined when the queue cannot replay (a custom queue). */
  readonly replays: ReplayListener | undefined;
  /** How the bus hands it envelopes; received ones are frozen unless this is `none`. */
  readonly encoding: TransportEncoding;
  /**
   * The typed error (RedisAuthError, RedisDatabaseError) for a refusal of the
   * transport's server found in `error`, if it is one; for failures of work the
   * bus does over the transport's connections (the replay listener).
   */
  refusal?(error: unknown): Error | undefined;
  /** Connects and starts handing messages to `sink`. Idempotent. */
  connect(sink: MessageSink): Promise<void>;
  /**
   * Publishes; resolves to the envelope once accepted, having counted it in
   * `published` (and `publishedToNoSubscriber` when nobody received it).
   */
  send(envelope: EventEnvelope, message: WireMessage): Promise<EventEnvelope>;
  /** Makes the subscriptions match `context.selectors()`; resolves once confirmed, rejects if that takes too long. */
  sync(): Promise<void>;
  /** Stops taking messages (first step of shutdown). */
  stopReceiving(): Promise<void>;
  /** Releases connections; publishing stops working. */
  close(): Promise<void>;
  state(): TransportState;
  /** Durable mode: the consumer group's backlog on each stream read (for metrics; one round trip). */
  backlog?(): Promise<readonly StreamBacklog[]>;
}
