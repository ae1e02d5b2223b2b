import type { RedisOptions } from 'ioredis';
import { RedisConnectionError } from '../../domain/errors/connection/redis-connection-error.js';
import { assertPrefix } from '../../domain/prefix.js';
import { redactUrl } from '../shared/logging.js';
import { redisClient } from '../redis/redis-client.js';
import { refusalOf, safeCause } from '../redis/redis-refusals.js';
import { RedisDeadLetterQueue } from './redis-dead-letter-queue.js';
import { ownedByHerald } from './key-ownership.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { milliseconds } from '../shared/options.js';
import { withTimeout } from '../shared/with-timeout.js';

/** Options of {@link openRedisDeadLetterQueue}. */
export interface OpenRedisDeadLetterQueueOptions {
  /** e.g. `redis://user:pass@host:6379/0`. */
  readonly redisUrl: string;
  /** Key prefix of the services whose dead letters to open. */
  readonly prefix: string;
  /** Longest wait for the connection. @default 5_000 */
  readonly connectTimeoutMs?: number;
  /** Extra ioredis options (TLS, ...); the fail-fast settings below win. */
  readonly redisOptions?: RedisOptions;
}

/** An opened queue and the way to close its connection. */
export interface OpenedDeadLetterQueue {
  readonly queue: RedisDeadLetterQueue;
  close(): Promise<void>;
  /**
   * True when the prefix's dead-letter keys are Herald's: a bus with handlers or a
   * dead-letter write marked them (`<prefix>:dlq:owner`), or none of them exists.
   * False means `<prefix>:dlq`, `…:dlq:entries` or `…:dlq:claims` exist unmarked
   * and may be another application's: check before deleting or adding anything,
   * as `herald dlq purge`, `remove` and `import` do.
   */
  ownedByHerald(): Promise<boolean>;
}

/**
 * Opens a prefix's dead-letter queue on a connection of its own, for tools
 * such as `herald dlq` and operators' scripts: unlike a bus's connections it
 * fails fast instead of reconnecting for ever, so a tool reports an outage at
 * once.
 *
 * @throws RedisConnectionError (its `url` has credentials masked) when Redis is not reachable in time.
 * @throws RedisAuthError when Redis refuses the credentials (at once, without retrying).
 * @throws RedisDatabaseError when Redis refuses the URL's database index.
 * @throws TypeError when the prefix or `connectTimeoutMs` is invalid.
 * @example
 * const { queue, close } = await openRedisDeadLetterQueue({ redisUrl: process.env.REDIS_URL!, prefix: 'shop' });
 * try { console.log(await queue.count()); } finally { await close(); }
 */
export async function openRedisDeadLetterQueue(options: OpenRedisDeadLetterQueueOptions): Promise<OpenedDeadLetterQueue> {
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
  const redis = redisClient(options.redisUrl, settings, () => {});
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
  const keys = new RedisKeys(options.prefix);
  return {
    queue: new RedisDeadLetterQueue(redis, options.prefix),
    ownedByHerald: () => ownedByHerald(redis, keys),
    close: async () => {
      await redis.quit().catch(() => undefined);
      redis.disconnect();
    },
  };
}
