import type { Redis } from 'ioredis';
import type { DeadLetterQueue } from '../../domain/dead-letters/dead-letter.js';
import type { EventEnvelope } from '../../domain/event-envelope.js';
import { RedisConnectionError } from '../../domain/errors/connection/redis-connection-error.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { redactUrl } from '../shared/logging.js';
import {
  type RedisTransportOptions,
  commandConnection,
  quit,
  subscriberConnection,
  unneededPasswordReport,
  watchErrors,
  whenReady,
} from '../redis/redis-connections.js';
import { RedisDeadLetterQueue } from '../dead-letters/redis-dead-letter-queue.js';
import { markIfHandling } from '../dead-letters/key-ownership.js';
import { RedisReplayResponder } from '../dead-letters/replay/replay-responder.js';
import { InstanceHeartbeat, withHeartbeat } from '../presence/instance-heartbeat.js';
import { RedisPublisher } from '../redis/redis-publisher.js';
import { refusalOf, safeCause } from '../redis/redis-refusals.js';
import { RedisSubscriber } from './redis-subscriber.js';
import { shardedPublish } from './sharded-publish.js';
import { pacedSink } from './paced-sink.js';
import { ShardedSubscriber } from './sharded-subscriber.js';
import { isCluster } from '../topology/cluster-client.js';
import type { ReplayListener } from '../transport/replay-listener.js';
import type { MessageSink, Transport, TransportContext, TransportState, WireMessage } from '../transport/transport.js';

export type { RedisTransportOptions } from '../redis/redis-connections.js';

/**
 * Redis Pub/Sub: one channel per event type under the prefix, PSUBSCRIBE for
 * patterns, a command connection (PUBLISH and dead letters) and a separate
 * subscriber connection, both reconnecting on their own. On a Redis Cluster,
 * sharded Pub/Sub instead (SPUBLISH/SSUBSCRIBE, see ShardedSubscriber).
 */
export class RedisPubSubTransport implements Transport {
  readonly kind = 'redis' as const;
  readonly redelivers = false;
  readonly encoding = 'json' as const;
  readonly deadLetters: DeadLetterQueue;
  readonly replays: ReplayListener;
  readonly #options: RedisTransportOptions;
  readonly #context: TransportContext;
  readonly #keys: RedisKeys;
  readonly #command: Redis;
  readonly #subscriberConnection: Redis;
  readonly #publisher: RedisPublisher;
  readonly #subscriber: RedisSubscriber | ShardedSubscriber;
  #connecting: Promise<void> | undefined;

  constructor(options: RedisTransportOptions, context: TransportContext) {
    this.#options = options;
    this.#context = context;
    const report = unneededPasswordReport(context.logger);
    this.#command = commandConnection(options, `herald:${context.prefix}:cmd`, report);
    this.#keys = RedisKeys.of(this.#command, context.prefix);
    const sharded = isCluster(this.#command);
    this.#subscriberConnection = subscriberConnection(options, `herald:${context.prefix}:sub`, report);
    watchErrors(this.#command, 'command', context.logger);
    watchErrors(this.#subscriberConnection, 'subscriber', context.logger);
    const publish = sharded ? shardedPublish(this.#keys) : undefined;
    this.#publisher = new RedisPublisher(this.#command, redactUrl(options.redisUrl), options.publishTimeoutMs, context.counters, publish, options.batching);
    this.#subscriber = new (sharded ? ShardedSubscriber : RedisSubscriber)(
      this.#subscriberConnection,
      this.#keys,
      context.selectors,
      context.counters,
      context.logger,
    );
    this.deadLetters = new RedisDeadLetterQueue(this.#command, context.prefix, { signing: context.signing });
    // Replay requests are answered on a connection of their own, duplicated from the command connection.
    this.replays = withHeartbeat(new RedisReplayResponder(this.#command, this.#keys, context.verifier), new InstanceHeartbeat(this.#command, this.#keys));
  }

  connect(sink: MessageSink): Promise<void> {
    this.#connecting ??= Promise.all([
      whenReady(this.#command, this.#options),
      whenReady(this.#subscriberConnection, this.#options),
    ]).then(
      async () => {
        await markIfHandling(this.#command, this.#keys, this.#context);
        this.#subscriber.listen(pacedSink(sink, () => this.#subscriber.receiving));
      },
      (error: unknown) => {
        // Let a later start() try again; the clients keep reconnecting meanwhile.
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
    return this.#publisher.publish(this.#keys.channelOf(envelope.type), message as string, envelope);
  }

  sync(): Promise<void> {
    const { redisUrl, connectTimeoutMs } = this.#options;
    const url = redactUrl(redisUrl);
    return this.#subscriber.confirm(
      connectTimeoutMs,
      (cause) => new RedisConnectionError(url, connectTimeoutMs, { cause: safeCause(cause) }),
      (error) => refusalOf(error, url),
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
}
