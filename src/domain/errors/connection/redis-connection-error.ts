import { HeraldError } from '../herald-error.js';

/** `start()` could not reach Redis in time. */
export class RedisConnectionError extends HeraldError {
  readonly code = 'HERALD_REDIS_UNAVAILABLE';

  constructor(
    /** The URL with credentials masked. */
    readonly url: string,
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(
      `Could not connect to Redis at ${url} within ${timeoutMs} ms. ` +
        'Check that redis-server is running and that REDIS_URL (or the redisUrl option) points at it; Herald keeps reconnecting in the background.',
      options,
    );
  }
}
