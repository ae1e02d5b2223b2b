import type { ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { RedisConnectionError } from '../../domain/errors/connection/redis-connection-error.js';
import { assertPrefix } from '../../domain/prefix.js';
import { redactUrl } from '../shared/logging.js';
import { milliseconds } from '../shared/options.js';
import { withTimeout } from '../shared/with-timeout.js';
import { redisClient } from './redis-client.js';
import { RedisKeys } from './redis-keys.js';
import { refusalOf, safeCause } from './redis-refusals.js';

/** Options of {@link openToolConnection}. */
export interface ToolConnectionOptions {
  /** Any Herald Redis URL: `redis://`, `rediss://`, `redis+sentinel://`, `redis+cluster://`. */
  readonly redisUrl: string;
  readonly prefix: string;
  /** Longest wait for the connection. @default 5_000 */
  readonly connectTimeoutMs?: number;
  readonly redisOptions?: RedisOptions;
  readonly clusterOptions?: ClusterOptions;
}

/** A tool's connection, the prefix's key names as that topology spells them, and how to close it. */
export interface ToolConnection {
  readonly redis: Redis;
  readonly keys: RedisKeys;
  close(): Promise<void>;
}

/**
 * A connection for tools (`herald dlq`, `herald streams`, operators' scripts):
 * unlike a bus's connections it fails fast instead of reconnecting for ever,
 * so a tool reports an outage at once. On a Cluster the keys carry the
 * prefix's hash tag, as the buses write them.
 *
 * @throws RedisConnectionError (its `url` has credentials masked) when Redis is not reachable in time.
 * @throws RedisAuthError when Redis refuses the credentials; RedisDatabaseError for a refused database index.
 * @throws TypeError when the prefix, the URL or `connectTimeoutMs` is invalid.
 */
export async function openToolConnection(options: ToolConnectionOptions): Promise<ToolConnection> {
  assertPrefix(options.prefix);
  const timeoutMs = milliseconds(options.connectTimeoutMs, 5_000, 'connectTimeoutMs', 1);
  const url = redactUrl(options.redisUrl);
  // A password the server does not check is no business of a tool's output.
  const settings: RedisOptions = {
    ...options.redisOptions,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => (times > 3 ? null : 200 * times),
    connectionName: `herald:${options.prefix}:tool`,
  };
  const redis = redisClient(options.redisUrl, settings, () => {}, { clusterOptions: options.clusterOptions });
  let lastError: unknown;
  redis.on('error', (error: unknown) => (lastError = error));
  try {
    await withTimeout(redis.connect(), timeoutMs, () => {
      throw lastError ?? new Error('connect timed out');
    });
  } catch (error) {
    redis.disconnect();
    const cause = lastError ?? error;
    throw refusalOf(cause, url, redis.options.db) ?? new RedisConnectionError(url, timeoutMs, { cause: safeCause(cause) });
  }
  return {
    redis,
    keys: RedisKeys.of(redis, options.prefix),
    close: async () => {
      await redis.quit().catch(() => undefined);
      redis.disconnect();
    },
  };
}
