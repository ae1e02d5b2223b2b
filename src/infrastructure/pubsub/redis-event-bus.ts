import type { ClusterOptions, RedisOptions } from 'ioredis';
import { type BusOptions, DEFAULT_MAX_BATCH_BYTES } from '../eventbus/bus-options.js';
import { integer, milliseconds } from '../shared/options.js';
import type { RedisTransportOptions } from '../redis/redis-connections.js';
import { RedisPubSubTransport } from './redis-pubsub-transport.js';
import { TransportEventBus } from '../eventbus/transport-event-bus.js';
import { parseRedisUrl } from '../topology/redis-url.js';

/** Options of {@link RedisEventBus}. */
export interface RedisEventBusOptions extends BusOptions {
  /**
   * e.g. `redis://user:pass@host:6379/0` or `rediss://…` for TLS; a Sentinel deployment as
   * `redis+sentinel://host:26379,host:26380/<master name>`, a Redis Cluster as
   * `redis+cluster://host:7000,host:7001` (docs/deployment.md). @default process.env.REDIS_URL
   */
  readonly redisUrl?: string;
  /** Longest `publish` waits for Redis to accept an event, outages included. @default 5_000 */
  readonly publishTimeoutMs?: number;
  /** Longest `start()` waits for the connections. @default 10_000 */
  readonly connectTimeoutMs?: number;
  /**
   * Opt-in micro-batching: the events this instance publishes in one tick to one type travel
   * as one frame, a JSON array of their envelopes, in one PUBLISH (one XADD on the durable bus).
   * Handlers still run per event, with their own retries and dead letters. Receivers accept
   * both forms whatever this says; turn it on only once every consumer of the prefix runs a
   * Herald that reads batches (or reads them itself: docs/envelope.md). @default false
   */
  readonly batching?: boolean;
  /**
   * Extra ioredis options (TLS, username, ...; for Sentinel also `sentinelPassword`, `sentinelTLS`,
   * `natMap`). Herald's reconnect and queueing settings take precedence. On a Cluster they apply to
   * each node connection.
   */
  readonly redisOptions?: RedisOptions;
  /**
   * ioredis Cluster options for a `redis+cluster://` URL (`natMap`, `slotsRefreshInterval`, retry
   * delays, ...). Herald sets `scaleReads: 'master'`, sharded subscribers, and retry delays of
   * `publishTimeoutMs / 16` unless given (docs/deployment.md). Ignored for other URLs.
   */
  readonly clusterOptions?: ClusterOptions;
}

/**
 * The Redis Pub/Sub event bus: every running instance receives every event of
 * the types it handles (fan-out). At-most-once: an instance that is down, or
 * reconnecting, misses what is published meanwhile.
 *
 * @example
 * const bus = new RedisEventBus({ redisUrl: 'redis://127.0.0.1:6379', prefix: 'shop' });
 */
export class RedisEventBus extends TransportEventBus {
  /** @throws TypeError when no Redis URL is given or an option is invalid. */
  constructor(options: RedisEventBusOptions = {}) {
    const redis = redisTransportOptions(options, 'RedisEventBus');
    super(options, (context) => new RedisPubSubTransport(redis, context));
  }
}

/** The connection settings of a Redis bus, validated. @throws TypeError */
export function redisTransportOptions(options: RedisEventBusOptions, bus: string): RedisTransportOptions {
  const redisUrl = options.redisUrl ?? process.env.REDIS_URL;
  if (!redisUrl) {
    throw new TypeError(`${bus} needs a Redis URL: pass { redisUrl: "redis://127.0.0.1:6379" } or set REDIS_URL.`);
  }
  const publishTimeoutMs = milliseconds(options.publishTimeoutMs, 5_000, 'publishTimeoutMs', 1);
  const connectTimeoutMs = milliseconds(options.connectTimeoutMs, 10_000, 'connectTimeoutMs', 1);
  // A malformed cluster or sentinel URL fails here, not at start().
  parseRedisUrl(redisUrl);
  const { redisOptions, clusterOptions } = options;
  const maxBatchBytes = integer(options.maxBatchBytes, DEFAULT_MAX_BATCH_BYTES, 'maxBatchBytes', 256);
  if (options.batching !== undefined && typeof options.batching !== 'boolean') {
    throw new TypeError(`Expected \`batching\` to be true or false, got ${JSON.stringify(options.batching)}.`);
  }
  return {
    redisUrl,
    publishTimeoutMs,
    connectTimeoutMs,
    ...(redisOptions ? { redisOptions } : {}),
    ...(clusterOptions ? { clusterOptions } : {}),
    ...(options.batching ? { batching: { maxBatchBytes } } : {}),
  };
}
