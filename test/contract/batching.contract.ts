import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../src/index.js';
import { anOrder, OrderPlaced, OrderShipped } from '../fixtures/shop.js';
import { envelopeSchemaErrors } from '../support/envelope-schema.js';
import { waitFor } from '../support/wait-for.js';
import { type BusFactory, recorder, useBuses } from './harness.js';

const fast = { minTimeoutMs: 1, maxTimeoutMs: 5, jitter: false } as const;

/** What a batching suite needs besides the factory: the frames that went over the wire. */
export interface WireProbe {
  /** Starts recording the frames of `type` on `prefix`; resolves once recording. */
  record(prefix: string, type: string): Promise<{ frames: string[]; stop(): Promise<void> }>;
}

function envelopeText(n: number, type = 'order.placed'): Record<string, unknown> {
  return { id: `e-${n}`, type, timestamp: new Date().toISOString(), correlationId: `c-${n}`, payload: { orderId: `o-${n}` } };
}

/** Opt-in micro-batching: one frame per tick and type, handlers still per event. */
export function batchingContract(factory: () => BusFactory, probe: WireProbe): void {
  const t = useBuses(factory);

  describe('when events are published in one tick', () => {
    it('sends them as one frame, a JSON array that a foreign consumer reads', async () => {
      const bus = t.bus({ batching: true });
      const seen = recorder<string>();
      bus.subscribe(OrderPlaced, (e) => seen.push(e.payload.orderId), { name: 'projector' });
      await bus.start();
      const wire = await probe.record(t.prefix, 'order.placed');
      const published = await Promise.all([1, 2, 3, 4, 5].map((n) => bus.publish(anOrder(n))));
      await waitFor(() => seen.seen.length === 5);
      await waitFor(() => wire.frames.length >= 1);
      await wire.stop();
      expect(wire.frames).toHaveLength(1);
      const batch = JSON.parse(wire.frames[0]!) as EventEnvelope[];
      expect(Array.isArray(batch)).toBe(true);
      expect(batch.map((e) => e.id)).toEqual(published.map((e) => e.id));
      expect(batch[0]).toEqual(published[0]);
      for (const element of batch) expect(envelopeSchemaErrors(element)).toEqual([]);
      expect(seen.seen.sort()).toEqual(['o-1', 'o-2', 'o-3', 'o-4', 'o-5']);
      expect(bus.stats()).toMatchObject({ published: 5, received: 5, handled: 5 });
    });

    it('sends a lone event as its plain envelope, and one frame per type', async () => {
      const bus = t.bus({ batching: true });
      bus.subscribe(OrderShipped, () => {}, { name: 'shipping' });
      bus.subscribe(OrderPlaced, () => {}, { name: 'projector' });
      await bus.start();
      const wire = await probe.record(t.prefix, 'order.shipped');
      const [, shipped] = await Promise.all([bus.publish(anOrder(1)), bus.publish(OrderShipped.create({ orderId: 'o-1' })), bus.publish(anOrder(2))]);
      await waitFor(() => bus.stats().handled === 3);
      await waitFor(() => wire.frames.length >= 1);
      await wire.stop();
      expect(wire.frames).toHaveLength(1);
      expect(JSON.parse(wire.frames[0]!)).toEqual(shipped);
    });

    it('runs every handler once per event, on every bus', async () => {
      const publisher = t.bus({ batching: true });
      const a = t.bus();
      const seen = recorder<string>();
      a.subscribe(OrderPlaced, (e) => seen.push(`exact:${e.payload.orderId}`), { name: 'exact' });
      a.subscribe('order.*', (e) => seen.push(`pattern:${e.id}`), { name: 'pattern' });
      await a.start();
      await publisher.start();
      const ids = (await Promise.all([1, 2, 3].map((n) => publisher.publish(anOrder(n))))).map((e) => e.id);
      await waitFor(() => seen.seen.length === 6);
      expect(seen.seen.filter((s) => s.startsWith('exact:')).sort()).toEqual(['exact:o-1', 'exact:o-2', 'exact:o-3']);
      expect(seen.seen.filter((s) => s.startsWith('pattern:')).sort()).toEqual(ids.map((id) => `pattern:${id}`).sort());
      expect(a.stats().received).toBe(3);
    });
  });

  describe('when a handler fails on one event of a frame', () => {
    it('retries that delivery only, then dead-letters it once with its own event', async () => {
      const bus = t.bus({ batching: true });
      const attempts = new Map<string, number>();
      const ok = recorder<string>();
      bus.subscribe(
        OrderPlaced,
        (e) => {
          attempts.set(e.payload.orderId, (attempts.get(e.payload.orderId) ?? 0) + 1);
          if (e.payload.orderId === 'o-2') throw new Error('o-2 always fails');
          if (e.payload.orderId === 'o-3' && attempts.get('o-3') === 1) throw new Error('o-3 fails once');
        },
        { name: 'flaky', retries: 2, ...fast },
      );
      bus.subscribe(OrderPlaced, (e) => ok.push(e.payload.orderId), { name: 'steady' });
      await bus.start();
      const published = await Promise.all([1, 2, 3, 4].map((n) => bus.publish(anOrder(n))));
      await waitFor(async () => (await bus.deadLetters.count()) === 1 && bus.stats().handled === 7);
      expect(Object.fromEntries(attempts)).toEqual({ 'o-1': 1, 'o-2': 3, 'o-3': 2, 'o-4': 1 });
      expect(ok.seen.sort()).toEqual(['o-1', 'o-2', 'o-3', 'o-4']);
      const { entries } = await bus.deadLetters.list();
      expect(entries[0]).toMatchObject({ handler: 'flaky', reason: 'retries-exhausted', attempts: 3, envelope: published[1] });
    });
  });

  describe('when a frame from another producer holds invalid elements', () => {
    it('handles the valid ones and dead-letters each invalid one on its own', async () => {
      const bus = t.bus();
      const seen = recorder<string>();
      bus.subscribe(OrderPlaced, (e) => seen.push(e.id), { name: 'projector' });
      await bus.start();
      const misrouted = envelopeText(5, 'order.shipped');
      const frame = JSON.stringify([envelopeText(1), { id: 'broken', type: 'order.placed' }, envelopeText(3), 42, misrouted]);
      await factory().injectRaw(t.prefix, 'order.placed', frame);
      await waitFor(() => seen.seen.length === 2);
      await waitFor(async () => (await bus.deadLetters.count()) === 3);
      expect(seen.seen.sort()).toEqual(['e-1', 'e-3']);
      const { entries } = await bus.deadLetters.list();
      expect(entries.map((e) => e.reason)).toEqual(['undecodable', 'undecodable', 'undecodable']);
      expect(entries.map((e) => e.raw).sort()).toEqual(
        [JSON.stringify({ id: 'broken', type: 'order.placed' }), '42', JSON.stringify(misrouted)].sort(),
      );
      expect(bus.stats().received).toBe(5);
    });

    it('dead-letters a frame that is not JSON as one message', async () => {
      const bus = t.bus();
      bus.subscribe(OrderPlaced, () => {}, { name: 'projector' });
      await bus.start();
      await factory().injectRaw(t.prefix, 'order.placed', '[{"id": "e-1",');
      await bus.publish(anOrder(1));
      await waitFor(async () => (await bus.deadLetters.count()) === 1 && bus.stats().handled === 1);
      const { entries } = await bus.deadLetters.list();
      expect(entries[0]).toMatchObject({ reason: 'undecodable', raw: '[{"id": "e-1",' });
    });

    it('dead-letters a frame larger than maxBatchBytes as too-large', async () => {
      const bus = t.bus({ maxBatchBytes: 1_000 });
      bus.subscribe(OrderPlaced, () => {}, { name: 'projector' });
      await bus.start();
      const frame = JSON.stringify(Array.from({ length: 20 }, (_, n) => envelopeText(n)));
      await factory().injectRaw(t.prefix, 'order.placed', frame);
      await waitFor(async () => (await bus.deadLetters.count()) === 1);
      const { entries } = await bus.deadLetters.list();
      expect(entries[0]!.reason).toBe('too-large');
      expect(bus.stats().handled).toBe(0);
    });
  });

  describe('when more is published in a tick than maxBatchBytes holds', () => {
    it('splits it into several frames, none above the limit', async () => {
      const bus = t.bus({ batching: true, maxBatchBytes: 1_000 });
      const seen = recorder<string>();
      bus.subscribe(OrderPlaced, (e) => seen.push(e.id), { name: 'projector' });
      await bus.start();
      const wire = await probe.record(t.prefix, 'order.placed');
      await Promise.all(Array.from({ length: 20 }, (_, n) => bus.publish(anOrder(n))));
      await waitFor(() => seen.seen.length === 20);
      await waitFor(() => wire.frames.reduce((sum, f) => sum + (f.startsWith('[') ? JSON.parse(f).length : 1), 0) === 20);
      await wire.stop();
      expect(wire.frames.length).toBeGreaterThan(1);
      for (const frame of wire.frames) expect(Buffer.byteLength(frame)).toBeLessThanOrEqual(1_000);
    });
  });

  it('rejects a batching option that is not a boolean', () => {
    expect(() => t.bus({ batching: 'yes' })).toThrow(/batching/);
  });
}
