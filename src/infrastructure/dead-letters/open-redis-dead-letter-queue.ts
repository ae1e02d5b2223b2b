import type { ClusterOptions, RedisOptions } from 'ioredis';
import { openToolConnection } from '../redis/tool-connection.js';
import { RedisDeadLetterQueue } from './redis-dead-letter-queue.js';
import { type SigningOptions, resolveSigning } from '../signing/signing-options.js';
import { ownedByHerald } from './key-ownership.js';

/** Options of {@link openRedisDeadLetterQueue}. */
export interface OpenRedisDeadLetterQueueOptions {
  /** e.g. `redis://user:pass@host:6379/0`, or a Sentinel or Cluster URL (docs/deployment.md). */
  readonly redisUrl: string;
  /** Key prefix of the services whose dead letters to open. */
  readonly prefix: string;
  /** Longest wait for the connection. @default 5_000 */
  readonly connectTimeoutMs?: number;
  /** Extra ioredis options (TLS, ...); the fail-fast settings below win. */
  readonly redisOptions?: RedisOptions;
  /** Signs replay requests, for services that verify signatures (`verification`). @default off */
  readonly signing?: SigningOptions;
  /** ioredis Cluster options, for a `redis+cluster://` URL. */
  readonly clusterOptions?: ClusterOptions;
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
 * @throws TypeError when the prefix, `connectTimeoutMs` or `signing` is invalid.
 * @example
 * const { queue, close } = await openRedisDeadLetterQueue({ redisUrl: process.env.REDIS_URL!, prefix: 'shop' });
 * try { console.log(await queue.count()); } finally { await close(); }
 */
export async function openRedisDeadLetterQueue(options: OpenRedisDeadLetterQueueOptions): Promise<OpenedDeadLetterQueue> {
  resolveSigning(options.signing, undefined); // refuse a bad key before connecting, not after
  const { redis, keys, close } = await openToolConnection(options);
  return {
    queue: new RedisDeadLetterQueue(redis, options.prefix, options.signing === undefined ? undefined : { signing: options.signing }),
    ownedByHerald: () => ownedByHerald(redis, keys),
    close,
  };
}
