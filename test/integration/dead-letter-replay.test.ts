import { describe, expect, it } from 'vitest';
import {
  type DeadLetterEntry,
  type EventEnvelope,
  type HandlerContext,
  RedisDeadLetterQueue,
  RedisEventBus,
} from '../../src/index.js';
import { anOrder, OrderPlaced } from '../fixtures/shop.js';
import { useRedisServer } from '../support/redis-server.js';
import { useTestBuses } from '../support/test-buses.js';
import { quietWindow, simulateWork, waitFor } from '../support/wait-for.js';

const redis = useRedisServer();
const fast = { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2, jitter: false } as const;

const bed = useTestBuses<RedisEventBus>(redis);

function bus(instanceId: string): RedisEventBus {
  return bed.track(new RedisEventBus({ redisUrl: redis.url, prefix: bed.prefix, logger: false, service: 'shop', instanceId }));
}

function queue(): RedisDeadLetterQueue {
  return new RedisDeadLetterQueue(bed.client, bed.prefix);
}

/** A handler that fails while `failing` is set, recording each call with the instance it ran on. */
function switchable(calls: { instance: string; envelope: EventEnvelope; ctx: HandlerContext }[], instance: string, state: { failing: boolean }) {
  return (envelope: EventEnvelope, ctx: HandlerContext) => {
    calls.push({ instance, envelope, ctx });
    if (state.failing) throw new Error('mail server down');
  };
}

async function entriesOf(handler: string, count: number): Promise<DeadLetterEntry[]> {
  await waitFor(async () => (await queue().list({ handler })).total >= count, { message: `fewer than ${count} entries of ${handler}` });
  return (await queue().list({ handler })).entries;
}

describe('RedisDeadLetterQueue replay', () => {
  describe('when two instances have the failed handler and another handler of the type succeeded', () => {
    it('runs only the failed handler, once, on one instance, keeping id and correlationId, and removes the entry', async () => {
      const state = { failing: true };
      const mailer: { instance: string; envelope: EventEnvelope; ctx: HandlerContext }[] = [];
      const audit: string[] = [];
      for (const instance of ['a', 'b']) {
        const b = bus(instance);
        b.subscribe(OrderPlaced, switchable(mailer, instance, state), { name: 'send-receipt', ...fast });
        b.subscribe(OrderPlaced, (e) => void audit.push(e.id), { name: 'audit' });
        await b.start();
      }
      const published = await bed.buses[0]!.publish(anOrder(1), { correlationId: 'req-1' });
      const [entry] = await entriesOf('send-receipt', 2);
      await waitFor(() => audit.length === 2);
      state.failing = false;
      const before = mailer.length;

      const outcome = await queue().replay(entry!.id);

      expect(outcome).toMatchObject({ id: entry!.id, status: 'replayed', handler: 'send-receipt' });
      expect(mailer.length).toBe(before + 1);
      const replayed = mailer.at(-1)!;
      expect(replayed.envelope).toMatchObject({ id: published.id, correlationId: 'req-1', payload: published.payload });
      expect(replayed.envelope.headers).toMatchObject({ 'herald-replay': '1', 'herald-dead-letter-id': entry!.id });
      expect(replayed.ctx.attempt).toBe(1);
      expect(audit).toHaveLength(2);
      expect(await queue().get(entry!.id)).toBeUndefined();
      expect(await queue().count()).toBe(1);
      expect(await bed.client.hlen(`${bed.prefix}:dlq:claims`)).toBe(0);
    });
  });

  describe('when Redis dropped the connection that listens for replay requests', () => {
    it('listens again after the reconnect and replays', async () => {
      const state = { failing: true };
      const calls: { instance: string; envelope: EventEnvelope; ctx: HandlerContext }[] = [];
      const b = bus('a');
      b.subscribe(OrderPlaced, switchable(calls, 'a', state), { name: 'send-receipt', ...fast });
      await b.start();
      await b.publish(anOrder(1));
      const [entry] = await entriesOf('send-receipt', 1);
      const requests = `${bed.prefix}:control|replay`;
      const list = (await bed.client.client('LIST')) as string;
      const line = list.split('\n').find((l) => l.includes(`name=herald:${requests}`));
      await bed.client.client('KILL', 'ID', /id=(\d+)/.exec(line ?? '')![1]!);
      await waitFor(async () => {
        const [, listeners] = (await bed.client.pubsub('NUMSUB', requests)) as [string, number];
        return listeners === 1;
      });
      state.failing = false;
      await expect(queue().replay(entry!.id)).resolves.toMatchObject({ status: 'replayed' });
    });
  });

  describe('when the replayed handler fails again', () => {
    it('keeps the entry where it was, with its replay count, time and error', async () => {
      const calls: { instance: string; envelope: EventEnvelope; ctx: HandlerContext }[] = [];
      const b = bus('a');
      b.subscribe(OrderPlaced, switchable(calls, 'a', { failing: true }), { name: 'send-receipt', ...fast });
      await b.start();
      await b.publish(anOrder(1));
      const [entry] = await entriesOf('send-receipt', 1);

      const first = await queue().replay(entry!.id);
      const second = await queue().replay(entry!.id);

      expect(first).toMatchObject({ status: 'failed', code: 'handler-failed' });
      expect(second).toMatchObject({ status: 'failed', code: 'handler-failed' });
      expect(second.status === 'failed' && second.reason).toMatch(/send-receipt.*mail server down.*2 failed replays/);
      expect(calls.map((c) => c.envelope.headers?.['herald-replay'])).toEqual([undefined, undefined, '1', '2']);
      const kept = await queue().get(entry!.id);
      expect(kept).toMatchObject({ ...entry, replays: { count: 2, lastError: { name: 'Error', message: 'mail server down' } } });
      expect(Date.parse(kept!.replays!.lastAt)).toBeGreaterThan(Date.parse(entry!.deadLetteredAt) - 1);
      expect(await bed.client.lrange(`${bed.prefix}:dlq`, 0, -1)).toEqual([entry!.id]);
    });
  });

  describe('when no instance can run the handler', () => {
    it('reports that no live instance listens and leaves the entry', async () => {
      const entry = await queue().add(failedInput('send-receipt'));
      const outcome = await queue().replay(entry.id);
      expect(outcome).toMatchObject({ status: 'failed', code: 'no-live-instance' });
      expect(outcome.status === 'failed' && outcome.reason).toMatch(/No live instance of prefix .* listens.*send-receipt/);
      expect(await queue().get(entry.id)).toEqual(entry);
    });

    it('reports that none of the live instances has the handler, without waiting for the claim timeout', async () => {
      const b = bus('a');
      b.subscribe(OrderPlaced, () => {}, { name: 'audit' });
      await b.start();
      const entry = await queue().add(failedInput('send-receipt'));
      const started = Date.now();
      const outcome = await queue().replay(entry.id, { claimTimeoutMs: 10_000 });
      expect(outcome).toMatchObject({ status: 'failed', code: 'no-handler' });
      expect(outcome.status === 'failed' && outcome.reason).toMatch(/None of the 1 live instance .* has handler "send-receipt"/);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await queue().get(entry.id)).toEqual(entry);
    });

    it('refuses an undecodable entry, saying what to do with it', async () => {
      const entry = await queue().add({ ...failedInput(undefined), reason: 'undecodable', raw: '{nope', envelope: undefined });
      const outcome = await queue().replay(entry.id);
      expect(outcome).toMatchObject({ status: 'failed', code: 'unreplayable' });
      expect(outcome.status === 'failed' && outcome.reason).toMatch(/no decodable event.*herald dlq remove/);
    });

    it('reports an unknown id', async () => {
      expect(await queue().replay('no-such-id')).toMatchObject({ status: 'failed', code: 'not-found' });
    });
  });

  describe('when the control plane is handed forged input', () => {
    /** A bus with a handler that records what it is given, and an entry naming that handler. */
    async function forged(envelope: unknown): Promise<{ calls: unknown[]; entryId: string }> {
      const calls: unknown[] = [];
      const b = bus('a');
      b.subscribe(OrderPlaced, (e) => void calls.push(e), { name: 'send-receipt' });
      await b.start();
      const entry = await queue().add(failedInput('send-receipt'));
      // Written as anyone with access to the keys could: the envelope is not one a bus would accept.
      await bed.client.hset(`${bed.prefix}:dlq:entries`, entry.id, JSON.stringify({ ...entry, envelope }));
      return { calls, entryId: entry.id };
    }

    it('refuses to replay an entry whose envelope a receiver would refuse, and runs no handler', async () => {
      const { calls, entryId } = await forged({ id: { $gt: '' }, type: 'order.placed', correlationId: 'c-1', payload: {} });
      const outcome = await queue().replay(entryId);
      expect(outcome).toMatchObject({ status: 'failed', code: 'unreplayable' });
      expect(outcome.status === 'failed' && outcome.reason).toMatch(/not a valid event.*"id" must be/);
      expect(calls).toEqual([]);
      expect(await queue().count()).toBe(1);
    });

    it('runs no handler for such an entry when a forged request names it directly', async () => {
      const { calls, entryId } = await forged({ id: 'e-1', type: 'order.placed', correlationId: 'c-1', payload: {} });
      const replyTo = `${bed.prefix}:control|reply:forged`;
      const replies: string[] = [];
      const listener = bed.client.duplicate();
      listener.on('message', (_channel: string, text: string) => void replies.push(text));
      await listener.subscribe(replyTo);
      try {
        const request = { requestId: 'r-1', entryId, handler: 'send-receipt', leaseMs: 1_000, replyTo };
        await bed.client.publish(`${bed.prefix}:control|replay`, JSON.stringify(request));
        await waitFor(() => replies.some((reply) => reply.includes('"released"')), { message: () => `replies: ${replies.join(', ')}` });
        expect(calls).toEqual([]);
        expect(await queue().count()).toBe(1);
      } finally {
        listener.disconnect();
      }
    });

    it('ignores a request whose replyTo is not a reply channel of its prefix, and publishes nothing there', async () => {
      const calls: string[] = [];
      const b = bus('a');
      b.subscribe(OrderPlaced, (e) => void calls.push(e.id), { name: 'send-receipt' });
      await b.start();
      const entry = await queue().add(failedInput('send-receipt'));
      const heard: string[] = [];
      const listener = bed.client.duplicate();
      listener.on('pmessage', (_pattern: string, channel: string) => void heard.push(channel));
      await listener.psubscribe('*');
      try {
        for (const replyTo of [`${bed.prefix}:events|order.placed`, 'billing:control|reply:x', `${bed.prefix}:control|replay`, `${bed.prefix}:control|reply:`]) {
          const request = { requestId: `r-${heard.length}`, entryId: entry.id, handler: 'send-receipt', leaseMs: 1_000, replyTo };
          await bed.client.publish(`${bed.prefix}:control|replay`, JSON.stringify(request));
        }
        await quietWindow(500);
        expect(heard.filter((channel) => channel !== `${bed.prefix}:control|replay`)).toEqual([]);
        expect(calls).toEqual([]);
        expect(await queue().get(entry.id)).toEqual(entry);
      } finally {
        listener.disconnect();
      }
    });
  });

  describe('when two replays of one entry race', () => {
    it('runs the handler once; the other replay reports the entry busy or gone', async () => {
      const calls: { instance: string; envelope: EventEnvelope; ctx: HandlerContext }[] = [];
      const state = { failing: true };
      for (const instance of ['a', 'b', 'c']) {
        const b = bus(instance);
        b.subscribe(OrderPlaced, async (e, ctx) => {
          switchable(calls, instance, state)(e, ctx);
          if (!state.failing) await simulateWork(200);
        }, { name: 'send-receipt', ...fast });
        await b.start();
      }
      await bed.buses[0]!.publish(anOrder(1));
      const [entry] = await entriesOf('send-receipt', 3);
      state.failing = false;
      const before = calls.length;

      const outcomes = await Promise.all([queue().replay(entry!.id), queue().replay(entry!.id), queue().replay(entry!.id)]);

      expect(calls.length - before).toBe(1);
      expect(outcomes.filter((o) => o.status === 'replayed')).toHaveLength(1);
      for (const o of outcomes.filter((o) => o.status === 'failed')) expect(['busy', 'not-found']).toContain(o.status === 'failed' && o.code);
      expect(await queue().get(entry!.id)).toBeUndefined();
    });
  });

  describe('when the instance shuts down while the replayed handler runs', () => {
    it('drains the replay like other in-flight work, removing the entry before it closes', async () => {
      const b = bus('a');
      let release!: () => void;
      const started = new Promise<void>((resolve) => {
        b.subscribe(OrderPlaced, () => {
          resolve();
          return new Promise<void>((done) => (release = done));
        }, { name: 'send-receipt' });
      });
      await b.start();
      const entry = await queue().add(failedInput('send-receipt'));

      const replay = queue().replay(entry.id);
      await started;
      expect(b.stats().inFlight).toBe(1);
      let closed = false;
      const shutdown = b.shutdown({ timeoutMs: 5_000 }).then(() => (closed = true));
      await quietWindow(300);
      expect(closed).toBe(false);
      release();
      await shutdown;

      expect(await replay).toMatchObject({ status: 'replayed' });
      expect(await queue().get(entry.id)).toBeUndefined();
    });
  });

  describe('replayAll', () => {
    it('replays the matching entries oldest first, reporting progress, and leaves the others', async () => {
      const seen: string[] = [];
      const b = bus('a');
      b.subscribe(OrderPlaced, (e) => void seen.push((e.payload as { orderId: string }).orderId), { name: 'send-receipt' });
      await b.start();
      const entries = [];
      for (let i = 0; i < 3; i++) entries.push(await queue().add(failedInput('send-receipt', i)));
      const other = await queue().add(failedInput('charge-card', 9));
      const progress: number[] = [];

      const report = await queue().replayAll({ handler: 'send-receipt' }, (p) => progress.push(p.done * 10 + p.total));

      expect(report).toEqual({ replayed: entries.map((e) => e.id), failed: [] });
      expect(seen).toEqual(['o-0', 'o-1', 'o-2']);
      expect(progress).toEqual([13, 23, 33]);
      expect((await queue().list()).entries.map((e) => e.id)).toEqual([other.id]);
    });
  });
});

function failedInput(handler: string | undefined, n = 1) {
  const now = new Date().toISOString();
  const envelope = { id: `evt-${n}`, type: 'order.placed', timestamp: now, correlationId: `req-${n}`, payload: anOrder(n).payload };
  return {
    reason: 'retries-exhausted' as const,
    envelope,
    ...(handler === undefined ? {} : { handler }),
    error: { name: 'Error', message: 'mail server down' },
    attempts: 2,
    firstFailedAt: now,
    lastFailedAt: now,
  };
}
