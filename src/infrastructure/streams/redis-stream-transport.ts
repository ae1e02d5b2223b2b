import type { Redis } from 'ioredis';
import type { DeadLetterQueue } from '../../domain/dead-letters/dead-letter.js';
import type { EventEnvelope } from '../../domain/event-envelope.js';
import { isPattern, patternToRegExp } from '../../domain/event-type.js';
import type { Logger } from '../../domain/logger.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { redactUrl } from '../shared/logging.js';
import { refusalOf } from '../redis/redis-refusals.js';
import {
  type RedisTransportOptions,
  commandConnection,
  connection,
  quit,
  unneededPasswordReport,
  watchErrors,
  whenReady,
} from '../redis/redis-connections.js';
import { RedisDeadLetterQueue } from '../dead-letters/redis-dead-letter-queue.js';
import { markIfHandling } from '../dead-letters/key-ownership.js';
import { RedisReplayResponder } from '../dead-letters/replay/replay-responder.js';
import { InstanceHeartbeat, withHeartbeat } from '../presence/instance-heartbeat.js';
import { RedisPublisher, type SendCommand } from '../redis/redis-publisher.js';
import { type StartFrom, StreamGroups } from './stream-groups.js';
import { StreamLedger } from './stream-ledger.js';
import { StreamReader } from './stream-reader.js';
import { readBacklog } from './stream-backlog.js';
import { StreamReclaimer } from './stream-reclaimer.js';
import type { ReplayListener } from '../transport/replay-listener.js';
import type { MessageSink, Receipt, StreamBacklog, Transport, TransportContext, TransportState, WireMessage } from '../transport/transport.js';
import { settlesWithin } from '../shared/with-timeout.js';

/** Settings of the Redis Streams transport. */
export interface RedisStreamTransportOptions extends RedisTransportOptions {
  readonly group: string;
  readonly consumer: string;
  readonly claimIdleMs: number;
  readonly maxDeliveries: number;
  readonly startFrom: StartFrom;
  readonly maxStreamLength: number;
  /** True when neither `group` nor a service name was given, so the group is the catch-all `herald`. */
  readonly defaultGroup: boolean;
}

/** Field names of a stream entry: `type <event type> envelope <JSON>`. */
const TYPE_FIELD = 'type';
const ENVELOPE_FIELD = 'envelope';
const ACK_FLUSH_TIMEOUT_MS = 2_000;
// How often pattern subscriptions look for event types published for the first time.
const DISCOVER_EVERY_MS = 1_000;

/**
 * Durable mode over Redis Streams. Each event type has a stream
 * (`<prefix>:stream|<type>`, trimmed to about `maxStreamLength`); each service
 * reads the streams of the types it handles through its own consumer group, so
 * one instance of each service handles each event, and events published while
 * every instance was down wait in the stream. An entry is acknowledged once
 * every handler of this instance has succeeded or been dead-lettered; entries
 * of a crashed consumer are claimed by another after `claimIdleMs`
 * (at-least-once). Publishers record each type in a set, where pattern
 * subscriptions (`order.*`) discover the streams to read.
 */
export class RedisStreamTransport implements Transport {
  readonly kind = 'redis-streams' as const;
  readonly redelivers = true;
  readonly encoding = 'json' as const;
  readonly deadLetters: DeadLetterQueue;
  readonly replays: ReplayListener;
  readonly #options: RedisStreamTransportOptions;
  readonly #context: TransportContext;
  readonly #keys: RedisKeys;
  readonly #logger: Logger;
  readonly #command: Redis;
  readonly #readerConnection: Redis;
  readonly #publisher: RedisPublisher;
  readonly #groups: StreamGroups;
  readonly #ledger: StreamLedger;
  readonly #reader: StreamReader;
  readonly #reclaimer: StreamReclaimer;
  #sink: MessageSink | undefined;
  #connecting: Promise<void> | undefined;
  #syncing: Promise<void> = Promise.resolve();
  #streams: readonly string[] = [];
  // Subscription keys (types and patterns) whose streams were being read after the last sync.
  #confirmed: ReadonlySet<string> = new Set();
  #started = false;
  #stopped = false;
  // The published types seen at the last look (pattern subscriptions only), to tell new ones apart.
  #publishedTypes: ReadonlySet<string> | undefined;
  #discoverTimer: NodeJS.Timeout | undefined;

  constructor(options: RedisStreamTransportOptions, context: TransportContext) {
    this.#options = options;
    this.#context = context;
    const { logger, counters } = context;
    this.#logger = logger;
    const report = unneededPasswordReport(logger);
    this.#command = commandConnection(options, `herald:${context.prefix}:cmd`, report);
    this.#keys = RedisKeys.of(this.#command, context.prefix);
    this.#readerConnection = connection(options, { connectionName: `herald:${context.prefix}:streams:${options.group}` }, report);
    watchErrors(this.#command, 'command', logger);
    watchErrors(this.#readerConnection, 'stream reader', logger);
    this.#publisher = new RedisPublisher(this.#command, redactUrl(options.redisUrl), options.publishTimeoutMs, counters, this.#appendCommand(), options.batching);
    this.#groups = new StreamGroups(this.#command, options.group, logger);
    const handledKey = this.#keys.handledOf(options.group);
    this.#ledger = new StreamLedger(this.#command, options.group, handledKey, context.concurrency, logger);
    this.#reader = new StreamReader(
      this.#readerConnection,
      this.#command,
      this.#groups,
      options.consumer,
      this.#ledger,
      (stream, id, fields) => this.#deliver(stream, id, fields, undefined, undefined),
      counters,
      logger,
    );
    this.#reclaimer = new StreamReclaimer(
      this.#command,
      this.#groups,
      () => this.#streams,
      options.consumer,
      this.#ledger,
      (stream, id, fields, exhausted, handled) => this.#deliver(stream, id, fields, exhausted, handled),
      { claimIdleMs: options.claimIdleMs, maxDeliveries: options.maxDeliveries, handledKey },
      counters,
      logger,
    );
    this.deadLetters = new RedisDeadLetterQueue(this.#command, context.prefix, { signing: context.signing });
    // Replay requests are answered on a connection of their own, duplicated from the command connection.
    this.replays = withHeartbeat(new RedisReplayResponder(this.#command, this.#keys, context.verifier), new InstanceHeartbeat(this.#command, this.#keys));
  }

  connect(sink: MessageSink): Promise<void> {
    this.#connecting ??= Promise.all([whenReady(this.#command, this.#options), whenReady(this.#readerConnection, this.#options)]).then(
      () => {
        this.#sink = sink;
        if (this.#options.defaultGroup) {
          this.#logger.warn(
            { group: this.#options.group },
            'durable mode without `group` or `service` (HERALD_SERVICE): every such service on this prefix shares the group "herald" and they split each other\'s events; name the group after the service',
          );
        }
        return markIfHandling(this.#command, this.#keys, this.#context);
      },
      (error: unknown) => {
        this.#connecting = undefined;
        throw error;
      },
    );
    return this.#connecting;
  }

  refusal(error: unknown): Error | undefined {
    return refusalOf(error, redactUrl(this.#options.redisUrl));
  }

  send(envelope: EventEnvelope, message: WireMessage): Promise<EventEnvelope> {
    return this.#publisher.publish(this.#keys.streamOf(envelope.type), message as string, envelope);
  }

  /**
   * Makes the streams read match the handlers: creates the group where missing
   * and, on the first call (once start() has every handler registered), takes
   * back this consumer's own pending entries and starts reading. Reading any
   * earlier would acknowledge events of handlers about to be subscribed.
   */
  sync(): Promise<void> {
    const next = this.#syncing
      .catch(() => {})
      .then(() => this.#sync())
      .catch((error: unknown) => {
        // NOPERM on XGROUP and the like: a typed error that says which command to grant.
        throw refusalOf(error, redactUrl(this.#options.redisUrl)) ?? error;
      });
    this.#syncing = next;
    return next;
  }

  async stopReceiving(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#discoverTimer);
    await Promise.all([this.#reader.stop(), this.#reclaimer.stopClaiming()]);
  }

  async close(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#discoverTimer);
    this.#reclaimer.close();
    // Entries still held were abandoned at the deadline: they stay pending, for another consumer to claim.
    this.#ledger.release();
    // Acknowledgements wait out an outage like every command; past this they stay pending and are delivered again.
    await settlesWithin(this.#ledger.settled(), ACK_FLUSH_TIMEOUT_MS);
    this.#publisher.close();
    this.#readerConnection.disconnect();
    await quit(this.#command);
  }

  state(): TransportState {
    const publisher = this.#command.status;
    const subscriber = this.#readerConnection.status;
    let confirmed = 0;
    let pending = 0;
    for (const selector of this.#context.selectors()) {
      if (this.#confirmed.has(selector)) confirmed++;
      else pending++;
    }
    return { ready: publisher === 'ready' && subscriber === 'ready' && pending === 0, publisher, subscriber, confirmed, pending };
  }

  backlog(): Promise<readonly StreamBacklog[]> {
    return readBacklog(this.#command, this.#streams, this.#options.group, this.#keys.streamPrefix);
  }

  async #sync(): Promise<void> {
    if (this.#stopped) return;
    const selectors = [...this.#context.selectors()];
    const exact = selectors.filter((selector) => !isPattern(selector));
    const patterns = selectors.filter(isPattern).map(patternToRegExp);
    const discovered: string[] = [];
    const { startFrom } = this.#options;
    if (patterns.length > 0) {
      const published = (await this.#command.smembers(this.#keys.streamTypes)) as string[];
      const seenBefore = this.#publishedTypes;
      for (const type of published) {
        if (exact.includes(type) || !patterns.some((pattern) => pattern.test(type))) continue;
        discovered.push(type);
        // A type that appeared since the last look was first published while this group listened for the pattern: read all of it.
        const from = seenBefore !== undefined && !seenBefore.has(type) ? 'earliest' : startFrom;
        await this.#groups.ensure(this.#keys.streamOf(type), from);
      }
      this.#publishedTypes = new Set(published);
    }
    for (const type of exact) await this.#groups.ensure(this.#keys.streamOf(type), startFrom);
    const streams = [...exact, ...discovered].map((type) => this.#keys.streamOf(type)).sort();
    this.#streams = streams;
    if (!this.#started) {
      this.#started = true;
      await this.#reclaimer.start();
      this.#discoverTimer = setInterval(() => this.#discover(), DISCOVER_EVERY_MS).unref();
    }
    this.#reader.read(streams);
    this.#confirmed = new Set(selectors);
  }

  /** Looks for new streams of pattern subscriptions, and retries a sync that failed (Redis was away). */
  #discover(): void {
    for (const selector of this.#context.selectors()) {
      if (isPattern(selector) || !this.#confirmed.has(selector)) {
        void this.sync().catch((error: unknown) => this.#logger.debug({ err: error }, 'updating the streams read failed; retrying'));
        return;
      }
    }
  }

  #deliver(
    stream: string,
    id: string,
    fields: readonly string[],
    exhausted: Receipt['exhausted'],
    handled: readonly string[] | undefined,
  ): void {
    const text =
      fields.length === 4 && fields[0] === TYPE_FIELD && fields[2] === ENVELOPE_FIELD
        ? fields[3]!
        : // Written by another producer: without an envelope field the intake dead-letters it as undecodable, keeping what it held.
          (fieldValue(fields, ENVELOPE_FIELD) ?? JSON.stringify(fields));
    this.#sink!(text, stream, undefined, this.#ledger.take(stream, id, exhausted, handled, exhausted && text));
  }

  /**
   * XADD with approximate trimming (`MAXLEN ~` lets Redis trim whole nodes,
   * which is cheap), recording each type in the set pattern subscribers read
   * the first time this process publishes it (again after a reconnect, in case
   * Redis restarted empty).
   */
  #appendCommand(): SendCommand {
    const recorded = new Set<string>();
    const typesKey = this.#keys.streamTypes;
    const maxLength = this.#options.maxStreamLength;
    this.#command.on('ready', () => recorded.clear());
    return (redis, stream, raw, type) => {
      if (!recorded.has(type)) {
        recorded.add(type);
        redis.sadd(typesKey, type).catch(() => recorded.delete(type));
      }
      return redis.call('XADD', stream, 'MAXLEN', '~', maxLength, '*', TYPE_FIELD, type, ENVELOPE_FIELD, raw) as Promise<string>;
    };
  }
}

function fieldValue(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
