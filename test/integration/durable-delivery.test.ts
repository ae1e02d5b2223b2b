import { describe, expect, it } from 'vitest';
import { type Logger, RedisDeadLetterQueue } from '../../src/index.js';
import { anOrder, OrderPlaced, OrderShipped } from '../fixtures/shop.js';
import { useDurableBuses } from '../support/durable-buses.js';
import { useRedisServer } from '../support/redis-server.js';
import { quietWindow, simulateWork, waitFor } from '../support/wait-for.js';

const redis = useRedisServer();
const bed = useDurableBuses(redis, { group: 'shop' });
const bus = bed.bus;

/** Entries of the group on the type's stream not yet acknowledged. */
async function pendingOf(type: string, group = 'shop'): Promise<number> {
  const [count] = (await bed.client.xpending(`${bed.prefix}:stream|${type}`, group)) as [number];
  return count;
}

describe('DurableEventBus', () => {
  describe('with several instances of one group', () => {
    it('hands each event to exactly one of them, and acknowledges it', async () => {
      const seen = new Map<string, string[]>();
      for (const instance of ['a', 'b', 'c']) {
        const b = bus({ instanceId: instance });
        b.subscribe(OrderPlaced, async (e) => {
          await simulateWork(1);
          seen.set(e.id, [...(seen.get(e.id) ?? []), instance]);
        }, { name: 'bill' });
        await b.start();
      }
      const published = await Promise.all(Array.from({ length: 300 }, (_, i) => bed.buses[i % 3]!.publish(anOrder(i))));
      await waitFor(() => seen.size === 300);
      await quietWindow(100);
      expect([...seen.values()].every((instances) => instances.length === 1)).toBe(true);
      expect(new Set(seen.keys())).toEqual(new Set(published.map((e) => e.id)));
      await waitFor(async () => (await pendingOf('order.placed')) === 0);
    });
  });

  describe('with several groups', () => {
    it('gives every group every event', async () => {
      const billing: string[] = [];
      const shipping: string[] = [];
      const a = bus({ group: 'billing' });
      const b = bus({ group: 'shipping' });
      a.subscribe(OrderPlaced, (e) => void billing.push(e.id), { name: 'bill' });
      b.subscribe(OrderPlaced, (e) => void shipping.push(e.id), { name: 'ship' });
      await Promise.all([a.start(), b.start()]);
      for (let i = 0; i < 20; i++) await a.publish(anOrder(i));
      await waitFor(() => billing.length === 20 && shipping.length === 20);
      expect(shipping).toEqual(billing);
    });
  });

  describe('when every instance of a group is down', () => {
    it('delivers what was published meanwhile once one starts', async () => {
      const first = bus({ instanceId: 'first' });
      first.subscribe(OrderPlaced, () => {}, { name: 'bill' });
      await first.start();
      await first.shutdown();

      const publisher = bus({ group: 'storefront' });
      const sent = [];
      for (let i = 0; i < 50; i++) sent.push((await publisher.publish(anOrder(i))).id);

      const seen: string[] = [];
      const second = bus({ instanceId: 'second' });
      second.subscribe(OrderPlaced, (e) => void seen.push(e.id), { name: 'bill' });
      await second.start();
      await waitFor(() => seen.length === 50);
      expect(seen).toEqual(sent);
    });
  });

  describe('when a group is created', () => {
    it("starts after the stream's last entry by default, or at its first with startFrom: 'earliest'", async () => {
      const publisher = bus({ group: 'storefront' });
      const early = await publisher.publish(anOrder(1));
      const latest: string[] = [];
      const earliest: string[] = [];
      const a = bus({ group: 'latest' });
      const b = bus({ group: 'earliest', startFrom: 'earliest' });
      a.subscribe(OrderPlaced, (e) => void latest.push(e.id), { name: 'h' });
      b.subscribe(OrderPlaced, (e) => void earliest.push(e.id), { name: 'h' });
      await Promise.all([a.start(), b.start()]);
      const late = await publisher.publish(anOrder(2));
      await waitFor(() => latest.length === 1 && earliest.length === 2);
      expect(latest).toEqual([late.id]);
      expect(earliest).toEqual([early.id, late.id]);
    });

    it("warns how many entries a new group skips at 'latest', and how to read them", async () => {
      const publisher = bus({ group: 'storefront' });
      for (let i = 0; i < 3; i++) await publisher.publish(anOrder(i));
      const warnings = (group: string, startFrom?: 'earliest') => {
        const seen: { fields: Record<string, unknown>; msg: string }[] = [];
        const logger: Logger = {
          debug() {},
          info() {},
          error() {},
          warn: (fields: unknown, msg?: string) => void seen.push({ fields: fields as Record<string, unknown>, msg: msg ?? '' }),
          child: () => logger,
        };
        const consumer = bus({ group, logger, ...(startFrom ? { startFrom } : {}) });
        consumer.subscribe(OrderPlaced, () => {}, { name: 'h' });
        consumer.subscribe(OrderShipped, () => {}, { name: 'h2' });
        return { consumer, seen };
      };

      const late = warnings('billing');
      const early = warnings('audit', 'earliest');
      await Promise.all([late.consumer.start(), early.consumer.start()]);
      const again = warnings('billing');
      await again.consumer.start();

      // Only the stream that held entries, only for the group created at 'latest', only when it was created.
      expect(late.seen).toEqual([
        {
          fields: expect.objectContaining({ stream: `${bed.prefix}:stream|order.placed`, group: 'billing', skipped: 3 }),
          msg: expect.stringMatching(/skips the 3 entries already in the stream.*startFrom: 'earliest'/),
        },
      ]);
      expect(early.seen).toEqual([]);
      expect(again.seen).toEqual([]);
    });
  });

  describe('with a pattern subscription', () => {
    it('finds the stream of a type first published after start and reads all of it', async () => {
      const seen: string[] = [];
      const consumer = bus();
      consumer.subscribe('order.*', (e) => void seen.push(e.type), { name: 'orders' });
      await consumer.start();
      const publisher = bus({ group: 'storefront' });
      await publisher.publish(anOrder(1));
      await publisher.publish(OrderShipped.create({ orderId: 'o-1' }));
      await publisher.publish({ type: 'user.registered', payload: {} });
      await waitFor(() => seen.length === 2, { timeoutMs: 5_000 });
      expect(seen.sort()).toEqual(['order.placed', 'order.shipped']);
      expect((await consumer.health()).subscriptions).toEqual({ confirmed: 1, pending: 0 });
    });
  });

  describe('with a pattern subscription made after start', () => {
    it('starts after the last entry of the types already published, and reads new types from their start', async () => {
      const publisher = bus({ group: 'storefront' });
      const old = await publisher.publish(anOrder(1));
      const consumer = bus();
      consumer.subscribe(OrderShipped, () => {}, { name: 'ship' });
      await consumer.start();
      const seen: string[] = [];
      consumer.subscribe('order.*', (e) => void seen.push(e.id), { name: 'orders' });
      await waitFor(async () => (await consumer.health()).subscriptions.pending === 0);
      const fresh = await publisher.publish(anOrder(2));
      const refunded = await publisher.publish({ type: 'order.refunded', payload: { orderId: 'o-1' } });
      await waitFor(() => seen.length === 2, { timeoutMs: 5_000 });
      expect(seen.sort()).toEqual([fresh.id, refunded.id].sort());
      expect(seen).not.toContain(old.id);
    });
  });

  describe('when a handler is slower than claimIdleMs', () => {
    it('keeps its claim alive, so no other instance takes the event', async () => {
      const runs: string[] = [];
      for (const instance of ['slow', 'idle']) {
        const b = bus({ instanceId: instance, claimIdleMs: 100 });
        b.subscribe(OrderPlaced, async () => {
          runs.push(instance);
          await simulateWork(800);
        }, { name: 'bill' });
        await b.start();
      }
      await bed.buses[0]!.publish(anOrder(1));
      await waitFor(() => runs.length === 1);
      await waitFor(async () => (await pendingOf('order.placed')) === 0, { timeoutMs: 3_000 });
      expect(runs).toHaveLength(1);
      expect(bed.buses.map((b) => b.stats().reclaimed)).toEqual([0, 0]);
    });
  });

  describe('with several handlers per event and little room', () => {
    it('holds back reading instead of dead-lettering buffer overflows', async () => {
      const b = bus({ concurrency: 2, maxBufferedDeliveries: 0 });
      let handled = 0;
      for (const name of ['one', 'two', 'three']) {
        b.subscribe(OrderPlaced, async () => {
          await simulateWork(2);
          handled++;
        }, { name });
      }
      await b.start();
      for (let i = 0; i < 20; i++) await b.publish(anOrder(i));
      await waitFor(() => handled === 60);
      expect(await new RedisDeadLetterQueue(bed.client, bed.prefix).count()).toBe(0);
      await waitFor(async () => (await pendingOf('order.placed')) === 0);
    });
  });

  describe('when subscribing after start()', () => {
    it('reports the subscription pending until its stream is read, then delivers', async () => {
      const b = bus();
      b.subscribe(OrderPlaced, () => {}, { name: 'bill' });
      await b.start();
      const seen: string[] = [];
      b.subscribe(OrderShipped, (e) => void seen.push(e.id), { name: 'ship' });
      expect((await b.health()).subscriptions).toEqual({ confirmed: 1, pending: 1 });
      await waitFor(async () => (await b.health()).subscriptions.pending === 0);
      const shipped = await b.publish(OrderShipped.create({ orderId: 'o-1' }));
      await waitFor(() => seen.length === 1);
      expect(seen).toEqual([shipped.id]);
    });
  });

  describe('when shut down under load with a short deadline', () => {
    it('leaves what did not finish for the next instance: every event handled, none dead-lettered', async () => {
      const handled = new Set<string>();
      const first = bus({ instanceId: 'first', concurrency: 50, claimIdleMs: 300 });
      first.subscribe(OrderPlaced, async (e) => {
        await simulateWork(5 + (e.payload.amount % 40));
        handled.add(e.id);
      }, { name: 'bill' });
      await first.start();
      const publisher = bus({ group: 'storefront' });
      const sent = await Promise.all(Array.from({ length: 500 }, (_, i) => publisher.publish(anOrder(i))));
      await waitFor(() => handled.size >= 50);
      await first.shutdown({ timeoutMs: 20 });
      expect(handled.size).toBeLessThan(500);

      const second = bus({ instanceId: 'second', concurrency: 50, claimIdleMs: 300 });
      second.subscribe(OrderPlaced, (e) => void handled.add(e.id), { name: 'bill' });
      await second.start();
      await waitFor(() => handled.size === 500, { timeoutMs: 10_000, message: () => `${handled.size} of 500 handled` });
      expect(new Set(sent.map((e) => e.id))).toEqual(handled);
      await waitFor(async () => (await pendingOf('order.placed')) === 0);
      expect(await new RedisDeadLetterQueue(bed.client, bed.prefix).count()).toBe(0);
    });
  });

  describe('when shutdown leaves an event with one handler done and one not', () => {
    it('delivers it again to the unfinished handler only', async () => {
      const runs: string[] = [];
      const first = bus({ instanceId: 'first', claimIdleMs: 300 });
      first.subscribe(OrderPlaced, () => void runs.push('fast@first'), { name: 'fast' });
      first.subscribe(OrderPlaced, () => {
        runs.push('stuck@first');
        return new Promise(() => {});
      }, { name: 'stuck' });
      await first.start();
      await first.publish(anOrder(1));
      await waitFor(() => runs.length === 2);
      await first.shutdown({ timeoutMs: 50 });

      const second = bus({ instanceId: 'second', claimIdleMs: 300 });
      second.subscribe(OrderPlaced, () => void runs.push('fast@second'), { name: 'fast' });
      second.subscribe(OrderPlaced, () => void runs.push('stuck@second'), { name: 'stuck' });
      await second.start();
      await waitFor(() => runs.includes('stuck@second'));
      await waitFor(async () => (await pendingOf('order.placed')) === 0);
      expect(runs.sort()).toEqual(['fast@first', 'stuck@first', 'stuck@second']);
      await waitFor(async () => (await bed.client.hlen(`${bed.prefix}:stream-handled:shop`)) === 0);
    });
  });

  describe('when a handler fails for good', () => {
    it('dead-letters it, acknowledges the event, and a replay runs the handler again', async () => {
      let failing = true;
      const calls: number[] = [];
      const b = bus();
      b.subscribe(OrderPlaced, (_e, ctx) => {
        calls.push(ctx.attempt);
        if (failing) throw new Error('mail server down');
      }, { name: 'send-receipt', retries: 1, minTimeoutMs: 1, jitter: false });
      await b.start();
      const published = await b.publish(anOrder(1));
      const queue = new RedisDeadLetterQueue(bed.client, bed.prefix);
      await waitFor(async () => (await queue.count()) === 1);
      const { entries } = await queue.list();
      expect(entries[0]).toMatchObject({ reason: 'retries-exhausted', handler: 'send-receipt', attempts: 2, envelope: { id: published.id } });
      await waitFor(async () => (await pendingOf('order.placed')) === 0);

      failing = false;
      await expect(queue.replay(entries[0]!.id)).resolves.toMatchObject({ status: 'replayed' });
      expect(calls).toEqual([1, 2, 1]);
      expect(await queue.count()).toBe(0);
    });
  });
});
