/**
 * `herald dlq` and `herald streams` against a Redis Cluster URL (issue 15):
 * the CLI finds the hash-tagged keys, and a replay travels over the sharded
 * replay channel to a running durable service and back.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DurableEventBus } from '../../src/index.js';
import { OrderPlaced, anOrder } from '../fixtures/shop.js';
import { clusterUrl } from '../contract/topology-admin.js';
import { clusterUnavailable, useRedisCluster } from '../support/redis-cluster.js';
import { uniquePrefix, waitFor } from '../support/wait-for.js';
import { heraldJson } from './cli-harness.js';

const topology = useRedisCluster();
const buses: DurableEventBus[] = [];
afterAll(async () => {
  await Promise.allSettled(buses.map((bus) => bus.shutdown({ timeoutMs: 1_000 })));
});

describe.skipIf(clusterUnavailable)('the CLI on a Redis Cluster', () => {
  it('lists, replays and inspects through a redis+cluster:// URL', async () => {
    const prefix = uniquePrefix();
    const url = clusterUrl(topology.cluster);
    const at = (...args: string[]) => [...args, '--redis-url', url, '--prefix', prefix];
    let failing = true;
    const handled: string[] = [];
    const bus = new DurableEventBus({ redisUrl: url, prefix, group: 'billing', logger: false, retry: { retries: 0 } });
    buses.push(bus);
    bus.subscribe(
      OrderPlaced,
      (event) => {
        if (failing) throw new Error('card declined');
        handled.push(event.id);
      },
      { name: 'charge' },
    );
    await bus.start();
    const published = await bus.publish(anOrder(1));
    await waitFor(async () => (await bus.deadLetters.count()) === 1);

    const list = await heraldJson(at('dlq', 'list'));
    const streams = await heraldJson(at('streams'));
    failing = false;
    const entryId = list.doc.entries[0].id as string;
    const replay = await heraldJson(at('dlq', 'replay', entryId));

    expect(list.doc.total).toBe(1);
    expect(list.doc.entries[0]).toMatchObject({ handler: 'charge', envelope: { id: published.id } });
    expect(streams.run.code).toBe(0);
    expect(streams.doc.streams).toEqual([
      expect.objectContaining({ type: 'order.placed', stream: `{${prefix}}:stream|order.placed`, length: 1, groups: [expect.objectContaining({ name: 'billing', pending: 0 })] }),
    ]);
    expect(replay.run).toMatchObject({ code: 0 });
    expect(replay.doc).toEqual({ replayed: [entryId], failed: [] });
    expect(handled).toEqual([published.id]);
    expect(await bus.deadLetters.count()).toBe(0);
  });
});
