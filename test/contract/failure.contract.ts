import { describe, expect, it } from 'vitest';
import { HandlerTimeoutError, NonRetryableError, type DeadLetterEntry } from '../../src/index.js';
import { anOrder, OrderPlaced } from '../fixtures/shop.js';
import { deferred, waitFor } from '../support/wait-for.js';
import { type BusFactory, recorder, useBuses } from './harness.js';

const fast = { minTimeoutMs: 1, maxTimeoutMs: 5, jitter: false } as const;

/** Retries, dead letters and isolation between handlers, for every transport. */
export function failureContract(factory: () => BusFactory): void {
  const t = useBuses(factory);

  async function onlyEntry(bus: { deadLetters: { list(): Promise<{ entries: DeadLetterEntry[] }>; count(): Promise<number> } }) {
    await waitFor(async () => (await bus.deadLetters.count()) >= 1, { message: 'no dead letter was written' });
    const { entries } = await bus.deadLetters.list();
    expect(entries).toHaveLength(1);
    return entries[0]!;
  }

  describe('when a handler fails', () => {
    it('does not affect the other handlers of the event', async () => {
      const bus = t.bus();
      const ok = recorder<string>();
      bus.subscribe(OrderPlaced, () => Promise.reject(new Error('boom')), { name: 'broken', retries: 0 });
      bus.subscribe(OrderPlaced, () => {
        throw new Error('sync boom');
      }, { name: 'broken-sync', retries: 0 });
      bus.subscribe(OrderPlaced, (e) => ok.push(e.id), { name: 'healthy' });
      await bus.start();
      for (let i = 0; i < 5; i++) await bus.publish(anOrder(i));
      await waitFor(() => ok.seen.length === 5);
      await waitFor(() => bus.stats().deadLettered === 10);
      expect(bus.stats().handled).toBe(5);
    });

    it('retries a transient failure with a rising attempt number, then succeeds', async () => {
      const bus = t.bus();
      const attempts: number[] = [];
      bus.subscribe(OrderPlaced, (_e, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt < 3) throw new Error('database busy');
      }, { name: 'flaky', retries: 3, ...fast });
      await bus.start();
      await bus.publish(anOrder(1));
      await waitFor(() => bus.stats().handled === 1);
      expect(attempts).toEqual([1, 2, 3]);
      expect(bus.stats()).toMatchObject({ retried: 2, deadLettered: 0 });
      expect(await bus.deadLetters.count()).toBe(0);
    });

    it('dead-letters the event once, with its whole story, after retries are exhausted', async () => {
      const bus = t.bus({ service: 'shop', instanceId: 'i-9' });
      let calls = 0;
      bus.subscribe(OrderPlaced, () => {
        calls++;
        throw new RangeError(`attempt ${calls} failed`);
      }, { name: 'charge-card', retries: 2, ...fast });
      await bus.start();
      const envelope = await bus.publish(anOrder(7), { correlationId: 'req-7' });

      const entry = await onlyEntry(bus);
      expect(calls).toBe(3);
      expect(entry).toMatchObject({
        type: 'order.placed',
        handler: 'charge-card',
        reason: 'retries-exhausted',
        attempts: 3,
        envelope,
        instance: 'shop/i-9',
        error: { name: 'RangeError', message: 'attempt 3 failed' },
      });
      expect(entry.id).not.toBe(envelope.id);
      expect(entry.error.stack).toContain('RangeError');
      expect(Date.parse(entry.firstFailedAt)).toBeLessThanOrEqual(Date.parse(entry.lastFailedAt));
      expect(Date.parse(entry.deadLetteredAt)).toBeGreaterThanOrEqual(Date.parse(entry.lastFailedAt));
      expect(await bus.deadLetters.get(entry.id)).toEqual(entry);
    });

    it('makes one entry per failing handler of one event', async () => {
      const bus = t.bus();
      bus.subscribe(OrderPlaced, () => Promise.reject(new Error('a')), { name: 'a', retries: 0 });
      bus.subscribe(OrderPlaced, () => Promise.reject(new Error('b')), { name: 'b', retries: 0 });
      await bus.start();
      await bus.publish(anOrder(1));
      await waitFor(async () => (await bus.deadLetters.count()) === 2);
      const { entries } = await bus.deadLetters.list();
      expect(entries.map((e) => e.handler).sort()).toEqual(['a', 'b']);
      expect(new Set(entries.map((e) => e.id)).size).toBe(2);
    });

    it('stops at once on NonRetryableError', async () => {
      const bus = t.bus();
      let calls = 0;
      bus.subscribe(OrderPlaced, () => {
        calls++;
        throw new NonRetryableError('order total is negative');
      }, { name: 'validate', retries: 5, ...fast });
      await bus.start();
      await bus.publish(anOrder(1));
      const entry = await onlyEntry(bus);
      expect(calls).toBe(1);
      expect(entry).toMatchObject({ reason: 'non-retryable', attempts: 1, error: { name: 'NonRetryableError', code: 'HERALD_NON_RETRYABLE' } });
    });

    it('stops at once on NonRetryableError thrown on a retry', async () => {
      const bus = t.bus();
      bus.subscribe(OrderPlaced, (_e, ctx) => {
        throw ctx.attempt === 1 ? new Error('blip') : new NonRetryableError('now it is hopeless');
      }, { name: 'validate', retries: 5, ...fast });
      await bus.start();
      await bus.publish(anOrder(1));
      const entry = await onlyEntry(bus);
      expect(entry).toMatchObject({ reason: 'non-retryable', attempts: 2 });
    });

    it('records NonRetryableError on the last allowed attempt as non-retryable', async () => {
      const bus = t.bus();
      bus.subscribe(OrderPlaced, (_e, ctx) => {
        throw ctx.attempt < 2 ? new Error('blip') : new NonRetryableError('hopeless');
      }, { name: 'validate', retries: 1, ...fast });
      await bus.start();
      await bus.publish(anOrder(1));
      const entry = await onlyEntry(bus);
      expect(entry).toMatchObject({ reason: 'non-retryable', attempts: 2 });
    });

    it('treats a TypeError as a bug: one attempt, reason non-retryable', async () => {
      const bus = t.bus();
      let calls = 0;
      bus.subscribe(OrderPlaced, (e) => {
        calls++;
        (e.payload as unknown as { nope: () => void }).nope();
      }, { name: 'buggy', retries: 5, ...fast });
      await bus.start();
      await bus.publish(anOrder(1));
      const entry = await onlyEntry(bus);
      expect(calls).toBe(1);
      expect(entry).toMatchObject({ reason: 'non-retryable', attempts: 1, error: { name: 'TypeError' } });
    });

    it('retries a thrown non-Error value and records it readably', async () => {
      const bus = t.bus();
      let calls = 0;
      bus.subscribe(OrderPlaced, () => {
        calls++;
        throw 'just a string';
      }, { name: 'sloppy', retries: 1, ...fast });
      await bus.start();
      await bus.publish(anOrder(1));
      const entry = await onlyEntry(bus);
      expect(calls).toBe(2);
      expect(entry.error).toMatchObject({ name: 'NonErrorThrown', message: expect.stringContaining('just a string') });
    });

    it('fails an attempt that exceeds timeoutMs, aborting its signal, and retries it', async () => {
      const bus = t.bus();
      const aborted: boolean[] = [];
      bus.subscribe(OrderPlaced, (_e, ctx) => {
        if (ctx.attempt === 2) return;
        return new Promise((resolve) => ctx.signal.addEventListener('abort', () => {
          aborted.push(ctx.signal.reason instanceof HandlerTimeoutError);
          resolve(undefined);
        }));
      }, { name: 'slow', timeoutMs: 30, retries: 1, ...fast });
      await bus.start();
      await bus.publish(anOrder(1));
      await waitFor(() => bus.stats().handled === 1);
      expect(aborted).toEqual([true]);
      expect(bus.stats().retried).toBe(1);
    });

    it('applies the bus-wide retry defaults to handlers that set none', async () => {
      const bus = t.bus({ retry: { retries: 1, minTimeoutMs: 1, jitter: false } });
      let calls = 0;
      bus.subscribe(OrderPlaced, () => {
        calls++;
        throw new Error('no');
      }, { name: 'defaults' });
      await bus.start();
      await bus.publish(anOrder(1));
      await onlyEntry(bus);
      expect(calls).toBe(2);
    });
  });

  describe('when more deliveries arrive than the concurrency allows', () => {
    it.runIf(!factory().capabilities.redelivers)('buffers up to maxBufferedDeliveries and dead-letters the overflow with its reason', async () => {
      const bus = t.bus({ concurrency: 1, maxBufferedDeliveries: 1 });
      const gate = deferred();
      const started = recorder<string>();
      bus.subscribe(OrderPlaced, async (e) => {
        started.push(e.payload.orderId);
        await gate.promise;
      }, { name: 'slow' });
      await bus.start();
      for (let i = 0; i < 3; i++) await bus.publish(anOrder(i));
      const entry = await onlyEntry(bus);
      expect(entry).toMatchObject({ reason: 'buffer-overflow', attempts: 0, handler: 'slow', error: { name: 'DeliveryAbortedError' } });
      expect(bus.stats()).toMatchObject({ inFlight: 1, buffered: 1 });
      gate.resolve();
      await waitFor(() => bus.stats().handled === 2);
      expect(started.seen).toEqual(['o-0', 'o-1']);
    });

    it.runIf(factory().capabilities.redelivers)('leaves what it has no room for in Redis instead of overflowing', async () => {
      const bus = t.bus({ concurrency: 1, maxBufferedDeliveries: 1 });
      const gate = deferred();
      const started = recorder<string>();
      bus.subscribe(OrderPlaced, async (e) => {
        started.push(e.payload.orderId);
        await gate.promise;
      }, { name: 'slow' });
      await bus.start();
      for (let i = 0; i < 5; i++) await bus.publish(anOrder(i));
      await waitFor(() => started.seen.length === 1);
      expect(bus.stats()).toMatchObject({ inFlight: 1, buffered: 0, received: 1 });
      gate.resolve();
      await waitFor(() => bus.stats().handled === 5);
      expect(started.seen).toEqual(['o-0', 'o-1', 'o-2', 'o-3', 'o-4']);
      expect(await bus.deadLetters.count()).toBe(0);
    });

    it('counts handlers waiting to retry against the concurrency limit', async () => {
      const bus = t.bus({ concurrency: 1 });
      const order = recorder<string>();
      bus.subscribe(OrderPlaced, (e, ctx) => {
        order.push(`${e.payload.orderId}#${ctx.attempt}`);
        if (e.payload.orderId === 'o-0' && ctx.attempt === 1) throw new Error('retry me');
      }, { name: 'one-at-a-time', retries: 1, minTimeoutMs: 30, jitter: false });
      await bus.start();
      await bus.publish(anOrder(0));
      await bus.publish(anOrder(1));
      await waitFor(() => bus.stats().handled === 2);
      expect(order.seen).toEqual(['o-0#1', 'o-0#2', 'o-1#1']);
    });
  });
}
