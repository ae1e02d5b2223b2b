import { Cluster, type ClusterOptions, type Redis, type RedisOptions } from 'ioredis';
import type { RedisTopology } from './redis-url.js';

type ClusterTopology = Extract<RedisTopology, { kind: 'cluster' }>;

/**
 * What Herald sets on a Cluster client beyond the user's `clusterOptions`.
 * `publishTimeoutMs` sizes the retry delays so that ioredis keeps retrying a
 * command through a whole failover instead of giving up with "Too many Cluster
 * redirections" (16 tries × 100 ms by default, shorter than a failover).
 */
export interface ClusterSettings {
  readonly clusterOptions?: ClusterOptions | undefined;
  readonly publishTimeoutMs?: number | undefined;
  /** Sharded Pub/Sub subscribers (`SSUBSCRIBE`); without it ioredis drops `smessage`s silently. */
  readonly shardedSubscribers?: boolean;
  /** Each tick's commands travel per node as one pipeline (the publisher cannot cork "the" socket). */
  readonly autoPipelining?: boolean;
}

// Per-node options ioredis's Cluster ignores or forbids in `redisOptions`.
const CLUSTER_LEVEL = ['host', 'port', 'path', 'sentinels', 'name', 'retryStrategy', 'lazyConnect', 'enableOfflineQueue', 'readOnly', 'db'];

/**
 * An ioredis Cluster built from a `redis+cluster://` URL and the per-node
 * `settings` Herald gives every connection. Typed as `Redis` because every
 * keyed command Herald sends has the same shape on both; the few that do not
 * (CLIENT ID/UNBLOCK, duplicate, sharded Pub/Sub) check {@link isCluster} first.
 */
export function clusterClient(topology: ClusterTopology, settings: RedisOptions, cluster: ClusterSettings): Redis {
  const nodeOptions: Record<string, unknown> = { ...settings };
  for (const name of CLUSTER_LEVEL) delete nodeOptions[name];
  const user = cluster.clusterOptions ?? {};
  // 16 tries (maxRedirections) spread over the publish timeout cover a failover that ends within it.
  const retryDelay = Math.max(100, Math.round((cluster.publishTimeoutMs ?? 5_000) / 16));
  const retryStrategy = settings.retryStrategy;
  const client = new Cluster(topology.nodes.map(({ host, port }) => ({ host, port })), {
    // Replicas lag: dead-letter reads from them would show stale entries, and XREADGROUP writes.
    scaleReads: 'master',
    retryDelayOnFailover: retryDelay,
    retryDelayOnClusterDown: retryDelay,
    ...(retryStrategy ? { clusterRetryStrategy: (times: number) => retryStrategy(times) ?? null } : {}),
    ...user,
    lazyConnect: settings.lazyConnect ?? true,
    enableAutoPipelining: cluster.autoPipelining ?? user.enableAutoPipelining ?? false,
    shardedSubscribers: cluster.shardedSubscribers ?? false,
    redisOptions: {
      ...user.redisOptions,
      ...nodeOptions,
      ...(topology.username ? { username: topology.username } : {}),
      ...(topology.password ? { password: topology.password } : {}),
      ...(topology.tls ? { tls: settings.tls ?? user.redisOptions?.tls ?? {} } : {}),
    },
  });
  return client as unknown as Redis;
}

/** True when `redis` is an ioredis Cluster client (made by {@link clusterClient}). */
export function isCluster(redis: Redis): boolean {
  return redis.isCluster;
}

/**
 * A Cluster client like `redis` (same seeds and options) with `override`
 * applied to the Cluster options and `nodeOverride` to each node connection's.
 */
export function duplicateCluster(redis: Redis, override: ClusterOptions, nodeOverride: RedisOptions): Redis {
  const cluster = redis as unknown as Cluster;
  const options = cluster.options;
  return cluster.duplicate([], { ...options, ...override, redisOptions: { ...options.redisOptions, ...nodeOverride } }) as unknown as Redis;
}

/**
 * The node connection of a Cluster client that serves `key`'s slot (its
 * primary), or undefined while the slot map does not know one. Keyless
 * commands (CLIENT ID, CLIENT UNBLOCK, WAIT) go to a random node unless sent here.
 */
export function nodeOf(redis: Redis, slot: number): Redis | undefined {
  const cluster = redis as unknown as Cluster;
  const address = cluster.slots[slot]?.[0];
  if (address === undefined) return undefined;
  return cluster.nodes('master').find((node) => `${node.options.host}:${node.options.port}` === address);
}
