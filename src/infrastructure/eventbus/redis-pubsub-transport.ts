import { Redis, type RedisOptions } from 'ioredis';
import type { DeadLetterQueue } from '../../domain/dead-letter.js';
import type { EventEnvelope } from '../../domain/event-envelope.js';
import { RedisConnectionError } from '../../domain/errors/redis-connection-error.js';
import { Channels } from './channels.js';
import { redactUrl } from './logging.js';
import { RedisDeadLetterQueue } from './redis-dead-letter-queue.js';
import { RedisPublisher } from './redis-publisher.js';
import { RedisSubscriber } from './redis-subscriber.js';
import type { MessageSink, Transport, TransportContext, TransportState, WireMessage } from './transport.js';

/** Settings of the Redis Pub/Sub transport. */
export interface RedisTransportOptions {
  readonly redisUrl: string;
  readonly publishTimeoutMs: number;
  readonly connectTimeoutMs: number;
  /** Extra ioredis options (TLS, username, ...); Herald's own settings win where they overlap. */
  readonly redisOptions?: RedisOptions;
}

const CLOSE_TIMEOUT_MS = 2_000;

/**
 * Redis Pub/Sub: one channel per event type under the prefix, PSUBSCRIBE for
 * patterns, a command connection (PUBLISH and dead letters) and a separate
 * subscriber connection, both reconnecting on their own.
 */
export class RedisPubSubTransport implements Transport {
  readonly kind = 'redis' as const;
  readonly serializes = true;
  readonly deadLetters: DeadLetterQueue;
  readonly #options: RedisTransportOptions;
  readonly #context: TransportContext;
  readonly #channels: Channels;
  readonly #command: Redis;
  readonly #subscriberConnection: Redis;
  readonly #publisher: RedisPublisher;
  readonly #subscriber: RedisSubscriber;
  #connecting: Promise<void> | undefined;

  constructor(options: RedisTransportOptions, context: TransportContext) {
    this.#options = options;
    this.#context = context;
    this.#channels = new Channels(context.prefix);
    const common: RedisOptions = {
      ...options.redisOptions,
      lazyConnect: true,
      // Commands other than PUBLISH (dead-letter writes) wait for the reconnect instead of failing after 20 tries.
      maxRetriesPerRequest: null,
      retryStrategy: (times) => Math.min(times * 50, 2_000),
    };
    this.#command = new Redis(options.redisUrl, {
      ...common,
      // Commands on the wire when the connection drops are re-sent after the reconnect. ioredis 5
      // with this off drops them without settling their promises, which would hang a dead-letter
      // write forever; a re-sent PUBLISH whose promise Herald already failed (sent: true) is the
      // documented "may have been delivered" case.
      autoResendUnfulfilledCommands: true,
      // RedisPublisher batches each tick's PUBLISHes itself by corking the socket.
      enableAutoPipelining: false,
      connectionName: `herald:${context.prefix}:cmd`,
    });
    this.#subscriberConnection = new Redis(options.redisUrl, {
      ...common,
      autoResubscribe: false,
      connectionName: `herald:${context.prefix}:sub`,
    });
    this.#watchErrors(this.#command, 'command');
    this.#watchErrors(this.#subscriberConnection, 'subscriber');
    this.#publisher = new RedisPublisher(this.#command, options.publishTimeoutMs, context.counters);
    this.#subscriber = new RedisSubscriber(
      this.#subscriberConnection,
      this.#channels,
      context.keys,
      context.counters,
      context.logger,
    );
    this.deadLetters = new RedisDeadLetterQueue(this.#command, context.prefix);
  }

  connect(sink: MessageSink): Promise<void> {
    this.#connecting ??= Promise.all([
      this.#ready(this.#command),
      this.#ready(this.#subscriberConnection),
    ]).then(
      () => this.#subscriber.listen(sink),
      (error: unknown) => {
        // Let a later start() try again; the clients keep reconnecting meanwhile.
        this.#connecting = undefined;
        throw error;
      },
    );
    return this.#connecting;
  }

  send(envelope: EventEnvelope, message: WireMessage): Promise<EventEnvelope> {
    return this.#publisher.publish(this.#channels.forKey(envelope.type), message as string, envelope);
  }

  sync(): Promise<void> {
    const { redisUrl, connectTimeoutMs } = this.#options;
    return this.#subscriber.confirm(
      connectTimeoutMs,
      (cause) => new RedisConnectionError(redactUrl(redisUrl), connectTimeoutMs, { cause }),
    );
  }

  async stopReceiving(): Promise<void> {
    this.#subscriber.stop();
  }

  async close(): Promise<void> {
    this.#publisher.close();
    this.#subscriberConnection.disconnect();
    await quit(this.#command);
  }

  state(): TransportState {
    const confirmed = this.#subscriber.confirmed;
    const pending = this.#subscriber.pending;
    const publisher = this.#command.status;
    const subscriber = this.#subscriberConnection.status;
    return { ready: publisher === 'ready' && subscriber === 'ready' && pending === 0, publisher, subscriber, confirmed, pending };
  }

  /** Resolves once the client is ready; rejects after connectTimeoutMs (it keeps reconnecting). */
  #ready(redis: Redis): Promise<void> {
    if (redis.status === 'ready') return Promise.resolve();
    const timeoutMs = this.#options.connectTimeoutMs;
    return new Promise<void>((resolve, reject) => {
      let lastError: unknown;
      const onError = (error: unknown) => (lastError = error);
      const timer = setTimeout(() => {
        redis.off('ready', onReady);
        redis.off('error', onError);
        reject(new RedisConnectionError(redactUrl(this.#options.redisUrl), timeoutMs, { cause: lastError }));
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        redis.off('error', onError);
        resolve();
      };
      redis.once('ready', onReady);
      redis.on('error', onError);
      if (redis.status === 'wait') redis.connect().catch(() => {});
    });
  }

  // ioredis emits `error` on every failed reconnect; log the first of a streak, not each one.
  #watchErrors(redis: Redis, role: string): void {
    let failing = false;
    redis.on('error', (error: Error) => {
      if (!failing) this.#context.logger.warn({ role, err: { name: error.name, message: error.message } }, 'Redis connection error');
      failing = true;
    });
    redis.on('ready', () => (failing = false));
  }
}

async function quit(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
  });
  await Promise.race([redis.quit().then(() => undefined, () => undefined), timeout]);
  clearTimeout(timer);
  redis.disconnect();
}
