import { Redis, type RedisOptions } from 'ioredis';
import { RedisConnectionError } from '../../domain/errors/redis-connection-error.js';
import type { Logger } from '../../domain/logger.js';
import { redactUrl } from '../shared/logging.js';
import { settlesWithin } from '../shared/with-timeout.js';

/** Settings every Redis transport takes. */
export interface RedisTransportOptions {
  readonly redisUrl: string;
  readonly publishTimeoutMs: number;
  readonly connectTimeoutMs: number;
  /** Extra ioredis options (TLS, username, ...); Herald's own settings win where they overlap. */
  readonly redisOptions?: RedisOptions;
}

const CLOSE_TIMEOUT_MS = 2_000;

/** ioredis settings Herald's connections share: lazy, reconnecting for ever, commands waiting out outages. */
export function connectionOptions(options: RedisTransportOptions): RedisOptions {
  return {
    ...options.redisOptions,
    lazyConnect: true,
    // Commands other than publishes (dead-letter writes, acknowledgements) wait for the reconnect instead of failing after 20 tries.
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * 50, 2_000),
  };
}

/**
 * The connection for publishing and bookkeeping. Commands on the wire when it
 * drops are re-sent after the reconnect: ioredis 5 with this off drops them
 * without settling their promises, which would hang a dead-letter write for
 * ever; a re-sent publish whose promise Herald already failed (sent: true) is
 * the documented "may have been delivered" case. RedisPublisher batches each
 * tick's publishes itself by corking the socket, so auto-pipelining stays off.
 */
export function commandConnection(options: RedisTransportOptions, name: string): Redis {
  return new Redis(options.redisUrl, {
    ...connectionOptions(options),
    autoResendUnfulfilledCommands: true,
    enableAutoPipelining: false,
    connectionName: name,
  });
}

/** Resolves once the client is ready; rejects after connectTimeoutMs (it keeps reconnecting). */
export function whenReady(redis: Redis, options: RedisTransportOptions): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  const timeoutMs = options.connectTimeoutMs;
  return new Promise<void>((resolve, reject) => {
    let lastError: unknown;
    const onError = (error: unknown) => (lastError = error);
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      redis.off('error', onError);
      reject(new RedisConnectionError(redactUrl(options.redisUrl), timeoutMs, { cause: lastError }));
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

/** Logs the first error of a streak: ioredis emits `error` on every failed reconnect. */
export function watchErrors(redis: Redis, role: string, logger: Logger): void {
  let failing = false;
  redis.on('error', (error: Error) => {
    if (!failing) logger.warn({ role, err: { name: error.name, message: error.message } }, 'Redis connection error');
    failing = true;
  });
  redis.on('ready', () => (failing = false));
}

/**
 * A connection that only subscribes: Herald's subscribers resubscribe themselves after a
 * reconnect (ioredis's own resubscribe can reject unhandled when the connection closes
 * before Redis answers), and nothing else is ever pipelined on it. Made from the transport's
 * options (the bus's event subscriber), or as a lazily connected duplicate of a command
 * connection (the replay listener and a replayer's reply channel).
 */
export function subscriberConnection(from: Redis | RedisTransportOptions, name: string): Redis {
  const options = { autoResubscribe: false, enableAutoPipelining: false, connectionName: name };
  if (from instanceof Redis) return from.duplicate({ ...options, lazyConnect: true });
  return new Redis(from.redisUrl, { ...connectionOptions(from), ...options });
}

/** QUIT when connected (bounded), then disconnect. */
export async function quit(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  await settlesWithin(redis.quit(), CLOSE_TIMEOUT_MS);
  redis.disconnect();
}

/**
 * SUBSCRIBEs `channel`, and again after every reconnect. ioredis's own
 * `autoResubscribe` sends that SUBSCRIBE without handling its promise, so a
 * connection closed before Redis answered (shutdown during an outage) would
 * leave an unhandled rejection: create the connection with
 * `autoResubscribe: false` and subscribe through this instead.
 */
export async function subscribeAcrossReconnects(redis: Redis, channel: string, onResubscribeError: (error: unknown) => void): Promise<void> {
  await redis.subscribe(channel);
  redis.on('ready', () => {
    redis.subscribe(channel).catch(onResubscribeError);
  });
}
