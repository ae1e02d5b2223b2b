import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisEventBus } from '../../src/index.js';
import { anOrder, OrderPlaced } from '../fixtures/shop.js';
import { useRedisServer } from '../support/redis-server.js';
import { trackBuses } from '../support/test-buses.js';
import { uniquePrefix, waitFor } from '../support/wait-for.js';

const redis = useRedisServer();
const { track } = trackBuses();

describe(RedisEventBus, () => {
  describe('when 1,000 events are published to 3 handlers', () => {
    it('runs each handler once per event, none twice and none missed', async () => {
      const bus = track(new RedisEventBus({ redisUrl: redis.url, prefix: uniquePrefix(), logger: false }));
      const seen = new Map<string, string[]>([['a', []], ['b', []], ['c', []]]);
      for (const name of seen.keys()) {
        bus.subscribe(OrderPlaced, async (event) => void seen.get(name)!.push(event.id), { name });
      }
      await bus.start();
      const published = await Promise.all(Array.from({ length: 1_000 }, (_, i) => bus.publish(anOrder(i))));
      const ids = published.map((e) => e.id).sort();

      await waitFor(() => [...seen.values()].every((list) => list.length >= 1_000), {
        timeoutMs: 10_000,
        message: () => [...seen].map(([name, list]) => `${name}: ${list.length}`).join(', '),
      });
      for (const [name, list] of seen) {
        expect(list.length, name).toBe(1_000);
        expect([...list].sort(), name).toEqual(ids);
      }
      expect(bus.stats()).toMatchObject({ published: 1_000, received: 1_000, handled: 3_000, deadLettered: 0 });
    });
  });

  describe('when several services share one Redis', () => {
    it('keeps prefixes apart even for pattern subscriptions', async () => {
      const prefix = uniquePrefix();
      const spy = new Redis(redis.url);
      const channels: string[] = [];
      spy.on('pmessage', (_p: string, channel: string) => channels.push(channel));
      await spy.psubscribe('*');
      const bus = track(new RedisEventBus({ redisUrl: redis.url, prefix, logger: false }));
      await bus.start();
      await bus.publish(anOrder(1));
      await waitFor(() => channels.length === 1);
      expect(channels).toEqual([`${prefix}:events|order.placed`]);
      await spy.quit();
    });
  });
});
