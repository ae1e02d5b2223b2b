import { afterEach, describe, expect, it } from 'vitest';
import { PublishTimeoutError, RedisEventBus } from '../../src/index.js';
import { anOrder, OrderPlaced } from '../fixtures/shop.js';
import { canRestartRedis, useRedisServer } from '../support/redis-server.js';
import { quietWindow, uniquePrefix, waitFor } from '../support/wait-for.js';

const redis = useRedisServer();
const buses: RedisEventBus[] = [];
afterEach(async () => {
  await Promise.allSettled(buses.splice(0).map((bus) => bus.shutdown({ timeoutMs: 1_000 })));
  if (canRestartRedis && redis.server.pid === undefined) await redis.server.restart();
});

function newBus(options: ConstructorParameters<typeof RedisEventBus>[0] = {}) {
  const bus = new RedisEventBus({ redisUrl: redis.url, prefix: uniquePrefix(), logger: false, batching: true, ...options });
  buses.push(bus);
  return bus;
}

describe.skipIf(!canRestartRedis)('RedisEventBus with batching when Redis goes away', () => {
  it('holds the publishes of an outage and sends them once Redis is back, every event handled once', async () => {
    const bus = newBus({ publishTimeoutMs: 8_000 });
    const seen: string[] = [];
    bus.subscribe(OrderPlaced, (e) => void seen.push(e.payload.orderId), { name: 'h' });
    await bus.start();
    await redis.server.kill('SIGKILL');
    await waitFor(async () => (await bus.health()).status === 'degraded');
    const publishing = Promise.all([1, 2, 3, 4, 5].map((n) => bus.publish(anOrder(n))));
    let settled = false;
    void publishing.finally(() => (settled = true));
    await quietWindow(200);
    expect(settled).toBe(false);
    await redis.server.restart();
    await publishing;
    expect(bus.stats().published).toBe(5);
    await waitFor(async () => (await bus.health()).status === 'ready', { timeoutMs: 10_000 });
    // Pub/Sub is at-most-once: the frame may have gone out before the subscriber was back.
    await waitFor(() => seen.length === 5 || bus.stats().publishedToNoSubscriber === 5);
    if (seen.length > 0) expect(seen.sort()).toEqual(['o-1', 'o-2', 'o-3', 'o-4', 'o-5']);
  });

  it('fails every publish of a frame with PublishTimeoutError when the outage outlasts publishTimeoutMs', async () => {
    const bus = newBus({ publishTimeoutMs: 300 });
    await bus.start();
    await redis.server.kill('SIGKILL');
    await waitFor(async () => (await bus.health()).status === 'degraded');
    const results = await Promise.allSettled([1, 2, 3].map((n) => bus.publish(anOrder(n))));
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(PublishTimeoutError);
    }
    expect(bus.stats().published).toBe(0);
  });
});
