import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { DurableEventBus, RedisDeadLetterQueue, RedisEventBus } from '../../src/index.js';
import { anOrder, OrderPlaced } from '../fixtures/shop.js';
import { useRedisServer } from '../support/redis-server.js';
import { useTestBuses } from '../support/test-buses.js';
import { waitFor } from '../support/wait-for.js';

const redis = useRedisServer();

const bed = useTestBuses(redis);

function queue(): RedisDeadLetterQueue {
  return new RedisDeadLetterQueue(bed.client, bed.prefix);
}

describe('instance heartbeat', () => {
  it('reports each running bus with its health and stats, and removes the report on a clean shutdown', async () => {
    const pubsub = bed.track(new RedisEventBus({ redisUrl: redis.url, prefix: bed.prefix, service: 'shop', instanceId: 'web-1', logger: false }));
    const durable = bed.track(new DurableEventBus({ redisUrl: redis.url, prefix: bed.prefix, service: 'billing', instanceId: 'worker-1', logger: false }));
    pubsub.subscribe(OrderPlaced, () => {}, { name: 'send-receipt' });
    await Promise.all([pubsub.start(), durable.start()]);
    await pubsub.publish(anOrder(1));

    await waitFor(async () => (await queue().instances()).length === 2, { message: 'both buses should report at start' });
    const [billing, shop] = await queue().instances();
    expect(shop).toMatchObject({ instance: 'shop/web-1', hostname: hostname(), pid: process.pid, health: { status: 'ready', transport: 'redis' } });
    expect(billing).toMatchObject({ instance: 'billing/worker-1', health: { transport: 'redis-streams' } });
    expect(Date.parse(shop!.lastSeen)).toBeGreaterThan(Date.now() - 10_000);
    expect(shop!.stats).toHaveProperty('handled');
    const ttl = await bed.client.pttl(`${bed.prefix}:instance:shop/web-1`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(15_000);

    await pubsub.shutdown();

    expect((await queue().instances()).map((i) => i.instance)).toEqual(['billing/worker-1']);
    expect(await bed.client.exists(`${bed.prefix}:instance:shop/web-1`)).toBe(0);
  });

  it('sends nothing to Redis per event: only the timer reports', async () => {
    const bus = bed.track(new RedisEventBus({ redisUrl: redis.url, prefix: bed.prefix, service: 'shop', instanceId: 'web-1', logger: false }));
    let handled = 0;
    bus.subscribe(OrderPlaced, () => void handled++, { name: 'count' });
    await bus.start();
    await waitFor(async () => (await queue().instances()).length === 1);
    const before = await bed.client.get(`${bed.prefix}:instance:shop/web-1`);
    for (let n = 0; n < 50; n++) await bus.publish(anOrder(n));
    await waitFor(() => handled === 50);
    // The report is the one written at start until the next 5 s tick: publishing and handling wrote none.
    expect(await bed.client.get(`${bed.prefix}:instance:shop/web-1`)).toBe(before);
  });
});
