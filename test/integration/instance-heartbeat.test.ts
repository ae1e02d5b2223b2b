import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DurableEventBus, RedisDeadLetterQueue, RedisEventBus } from '../../src/index.js';
import { anOrder, OrderPlaced } from '../fixtures/shop.js';
import { useRedisServer } from '../support/redis-server.js';
import { uniquePrefix, waitFor } from '../support/wait-for.js';

const redis = useRedisServer();

let client: Redis;
let prefix: string;
const buses: (RedisEventBus | DurableEventBus)[] = [];

beforeAll(() => {
  client = new Redis(redis.url, { lazyConnect: true });
});
afterAll(() => client.disconnect());
afterEach(async () => {
  await Promise.allSettled(buses.splice(0).map((bus) => bus.shutdown({ timeoutMs: 1_000 })));
  const keys = await client.keys(`${prefix}:*`);
  if (keys.length > 0) await client.del(...keys);
});

function queue(): RedisDeadLetterQueue {
  return new RedisDeadLetterQueue(client, prefix);
}

describe('instance heartbeat', () => {
  it('reports each running bus with its health and stats, and removes the report on a clean shutdown', async () => {
    prefix = uniquePrefix();
    const pubsub = new RedisEventBus({ redisUrl: redis.url, prefix, service: 'shop', instanceId: 'web-1', logger: false });
    const durable = new DurableEventBus({ redisUrl: redis.url, prefix, service: 'billing', instanceId: 'worker-1', logger: false });
    buses.push(pubsub, durable);
    pubsub.subscribe(OrderPlaced, () => {}, { name: 'send-receipt' });
    await Promise.all([pubsub.start(), durable.start()]);
    await pubsub.publish(anOrder(1));

    await waitFor(async () => (await queue().instances()).length === 2, { message: 'both buses should report at start' });
    const [billing, shop] = await queue().instances();
    expect(shop).toMatchObject({ instance: 'shop/web-1', hostname: hostname(), pid: process.pid, health: { status: 'ready', transport: 'redis' } });
    expect(billing).toMatchObject({ instance: 'billing/worker-1', health: { transport: 'redis-streams' } });
    expect(Date.parse(shop!.lastSeen)).toBeGreaterThan(Date.now() - 10_000);
    expect(shop!.stats).toHaveProperty('handled');
    const ttl = await client.pttl(`${prefix}:instance:shop/web-1`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(15_000);

    await pubsub.shutdown();

    expect((await queue().instances()).map((i) => i.instance)).toEqual(['billing/worker-1']);
    expect(await client.exists(`${prefix}:instance:shop/web-1`)).toBe(0);
  });

  it('sends nothing to Redis per event: only the timer reports', async () => {
    prefix = uniquePrefix();
    const bus = new RedisEventBus({ redisUrl: redis.url, prefix, service: 'shop', instanceId: 'web-1', logger: false });
    buses.push(bus);
    let handled = 0;
    bus.subscribe(OrderPlaced, () => void handled++, { name: 'count' });
    await bus.start();
    await waitFor(async () => (await queue().instances()).length === 1);
    const before = await client.get(`${prefix}:instance:shop/web-1`);
    for (let n = 0; n < 50; n++) await bus.publish(anOrder(n));
    await waitFor(() => handled === 50);
    // The report is the one written at start until the next 5 s tick: publishing and handling wrote none.
    expect(await client.get(`${prefix}:instance:shop/web-1`)).toBe(before);
  });
});
