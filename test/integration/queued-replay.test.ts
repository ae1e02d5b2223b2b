import { describe, expect, it } from 'vitest';
import { type EventEnvelope, RedisDeadLetterQueue, RedisEventBus } from '../../src/index.js';
import { anOrder, OrderPlaced } from '../fixtures/shop.js';
import { useRedisServer } from '../support/redis-server.js';
import { useTestBuses } from '../support/test-buses.js';
import { quietWindow, waitFor } from '../support/wait-for.js';

const redis = useRedisServer();
const fast = { retries: 0, minTimeoutMs: 1, maxTimeoutMs: 2, jitter: false } as const;

const bed = useTestBuses(redis);

function bus(instanceId: string): RedisEventBus {
  return bed.track(new RedisEventBus({ redisUrl: redis.url, prefix: bed.prefix, logger: false, service: 'shop', instanceId }));
}

function queue(): RedisDeadLetterQueue {
  return new RedisDeadLetterQueue(bed.client, bed.prefix);
}

/** Dead-letters one order through a failing `send-receipt`, then stops that bus: no instance is left. */
async function aDeadLetterWithNoInstance(): Promise<string> {
  const failing = bus('failing');
  failing.subscribe(OrderPlaced, () => {
    throw new Error('mail server down');
  }, { name: 'send-receipt', ...fast });
  await failing.start();
  await failing.publish(anOrder(1));
  await waitFor(async () => (await queue().count()) === 1, { message: 'the order was not dead-lettered' });
  await failing.shutdown();
  const [entry] = (await queue().list()).entries;
  return entry!.id;
}

function recording(calls: { instance: string; envelope: EventEnvelope }[], instance: string, fail = false) {
  return (envelope: EventEnvelope) => {
    calls.push({ instance, envelope });
    if (fail) throw new Error('still down');
  };
}

describe('RedisDeadLetterQueue queued replay', () => {
  describe('when no instance with the handler runs', () => {
    it('queues the request, and the next instance with the handler runs it once at start and removes the entry', async () => {
      const id = await aDeadLetterWithNoInstance();

      const outcome = await queue().queueReplay(id);
      expect(outcome).toEqual({ id, status: 'queued', handler: 'send-receipt' });
      expect(await queue().queuedReplays()).toMatchObject([{ id, type: 'order.placed', handler: 'send-receipt' }]);

      const calls: { instance: string; envelope: EventEnvelope }[] = [];
      const next = bus('next');
      next.subscribe(OrderPlaced, recording(calls, 'next'), { name: 'send-receipt', ...fast });
      await next.start();

      await waitFor(async () => (await queue().count()) === 0, { message: () => `entry ${id} still in the DLQ after ${calls.length} calls` });
      expect(calls).toHaveLength(1);
      expect(calls[0]!.envelope.headers).toMatchObject({ 'herald-replay': '1', 'herald-dead-letter-id': id });
      expect(await queue().queuedReplays()).toEqual([]);
    });

    it('runs it once when two instances with the handler start at the same time', async () => {
      const id = await aDeadLetterWithNoInstance();
      await queue().queueReplay(id);
      const calls: { instance: string; envelope: EventEnvelope }[] = [];
      const starting = ['a', 'b'].map((instance) => {
        const b = bus(instance);
        b.subscribe(OrderPlaced, recording(calls, instance), { name: 'send-receipt', ...fast });
        return b;
      });

      await Promise.all(starting.map((b) => b.start()));

      await waitFor(async () => (await queue().count()) === 0, { message: `entry ${id} was not replayed` });
      await quietWindow(300);
      expect(calls).toHaveLength(1);
      expect(await queue().queuedReplays()).toEqual([]);
    });

    it('records a failed run on the entry, which stays, and does not run the request again at the next start', async () => {
      const id = await aDeadLetterWithNoInstance();
      await queue().queueReplay(id);
      const calls: { instance: string; envelope: EventEnvelope }[] = [];
      const first = bus('first');
      first.subscribe(OrderPlaced, recording(calls, 'first', true), { name: 'send-receipt', ...fast });
      await first.start();

      await waitFor(async () => (await queue().get(id))?.replays?.count === 1, { message: 'the failed replay was not recorded' });
      expect((await queue().get(id))?.replays?.lastError?.message).toBe('still down');
      expect(await queue().queuedReplays()).toEqual([]);
      const second = bus('second');
      second.subscribe(OrderPlaced, recording(calls, 'second'), { name: 'send-receipt', ...fast });
      await second.start();
      await quietWindow(300);
      expect(calls.map((c) => c.instance)).toEqual(['first']);
    });

    it('leaves the request queued for an instance without the handler', async () => {
      const id = await aDeadLetterWithNoInstance();
      await queue().queueReplay(id);
      const other = bus('other');
      other.subscribe(OrderPlaced, () => {}, { name: 'audit' });
      await other.start();
      await quietWindow(300);
      expect(await queue().queuedReplays()).toMatchObject([{ id }]);
      expect(await queue().count()).toBe(1);
    });
  });

  it('runs a request at once on a live instance with the handler', async () => {
    const id = await aDeadLetterWithNoInstance();
    const calls: { instance: string; envelope: EventEnvelope }[] = [];
    const live = bus('live');
    live.subscribe(OrderPlaced, recording(calls, 'live'), { name: 'send-receipt', ...fast });
    await live.start();

    await queue().queueReplay(id);

    await waitFor(async () => (await queue().count()) === 0, { message: `entry ${id} was not replayed by the live instance` });
    expect(calls).toHaveLength(1);
  });

  it('queues an entry once, withdraws it with the entry, and refuses an unknown id', async () => {
    const id = await aDeadLetterWithNoInstance();
    await queue().queueReplay(id);
    await queue().queueReplay(id);
    expect(await queue().queuedReplays()).toHaveLength(1);
    expect(await queue().remove(id)).toBe(true);
    expect(await queue().queuedReplays()).toEqual([]);
    expect(await queue().queueReplay('nope')).toMatchObject({ id: 'nope', status: 'failed', code: 'not-found' });
  });
});
