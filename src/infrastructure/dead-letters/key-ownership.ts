import type { Redis } from 'ioredis';
import type { RedisKeys } from '../redis/redis-keys.js';
import type { TransportContext } from '../transport/transport.js';

/** The value of a prefix's marker key (`<prefix>:dlq:owner`). */
export const HERALD_OWNER = 'herald';

/**
 * Marks a prefix's dead-letter keys as Herald's: a bus with handlers does it
 * at start (one SET), and every dead-letter write does it again, so tools can
 * tell Herald's `<prefix>:dlq*` keys from another application's before they
 * delete anything. The key sits under `<prefix>:dlq:`, which the ACL rules of
 * a consumer already cover; a publisher, which writes no dead letters, never
 * writes it.
 */
export function markOwned(redis: Redis, keys: RedisKeys): Promise<unknown> {
  return redis.set(keys.deadLetterOwner, HERALD_OWNER);
}

/**
 * Marks the keys at start when the bus has handlers (it may write dead letters).
 * Only a safety net for tools, not worth failing start over: every dead-letter
 * write marks them too.
 */
export async function markIfHandling(redis: Redis, keys: RedisKeys, context: TransportContext): Promise<void> {
  if (context.selectors().size === 0) return;
  await markOwned(redis, keys).catch((error: unknown) => {
    context.logger.warn({ err: error }, "could not mark the dead-letter keys as Herald's; the first dead letter written marks them");
  });
}

/**
 * True when the prefix's dead-letter keys are Herald's: the marker is there,
 * or none of the keys exists (then there is nothing of anyone's to harm). One
 * GET when marked; an EXISTS more otherwise.
 */
export async function ownedByHerald(redis: Redis, keys: RedisKeys): Promise<boolean> {
  if ((await redis.get(keys.deadLetterOwner)) === HERALD_OWNER) return true;
  return (await redis.exists(keys.deadLetterList, keys.deadLetterEntries, keys.deadLetterClaims)) === 0;
}
