import { Cluster, Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { RedisDeadLetterQueue } from '../../src/index.js';
import { RedisKeys } from '../../src/infrastructure/redis/redis-keys.js';
import { type RedisCluster, useRedisCluster } from '../support/redis-cluster.js';
import { type RedisSentinel, useRedisSentinel } from '../support/redis-sentinel.js';

/** The Herald URL of a test cluster: `redis+cluster://` and every node as a seed. */
export function clusterUrl(cluster: RedisCluster): string {
  return `redis+cluster://${cluster.seeds.map(({ host, port }) => `${host}:${port}`).join(',')}`;
}

/** The Herald URL of a test Sentinel deployment: `redis+sentinel://` the sentinels `/<master name>`. */
export function sentinelUrl(sentinel: RedisSentinel): string {
  return `redis+sentinel://${sentinel.sentinelAddresses.map(({ host, port }) => `${host}:${port}`).join(',')}/${sentinel.masterName}`;
}

/** What a contract suite needs of a topology, as useContractRedis gives for a single node. */
export interface ContractTopology {
  readonly url: string;
  /** True on a Cluster: keys are hash-tagged and Pub/Sub is sharded. */
  readonly cluster: boolean;
  client(): Redis;
  keys(prefix: string): RedisKeys;
  /** Puts `raw` on an event type's channel as another producer would. */
  publishRaw(prefix: string, type: string, raw: string): Promise<void>;
  deadLetters(prefix: string): RedisDeadLetterQueue;
  cleanup(prefix: string): Promise<void>;
}

/** A private 3-primary, 3-replica Redis Cluster for one test file, with an admin client. */
export function useContractCluster(): ContractTopology & { readonly topology: RedisCluster } {
  const topology = useRedisCluster();
  let admin: Cluster | undefined;
  afterAll(async () => {
    await admin?.quit();
  });
  const client = () => (admin ??= new Cluster(topology.cluster.seeds)) as unknown as Redis;
  return {
    get topology() {
      return topology.cluster;
    },
    get url() {
      return clusterUrl(topology.cluster);
    },
    cluster: true,
    client,
    keys: (prefix) => new RedisKeys(prefix, true),
    async publishRaw(prefix, type, raw) {
      await client().spublish(new RedisKeys(prefix, true).channelFor(type), raw);
    },
    deadLetters: (prefix) => new RedisDeadLetterQueue(client(), prefix),
    async cleanup(prefix) {
      // Every key of a prefix carries its hash tag, so they all live on one node.
      const cluster = client() as unknown as Cluster;
      for (const node of cluster.nodes('master')) {
        const keys = await node.keys(`{${prefix}}:*`);
        for (const key of keys) await node.del(key);
      }
    },
  };
}

/** A private primary, replica and three sentinels for one test file, with an admin client. */
export function useContractSentinel(): ContractTopology & { readonly topology: RedisSentinel } {
  const topology = useRedisSentinel();
  let admin: Redis | undefined;
  afterAll(async () => {
    await admin?.quit();
  });
  const client = () => (admin ??= new Redis({ sentinels: topology.sentinel.sentinelAddresses, name: topology.sentinel.masterName }));
  return {
    get topology() {
      return topology.sentinel;
    },
    get url() {
      return sentinelUrl(topology.sentinel);
    },
    cluster: false,
    client,
    keys: (prefix) => new RedisKeys(prefix),
    async publishRaw(prefix, type, raw) {
      await client().publish(new RedisKeys(prefix).channelFor(type), raw);
    },
    deadLetters: (prefix) => new RedisDeadLetterQueue(client(), prefix),
    async cleanup(prefix) {
      const keys = await client().keys(`${prefix}:*`);
      if (keys.length > 0) await client().del(...keys);
    },
  };
}
