/**
 * The test support for Redis Cluster and Sentinel (test/support/redis-cluster.ts,
 * test/support/redis-sentinel.ts): the topologies form, a real ioredis client
 * works through them, and a SIGKILLed primary is failed over. The measured
 * times are attached to each test as annotations (`vitest --reporter=verbose`
 * or the JSON report shows them).
 */
import { Cluster, Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { parseInfo, sendToNode } from '../support/node-command.js';
import { clusterUnavailable, useRedisCluster } from '../support/redis-cluster.js';
import { sentinelUnavailable, useRedisSentinel } from '../support/redis-sentinel.js';
import { uniquePrefix, waitFor } from '../support/wait-for.js';

// Failover needs cluster-node-timeout / down-after (1 s here), failure agreement and an election.
const FAILOVER_BOUND_MS = 10_000;

const clients: { disconnect(): void }[] = [];
function track<T extends { disconnect(): void }>(client: T): T {
  clients.push(client);
  return client;
}

afterEach(() => {
  for (const client of clients.splice(0)) client.disconnect();
});

/** ms since `since` once `attempt` first succeeds; failures until then are collected (the attempt is retried every 20 ms). */
async function firstSuccess(attempt: () => Promise<unknown>, since: number, failures: string[]): Promise<number> {
  await waitFor(
    async () => {
      try {
        await attempt();
        return true;
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
        return false;
      }
    },
    { timeoutMs: 20_000, intervalMs: 20, message: () => `never succeeded; last failures: ${failures.slice(-3).join(' | ')}` },
  );
  return Math.round(performance.now() - since);
}

describe('RedisCluster test support', () => {
  const topology = useRedisCluster();

  it('forms 3 primaries with one in-sync replica each, covering every slot', async (ctx) => {
    ctx.skip(clusterUnavailable !== undefined, clusterUnavailable);
    const { cluster } = topology;
    const ranges = await cluster.slotRanges();

    expect(new Set(ranges.map((range) => range.primaryPort)).size).toBe(3);
    expect(ranges.every((range) => range.replicaPorts.length === 1)).toBe(true);
    expect(ranges[0]!.from).toBe(0);
    expect(ranges.at(-1)!.to).toBe(16_383);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.from).toBe(ranges[i - 1]!.to + 1);
    expect(cluster.startedInMs).toBeLessThan(15_000);
    await ctx.annotate(`cluster of 6 nodes started and whole in ${cluster.startedInMs} ms`);
  });

  it('stores a key through an ioredis Cluster client on the primary that serves its slot', async (ctx) => {
    ctx.skip(clusterUnavailable !== undefined, clusterUnavailable);
    const { cluster } = topology;
    const client = track(new Cluster(cluster.seeds));
    const key = `${uniquePrefix()}:key`;

    await client.set(key, 'stored');

    expect(await client.get(key)).toBe('stored');
    // Asked directly, only the node the support names as owner has it (the others answer MOVED).
    expect(await sendToNode((await cluster.nodeForKey(key)).port, 'GET', [key])).toBe('stored');
  });

  it('fails a SIGKILLed primary over to its replica; the client and a sharded subscriber carry on', async (ctx) => {
    ctx.skip(clusterUnavailable !== undefined, clusterUnavailable);
    const { cluster } = topology;
    const tag = `{${uniquePrefix()}}`;
    const key = `${tag}:key`;
    const channel = `${tag}:events`;
    const client = track(new Cluster(cluster.seeds));
    const subscriber = track(new Cluster(cluster.seeds, { shardedSubscribers: true }));
    // A Cluster with sharded subscribers emits 'error' when a subscriber cannot reconnect: without a listener that throws.
    const subscriberErrors: string[] = [];
    subscriber.on('error', (error: Error) => subscriberErrors.push(error.message));
    const received: { message: string; at: number }[] = [];
    subscriber.on('smessage', (_channel: string, message: string) => received.push({ message, at: performance.now() }));
    await subscriber.ssubscribe(channel);
    await client.set(key, 'before');
    const victim = await cluster.nodeForKey(key);
    // Replication is asynchronous: make sure the replica has the write before its primary dies.
    const victimConnection = client.nodes('master').find((node) => node.options.port === victim.port)!;
    expect(await victimConnection.call('WAIT', 1, 2000)).toBe(1);
    const [replicaPort] = (await cluster.slotRanges()).find((range) => range.primaryPort === victim.port)!.replicaPorts;

    const kill = await cluster.kill(victim);
    const writeFailures: string[] = [];
    const writesResumed = firstSuccess(() => client.set(key, 'after'), kill.at, writeFailures);
    const failover = await cluster.waitForFailover(kill);
    const writesResumedMs = await writesResumed;
    let published = 0;
    const deliveryResumedMs = await firstSuccess(
      async () => {
        await client.spublish(channel, `after-${++published}`);
        if (!received.some((entry) => entry.at > kill.at)) throw new Error('no sharded message received since the kill');
      },
      kill.at,
      [],
    );

    expect(failover.promoted.port).toBe(replicaPort);
    expect(failover.elapsedMs).toBeLessThan(FAILOVER_BOUND_MS);
    expect(await client.get(key)).toBe('after');
    expect(await sendToNode(failover.promoted.port, 'GET', [key])).toBe('after');
    await ctx.annotate(
      `cluster failover: replica promoted and all nodes ok ${failover.elapsedMs} ms after SIGKILL; ` +
        `first write accepted at ${writesResumedMs} ms (${writeFailures.length} failed attempts before); ` +
        `sharded Pub/Sub delivered again at ${deliveryResumedMs} ms; subscriber error events: ${subscriberErrors.length}`,
    );

    const restartedAt = performance.now();
    await cluster.restart(victim);
    const restartMs = Math.round(performance.now() - restartedAt);
    const info = parseInfo(await sendToNode(victim.port, 'INFO', ['replication']));
    expect(info.get('role')).toBe('slave');
    expect(info.get('master_port')).toBe(String(failover.promoted.port));
    await ctx.annotate(`killed node restarted and back in sync as a replica in ${restartMs} ms`);
  });
});

describe('RedisSentinel test support', () => {
  const topology = useRedisSentinel();

  function sentinelClient(): Redis {
    const { sentinel } = topology;
    const client = track(new Redis({ sentinels: sentinel.sentinelAddresses, name: sentinel.masterName }));
    client.on('error', () => {});
    return client;
  }

  async function servingPort(client: Redis): Promise<number> {
    return Number(parseInfo(await client.info('server')).get('tcp_port'));
  }

  it('starts a primary, a replica and three sentinels that agree on the primary', async (ctx) => {
    ctx.skip(sentinelUnavailable !== undefined, sentinelUnavailable);
    const { sentinel } = topology;
    const [primary, replica] = sentinel.servers;

    expect(sentinel.sentinels).toHaveLength(3);
    for (const { port } of sentinel.sentinelAddresses) {
      expect(await sendToNode(port, 'SENTINEL', ['GET-MASTER-ADDR-BY-NAME', sentinel.masterName])).toEqual(['127.0.0.1', String(primary!.port)]);
    }
    expect(parseInfo(await sendToNode(replica!.port, 'INFO', ['replication'])).get('master_link_status')).toBe('up');
    expect(sentinel.startedInMs).toBeLessThan(15_000);
    await ctx.annotate(`primary, replica and 3 sentinels started and agreed in ${sentinel.startedInMs} ms`);
  });

  it('lets ioredis reach the primary through the sentinels', async (ctx) => {
    ctx.skip(sentinelUnavailable !== undefined, sentinelUnavailable);
    const client = sentinelClient();
    const key = `${uniquePrefix()}:key`;

    await client.set(key, 'stored');

    expect(await client.get(key)).toBe('stored');
    expect(await servingPort(client)).toBe((await topology.sentinel.primary()).port);
  });

  it('promotes the replica when the primary is SIGKILLed, and ioredis follows it', async (ctx) => {
    ctx.skip(sentinelUnavailable !== undefined, sentinelUnavailable);
    const { sentinel } = topology;
    const client = sentinelClient();
    const subscriber = sentinelClient();
    const channel = `${uniquePrefix()}:events`;
    const received: { message: string; at: number }[] = [];
    subscriber.on('message', (_channel: string, message: string) => received.push({ message, at: performance.now() }));
    await subscriber.subscribe(channel);
    const key = `${uniquePrefix()}:key`;
    await client.set(key, 'before');
    // Replication is asynchronous: make sure the replica has the write before its primary dies.
    expect(await client.call('WAIT', 1, 2000)).toBe(1);
    const primary = await sentinel.primary();

    const kill = await sentinel.kill(primary);
    const writeFailures: string[] = [];
    const writesResumed = firstSuccess(() => client.set(key, 'after'), kill.at, writeFailures);
    const failover = await sentinel.waitForFailover(kill);
    const writesResumedMs = await writesResumed;
    let published = 0;
    const deliveryResumedMs = await firstSuccess(
      async () => {
        await client.publish(channel, `after-${++published}`);
        if (!received.some((entry) => entry.at > kill.at)) throw new Error('no message received since the kill');
      },
      kill.at,
      [],
    );

    expect(failover.promoted.port).not.toBe(primary.port);
    expect(failover.elapsedMs).toBeLessThan(FAILOVER_BOUND_MS);
    expect(await servingPort(client)).toBe(failover.promoted.port);
    expect(await client.get(key)).toBe('after');
    await ctx.annotate(
      `sentinel failover: all sentinels name the promoted replica ${failover.elapsedMs} ms after SIGKILL; ` +
        `first write accepted at ${writesResumedMs} ms (${writeFailures.length} failed attempts before); ` +
        `Pub/Sub delivered again at ${deliveryResumedMs} ms`,
    );
  });
});
