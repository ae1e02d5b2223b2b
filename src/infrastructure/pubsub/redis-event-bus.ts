import type { RedisOptions } from 'ioredis';
import type { BusOptions } from '../eventbus/bus-options.js';
import { milliseconds } from '../shared/options.js';
import type { RedisTransportOptions } from '../redis/redis-connections.js';
import { RedisPubSubTransport } from './redis-pubsub-transport.js';
import { TransportEventBus } from '../eventbus/transport-event-bus.js';

/** Options of {@link RedisEventBus}. */
export interface RedisEventBusOptions extends BusOptions {
  /** e.g. `redis://user:pass@host:6379/0` or `rediss://…` for TLS. @default process.env.REDIS_URL */
  readonly redisUrl?: string;
  /** Longest `publish` waits for Redis to accept an event, outages included. @default 5_000 */
  readonly publishTimeoutMs?: number;
  /** Longest `start()` waits for the connections. @default 10_000 */
  readonly connectTimeoutMs?: number;
  /** Extra ioredis options (TLS, username, ...). Herald's reconnect and queueing settings take precedence. */
  readonly redisOptions?: RedisOptions;
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
  const redisOptions = options.redisOptions;
  return { redisUrl, publishTimeoutMs, connectTimeoutMs, ...(redisOptions ? { redisOptions } : {}) };
}
