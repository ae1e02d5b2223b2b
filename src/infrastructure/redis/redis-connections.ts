import type { ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { RedisConnectionError } from '../../domain/errors/connection/redis-connection-error.js';
import type { Logger } from '../../domain/logger.js';
import { redactUrl } from '../shared/logging.js';
import { settlesWithin } from '../shared/with-timeout.js';
import { type ClusterSettings, duplicateCluster, isCluster } from '../topology/cluster-client.js';
import { redisClient } from './redis-client.js';
import { refusalOf, safeCause } from './redis-refusals.js';

/** Settings every Redis transport takes. */
export interface RedisTransportOptions {
  readonly redisUrl: string;
  readonly publishTimeoutMs: number;
  readonly connectTimeoutMs: number;
  /** Set when publishes of one tick travel as one frame (opt-in micro-batching). */
  readonly batching?: { readonly maxBatchBytes: number };
  /** Extra ioredis options (TLS, username, ...); Herald's own settings win where they overlap. */
  readonly redisOptions?: RedisOptions;
  /** ioredis Cluster options for `redis+cluster://` URLs; Herald's own settings win where they overlap. */
  readonly clusterOptions?: ClusterOptions;
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
 * A connection of a bus: the shared settings, then `settings`. `report` hears
 * of a password the server does not check (see {@link unneededPasswordReport}).
 */
export function connection(options: RedisTransportOptions, settings: RedisOptions, report: () => void, cluster: ClusterSettings = {}): Redis {
  const { clusterOptions, publishTimeoutMs } = options;
  return redisClient(options.redisUrl, { ...connectionOptions(options), ...settings }, report, { clusterOptions, publishTimeoutMs, ...cluster });
}

/**
 * The connection for publishing and bookkeeping. Commands on the wire when it
 * drops are re-sent after the reconnect: ioredis 5 with this off drops them
 * without settling their promises, which would hang a dead-letter write for
 * ever; a re-sent publish whose promise Herald already failed (sent: true) is
 * the documented "may have been delivered" case. RedisPublisher batches each
 * tick's publishes itself by corking the socket, so auto-pipelining stays off;
 * a Cluster has a socket per node and no one to cork, so there it is on.
 */
export function commandConnection(options: RedisTransportOptions, name: string, report: () => void): Redis {
  return connection(options, { autoResendUnfulfilledCommands: true, enableAutoPipelining: false, connectionName: name }, report, { autoPipelining: true });
}

/**
 * Resolves once the client is ready. Rejects after connectTimeoutMs with a
 * RedisConnectionError (the client keeps reconnecting), or at once with a
 * RedisAuthError or RedisDatabaseError when Redis refuses the credentials, a
 * command or the database: retrying cannot fix those, so the client stops, and
 * a later call connects again. Causes keep no command arguments.
 */
export function whenReady(redis: Redis, options: RedisTransportOptions): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  const url = redactUrl(options.redisUrl);
  const timeoutMs = options.connectTimeoutMs;
  return new Promise<void>((resolve, reject) => {
    let lastError: unknown;
    const settle = (error?: Error) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      if (error) reject(error);
      else resolve();
    };
    const onError = (error: unknown) => {
      lastError = error;
      const refused = refusalOf(error, url, redis.options.db);
      if (refused === undefined) return;
      redis.disconnect();
      settle(refused);
    };
    const onReady = () => settle();
    const timer = setTimeout(() => settle(new RedisConnectionError(url, timeoutMs, { cause: safeCause(lastError) })), timeoutMs);
    redis.once('ready', onReady);
    redis.on('error', onError);
    if (redis.status === 'wait' || redis.status === 'end') redis.connect().catch(() => {});
  });
}

/**
 * Logs, once for all the connections it is given to, a server that accepted a
 * password it does not check: the URL suggests Redis is protected, but anyone
 * who reaches it can connect.
 */
export function unneededPasswordReport(logger: Logger): () => void {
  let reported = false;
  return () => {
    if (reported) return;
    reported = true;
    logger.warn(
      {},
      'Redis accepted the connection without checking the password in the URL: the server (or its default user) has no password, so anyone who reaches it can connect. Set one (requirepass, or an ACL user: docs/security.md), or drop the password from the URL.',
    );
  };
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
 * connection (the replay listener and a replayer's reply channel). On a
 * Cluster it subscribes through sharded Pub/Sub (SSUBSCRIBE), whose
 * subscribers ioredis keeps per node and resubscribes itself.
 */
export function subscriberConnection(from: Redis | RedisTransportOptions, name: string, report: () => void = () => {}): Redis {
  const options = { autoResubscribe: false, enableAutoPipelining: false, connectionName: name };
  if ('duplicate' in from) {
    if (isCluster(from)) return duplicateCluster(from, { lazyConnect: true, shardedSubscribers: true, enableAutoPipelining: false }, { connectionName: name });
    return from.duplicate({ ...options, lazyConnect: true });
  }
  return connection(from, options, report, { shardedSubscribers: true });
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

/**
 * Listens on `channel` across reconnects (see {@link subscribeAcrossReconnects}).
 * On a Cluster the channel is a shard channel (SSUBSCRIBE, `smessage`),
 * which ioredis resubscribes itself after a failover: a classic PUBLISH's
 * reply would count only the subscribers on the node that received it.
 */
export async function listenAcrossReconnects(
  redis: Redis,
  channel: string,
  onMessage: (raw: string) => void,
  onResubscribeError: (error: unknown) => void,
): Promise<void> {
  const sharded = isCluster(redis);
  redis.on(sharded ? 'smessage' : 'message', (from: string, raw: string) => {
    if (from === channel) onMessage(raw);
  });
  if (sharded) await redis.ssubscribe(channel);
  else await subscribeAcrossReconnects(redis, channel, onResubscribeError);
}

/** PUBLISH, or SPUBLISH on a Cluster (for channels {@link listenAcrossReconnects} listens on); resolves to the receivers. */
export function publishTo(redis: Redis, channel: string, message: string): Promise<number> {
  return (isCluster(redis) ? redis.spublish(channel, message) : redis.publish(channel, message)) as Promise<number>;
}
