import { describe, expect, it } from 'vitest';
import { BusClosedError, type EventEnvelope } from '../../src/index.js';
import { anOrder, OrderPlaced, UserRegistered, WelcomeEmailSent } from '../fixtures/shop.js';
import { quietWindow, simulateWork, waitFor } from '../support/wait-for.js';
import { type BusFactory, recorder, useBuses } from './harness.js';

/** Start, health, correlation, garbage on the wire and shutdown, for every transport. */
export function lifecycleContract(factory: () => BusFactory): void {
  const t = useBuses(factory);

  /** Starts `bus` with an OrderPlaced handler and returns the ids it is handed (once one arrived). */
  async function redeliveredTo(bus: ReturnType<typeof t.bus>): Promise<string[]> {
    const seen = recorder<string>();
    bus.subscribe(OrderPlaced, (e) => seen.push(e.id), { name: 'stuck' });
    await bus.start();
    await waitFor(() => seen.seen.length > 0, { message: 'the unfinished event was not delivered again' });
    return seen.seen;
  }

  describe('when started', () => {
    it('reports ready once every subscription is confirmed', async () => {
      const bus = t.bus();
      bus.subscribe(OrderPlaced, () => {}, { name: 'a' });
      bus.subscribe('user.*', () => {}, { name: 'b' });
      expect((await bus.health()).status).toBe('starting');
      await bus.start();
      const health = await bus.health();
      expect(health).toMatchObject({
        status: 'ready',
        subscriptions: { confirmed: 2, pending: 0 },
        deadLetters: 0,
        inFlight: 0,
        connections: { publisher: 'ready', subscriber: 'ready' },
      });
    });
  });

  describe('when a handler publishes', () => {
    it('threads the correlationId and sets causationId to the incoming event', async () => {
      const bus = t.bus();
      const sent = recorder<EventEnvelope>();
      bus.subscribe(UserRegistered, async (event, ctx) => {
        await ctx.publish(WelcomeEmailSent.create({ userId: event.payload.userId }));
      }, { name: 'send-welcome-email' });
      bus.subscribe(WelcomeEmailSent, (event) => sent.push(event), { name: 'track' });
      await bus.start();
      const registered = await bus.publish(UserRegistered.create({ userId: 'u1', email: 'a@b.c' }), { correlationId: 'http-42' });
      await waitFor(() => sent.seen.length === 1);
      expect(sent.seen[0]).toMatchObject({ correlationId: 'http-42', causationId: registered.id, payload: { userId: 'u1' } });
    });
  });

  describe('when garbage arrives on a channel', () => {
    it.runIf(factory().capabilities.rawInjection)('dead-letters it with the reason and keeps delivering valid events', async () => {
      const bus = t.bus();
      const seen = recorder<string>();
      bus.subscribe(OrderPlaced, (e) => seen.push(e.payload.orderId), { name: 'projector' });
      await bus.start();
      await factory().injectRaw(t.prefix, 'order.placed', 'this is not json');
      await factory().injectRaw(t.prefix, 'order.placed', JSON.stringify({ id: 'x', type: 'order.placed' }));
      await bus.publish(anOrder(1));
      await waitFor(() => seen.seen.length === 1);
      await waitFor(async () => (await bus.deadLetters.count()) === 2);
      const { entries } = await bus.deadLetters.list();
      expect(entries.map((e) => e.reason)).toEqual(['undecodable', 'undecodable']);
      expect(entries[0]).toMatchObject({ raw: 'this is not json', type: 'unknown', attempts: 0, error: { name: 'EnvelopeDecodeError' } });
      expect(entries[0]!.handler).toBeUndefined();
      expect(entries[1]!.error.message).toContain('timestamp');
    });
  });

  describe('when a message is seen through several subscriptions', () => {
    it.runIf(factory().capabilities.rawInjection)('dead-letters garbage once and counts it once', async () => {
      const bus = t.bus();
      bus.subscribe(OrderPlaced, () => {}, { name: 'exact' });
      bus.subscribe('order.*', () => {}, { name: 'pattern' });
      bus.subscribe('*', () => {}, { name: 'all' });
      await bus.start();
      await factory().injectRaw(t.prefix, 'order.placed', '{"broken":');
      await bus.publish(anOrder(1));
      await waitFor(() => bus.stats().handled === 3);
      expect(await bus.deadLetters.count()).toBe(1);
      expect(bus.stats().received).toBe(2);
    });

    it.runIf(factory().capabilities.rawInjection)('refuses an envelope whose type does not match its channel', async () => {
      const bus = t.bus();
      const ran: string[] = [];
      bus.subscribe(OrderPlaced, (e) => void ran.push(e.type), { name: 'placed' });
      await bus.start();
      const foreign = { id: 'e1', type: 'order.cancelled', timestamp: new Date().toISOString(), correlationId: 'c1', payload: {} };
      await factory().injectRaw(t.prefix, 'order.placed', JSON.stringify(foreign));
      await waitFor(async () => (await bus.deadLetters.count()) === 1);
      const { entries } = await bus.deadLetters.list();
      expect(entries[0]).toMatchObject({ reason: 'undecodable', error: { message: expect.stringContaining('order.cancelled') } });
      expect(ran).toEqual([]);
    });
  });

  describe('when an oversized message arrives', () => {
    it.runIf(factory().capabilities.rawInjection)('dead-letters it as too-large with the start of its text', async () => {
      const bus = t.bus({ maxEnvelopeBytes: 1_024 });
      bus.subscribe(OrderPlaced, () => {}, { name: 'projector' });
      await bus.start();
      await factory().injectRaw(t.prefix, 'order.placed', JSON.stringify({ blob: 'y'.repeat(4_000) }));
      await waitFor(async () => (await bus.deadLetters.count()) === 1);
      const { entries } = await bus.deadLetters.list();
      expect(entries[0]).toMatchObject({ reason: 'too-large', attempts: 0, error: { name: 'EnvelopeDecodeError' } });
      expect(entries[0]!.raw?.startsWith('{"blob":"yyy')).toBe(true);
    });
  });

  describe('when an envelope nested deeper than the limit arrives', () => {
    it.runIf(factory().capabilities.rawInjection)('dead-letters it once as too-deep with its whole text, and no handler runs', async () => {
      const bus = t.bus();
      const ran: string[] = [];
      bus.subscribe(OrderPlaced, (e) => {
        ran.push(e.id);
        throw new Error('handler fails');
      }, { name: 'projector', retries: 0 });
      await bus.start();
      const levels = 100_000;
      const payload = `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
      const raw = `{"id":"deep-1","type":"order.placed","timestamp":"${new Date().toISOString()}","correlationId":"c-1","payload":${payload}}`;
      await factory().injectRaw(t.prefix, 'order.placed', raw);
      await waitFor(async () => (await bus.deadLetters.count()) === 1, { message: 'no dead letter was written for the deep envelope' });
      const { entries } = await bus.deadLetters.list();
      expect(entries[0]).toMatchObject({ reason: 'too-deep', type: 'unknown', attempts: 0, error: { name: 'EnvelopeDecodeError' } });
      expect(entries[0]!.raw).toBe(raw);
      expect(ran).toEqual([]);
      // Durable mode: acknowledged, so not claimed and dead-lettered again after claimIdleMs (300 ms here).
      await quietWindow(700);
      expect(await bus.deadLetters.count()).toBe(1);
    });
  });

  describe('when shut down', () => {
    it('lets 200 slow in-flight handlers finish before resolving', async () => {
      const bus = t.bus({ concurrency: 500 });
      let running = 0;
      let finished = 0;
      bus.subscribe(OrderPlaced, async () => {
        running++;
        await simulateWork(150);
        finished++;
      }, { name: 'slow' });
      await bus.start();
      await Promise.all(Array.from({ length: 200 }, (_, i) => bus.publish(anOrder(i))));
      await waitFor(() => running === 200, { message: () => `${running} of 200 started` });
      await bus.shutdown({ timeoutMs: 5_000 });
      expect(finished).toBe(200);
      expect(await bus.health()).toMatchObject({ status: 'closed' });
    });

    it('returns at the deadline, aborts the signal and dead-letters (or leaves for redelivery) a handler that never ends', async () => {
      const bus = t.bus();
      let signal: AbortSignal | undefined;
      bus.subscribe(OrderPlaced, (_e, ctx) => {
        signal = ctx.signal;
        return new Promise(() => {});
      }, { name: 'stuck' });
      await bus.start();
      const envelope = await bus.publish(anOrder(1));
      await waitFor(() => signal !== undefined);
      const started = Date.now();
      await bus.shutdown({ timeoutMs: 300 });
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(280);
      expect(took).toBeLessThan(2_500);
      expect(signal?.aborted).toBe(true);
      const { entries } = await factory().deadLetters(t.prefix).list();
      if (factory().capabilities.redelivers) {
        expect(entries).toHaveLength(0);
        await expect(redeliveredTo(t.bus())).resolves.toEqual([envelope.id]);
        return;
      }
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ reason: 'shutdown-timeout', handler: 'stuck', attempts: 1, envelope });
    });

    it('dead-letters a handler waiting to retry at the deadline instead of losing it', async () => {
      const bus = t.bus();
      bus.subscribe(OrderPlaced, () => {
        throw new Error('down');
      }, { name: 'waiting', retries: 3, minTimeoutMs: 10_000 });
      await bus.start();
      await bus.publish(anOrder(1));
      await waitFor(() => bus.stats().inFlight === 1);
      await bus.shutdown({ timeoutMs: 100 });
      const { entries } = await factory().deadLetters(t.prefix).list();
      if (factory().capabilities.redelivers) {
        expect(entries).toHaveLength(0);
        await expect(redeliveredTo(t.bus())).resolves.toHaveLength(1);
        return;
      }
      expect(entries).toMatchObject([{ reason: 'shutdown-timeout', attempts: 1 }]);
    });

    it('rejects bus.publish with BusClosedError but lets draining handlers publish', async () => {
      const bus = t.bus();
      const other = t.bus({ instanceId: 'observer' }, t.prefix);
      const followUps = recorder<string>();
      other.subscribe(WelcomeEmailSent, (e) => followUps.push(e.causationId ?? ''), { name: 'observer' });
      await other.start();
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      bus.subscribe(UserRegistered, async (event, ctx) => {
        await released;
        await ctx.publish(WelcomeEmailSent.create({ userId: event.payload.userId }));
      }, { name: 'slow-sender' });
      await bus.start();
      const registered = await bus.publish(UserRegistered.create({ userId: 'u1', email: 'a@b.c' }));
      await waitFor(() => bus.stats().inFlight === 1);
      const closing = bus.shutdown({ timeoutMs: 5_000 });
      await expect(bus.publish(anOrder(1))).rejects.toBeInstanceOf(BusClosedError);
      release();
      await closing;
      expect(bus.stats()).toMatchObject({ handled: 1, deadLettered: 0 });
      if (factory().capabilities.fanOutAcrossInstances) {
        await waitFor(() => followUps.seen.length === 1);
        expect(followUps.seen).toEqual([registered.id]);
      }
    });

    it('is idempotent and refuses to start again', async () => {
      const bus = t.bus();
      await bus.start();
      const first = bus.shutdown({ timeoutMs: 100 });
      expect(bus.shutdown({ timeoutMs: 100 })).toBe(first);
      await first;
      await expect(bus.start()).rejects.toBeInstanceOf(BusClosedError);
      expect(() => bus.subscribe(OrderPlaced, () => {}, { name: 'late' })).toThrow(BusClosedError);
    });

    it('can shut down a bus that never started', async () => {
      const bus = t.bus();
      await bus.shutdown({ timeoutMs: 100 });
      expect((await bus.health()).status).toBe('closed');
    });
  });
}
