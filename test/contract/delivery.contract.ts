import { describe, expect, it } from 'vitest';
import { DuplicateHandlerError, PayloadTooLargeError, type EventEnvelope } from '../../src/index.js';
import { anOrder, OrderPlaced, OrderShipped, UserRegistered, WelcomeEmailSent } from '../fixtures/shop.js';
import { waitFor } from '../support/wait-for.js';
import { type BusFactory, recorder, useBuses } from './harness.js';

/** Publishing, routing and delivery, for every transport. */
export function deliveryContract(factory: () => BusFactory): void {
  const t = useBuses(factory);

  describe('when an event is published', () => {
    it('runs every handler of its type once, with the whole envelope', async () => {
      const bus = t.bus({ service: 'shop', instanceId: 'i-1' });
      const a = recorder<EventEnvelope>();
      const b = recorder<EventEnvelope>();
      bus.subscribe(OrderPlaced, (event) => a.push(event), { name: 'a' });
      bus.subscribe(OrderPlaced, (event) => b.push(event), { name: 'b' });
      await bus.start();

      const envelope = await bus.publish(anOrder(1), { correlationId: 'req-1', headers: { traceparent: 'tp' } });

      await waitFor(() => a.seen.length === 1 && b.seen.length === 1);
      expect(a.seen[0]).toEqual(envelope);
      expect(envelope).toMatchObject({
        type: 'order.placed',
        correlationId: 'req-1',
        source: 'shop/i-1',
        headers: { traceparent: 'tp' },
        payload: { orderId: 'o-1', customerId: 'c-1', amount: 10 },
      });
      expect(envelope.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(Number.isNaN(Date.parse(envelope.timestamp))).toBe(false);
    });

    it('generates a correlationId when none is given', async () => {
      const bus = t.bus();
      await bus.start();
      const one = await bus.publish(anOrder(1));
      const two = await bus.publish(anOrder(2));
      expect(one.correlationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(one.correlationId).not.toBe(two.correlationId);
    });

    it('delivers the payload as JSON carries it, never the publisher\'s object', async () => {
      const bus = t.bus();
      const seen = recorder<unknown>();
      bus.subscribe('dated', (event) => seen.push(event.payload), { name: 'dated' });
      await bus.start();
      const payload = { at: new Date('2026-01-02T03:04:05.000Z'), list: [1] };
      await bus.publish({ type: 'dated', payload });
      await waitFor(() => seen.seen.length === 1);
      expect(seen.seen[0]).toEqual({ at: '2026-01-02T03:04:05.000Z', list: [1] });
      expect(seen.seen[0]).not.toBe(payload);
    });

    it('does not run handlers of other types', async () => {
      const bus = t.bus();
      const shipped = recorder<string>();
      const placed = recorder<string>();
      bus.subscribe(OrderShipped, (e) => shipped.push(e.id), { name: 'shipped' });
      bus.subscribe(OrderPlaced, (e) => placed.push(e.id), { name: 'placed' });
      await bus.start();
      await bus.publish(anOrder(1));
      await waitFor(() => placed.seen.length === 1);
      await bus.publish(OrderShipped.create({ orderId: 'o-1' }));
      await waitFor(() => shipped.seen.length === 1);
      expect(placed.seen).toHaveLength(1);
    });
  });

  describe('when subscribing with a pattern', () => {
    it('matches any run of characters, dots included', async () => {
      const bus = t.bus();
      const orders = recorder<string>();
      const all = recorder<string>();
      bus.subscribe('order.*', (e) => orders.push(e.type), { name: 'orders' });
      bus.subscribe('*', (e) => all.push(e.type), { name: 'everything' });
      await bus.start();
      await bus.publish(anOrder(1));
      await bus.publish(OrderShipped.create({ orderId: 'o-1' }));
      await bus.publish({ type: 'order.line.added', payload: {} });
      await bus.publish(UserRegistered.create({ userId: 'u', email: 'e' }));
      await waitFor(() => all.seen.length === 4);
      await waitFor(() => orders.seen.length === 3);
      expect(orders.seen.sort()).toEqual(['order.line.added', 'order.placed', 'order.shipped']);
    });

    it('runs each handler once when an exact and a pattern subscription both match', async () => {
      const bus = t.bus();
      const exact = recorder<string>();
      const pattern = recorder<string>();
      const other = recorder<string>();
      bus.subscribe(OrderPlaced, (e) => exact.push(e.id), { name: 'exact' });
      bus.subscribe('order.*', (e) => pattern.push(e.id), { name: 'pattern' });
      bus.subscribe('*.placed', (e) => other.push(e.id), { name: 'other-pattern' });
      await bus.start();
      for (let i = 0; i < 20; i++) await bus.publish(anOrder(i));
      await waitFor(() => exact.seen.length === 20 && pattern.seen.length === 20 && other.seen.length === 20);
      const handled = bus.stats().handled;
      expect(handled).toBe(60);
      expect(new Set(exact.seen).size).toBe(20);
    });
  });

  describe('when a subscription changes', () => {
    it('stops delivering after unsubscribe', async () => {
      const bus = t.bus();
      const seen = recorder<string>();
      const keep = recorder<string>();
      const unsubscribe = bus.subscribe(OrderPlaced, (e) => seen.push(e.id), { name: 'leaving' });
      bus.subscribe(OrderPlaced, (e) => keep.push(e.id), { name: 'staying' });
      await bus.start();
      await bus.publish(anOrder(1));
      await waitFor(() => seen.seen.length === 1 && keep.seen.length === 1);
      unsubscribe();
      unsubscribe();
      await bus.start();
      await bus.publish(anOrder(2));
      await waitFor(() => keep.seen.length === 2);
      expect(seen.seen).toHaveLength(1);
    });

    it('activates a subscription made after start() once start() is awaited again', async () => {
      const bus = t.bus();
      await bus.start();
      const late = recorder<string>();
      bus.subscribe(WelcomeEmailSent, (e) => late.push(e.id), { name: 'late' });
      await bus.start();
      const health = await bus.health();
      expect(health.subscriptions).toEqual({ confirmed: 1, pending: 0 });
      await bus.publish(WelcomeEmailSent.create({ userId: 'u' }));
      await waitFor(() => late.seen.length === 1);
    });

    it('refuses two handlers with one name', () => {
      const bus = t.bus();
      bus.subscribe(OrderPlaced, () => {}, { name: 'audit' });
      expect(() => bus.subscribe(OrderShipped, () => {}, { name: 'audit' })).toThrow(DuplicateHandlerError);
    });

    it('refuses an anonymous handler without a name, and invalid types', () => {
      const bus = t.bus();
      expect(() => bus.subscribe(OrderPlaced, (() => () => {})())).toThrow(/needs a name/);
      expect(() => bus.subscribe('bad type!', () => {}, { name: 'x' })).toThrow(TypeError);
      expect(() => bus.subscribe(OrderPlaced, () => {}, { name: 'x', retries: -1 })).toThrow(/retries/);
    });
  });

  describe('when a publish is refused', () => {
    it('rejects an envelope over maxEnvelopeBytes with PayloadTooLargeError', async () => {
      const bus = t.bus({ maxEnvelopeBytes: 2_048 });
      await bus.start();
      const error = await bus.publish({ type: 'big', payload: 'x'.repeat(3_000) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PayloadTooLargeError);
      expect((error as PayloadTooLargeError).maxBytes).toBe(2_048);
      expect(bus.stats().published).toBe(0);
    });

    it('rejects invalid events and options with TypeErrors', async () => {
      const bus = t.bus();
      await expect(bus.publish({ type: 'no spaces', payload: {} })).rejects.toThrow(TypeError);
      await expect(bus.publish({ type: 'ok', payload: undefined })).rejects.toThrow(/payload/);
      await expect(bus.publish(anOrder(1), { correlationId: '' })).rejects.toThrow(/correlationId/);
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await expect(bus.publish({ type: 'ok', payload: cyclic })).rejects.toThrow(/JSON/);
    });

    it('rejects payloads and headers that JSON would change, and sends nothing', async () => {
      const bus = t.bus();
      const seen = recorder<unknown>();
      bus.subscribe('changed', (event) => seen.push(event.payload), { name: 'h' });
      await bus.start();
      class Traced {
        toJSON() {
          return { traceparent: 'tp' };
        }
      }
      const hidden = Object.defineProperty({ a: 'b' }, 'toJSON', { value: () => 'x', enumerable: false });
      const payloads: unknown[] = [() => 1, Symbol('s'), { toJSON: () => undefined }, Number.NaN];
      const headers: unknown[] = [new Date(0), new String('ab'), Object.assign(new Traced(), { a: 'b' }), ['a']];

      for (const payload of payloads) {
        await expect(bus.publish({ type: 'changed', payload }), String(payload)).rejects.toThrow(/payload of "changed"/);
      }
      for (const header of headers) {
        await expect(bus.publish({ type: 'changed', payload: {} }, { headers: header as Record<string, string> })).rejects.toThrow(
          /`headers`/,
        );
      }
      await expect(bus.publish({ type: 'changed', payload: 1 }, { headers: { a: 1 as unknown as string } })).rejects.toThrow(TypeError);

      expect(bus.stats().published).toBe(0);
      // What is checked is what is sent: the own enumerable entries, whatever a hidden toJSON says.
      const sent = await bus.publish({ type: 'changed', payload: 'sent' }, { headers: hidden });
      await bus.publish({ type: 'changed', payload: 'bare' }, { headers: Object.assign(Object.create(null) as object, { a: 'b' }) });
      await waitFor(() => seen.seen.length === 2);
      expect(seen.seen.sort()).toEqual(['bare', 'sent']);
      expect(sent.headers).toEqual({ a: 'b' });
      expect(await factory().deadLetters(t.prefix).count()).toBe(0);
    });
  });

  describe('with several instances', () => {
    it('counts a publish that reached no subscriber (a durable one waits in its stream instead)', async () => {
      const bus = t.bus();
      await bus.start();
      await bus.publish({ type: 'nobody.listens', payload: {} });
      const expected = factory().capabilities.redelivers ? 0 : 1;
      expect(bus.stats()).toMatchObject({ published: 1, publishedToNoSubscriber: expected });
    });

    it('never delivers across prefixes', async () => {
      const mine = t.bus({}, `${t.prefix}-a`);
      const theirs = t.bus({}, `${t.prefix}-a:events`);
      const mineSeen = recorder<string>();
      const theirsSeen = recorder<string>();
      mine.subscribe('*', (e) => mineSeen.push(e.type), { name: 'all' });
      theirs.subscribe('*', (e) => theirsSeen.push(e.type), { name: 'all' });
      await Promise.all([mine.start(), theirs.start()]);
      await mine.publish(anOrder(1));
      await theirs.publish(OrderShipped.create({ orderId: 'x' }));
      await waitFor(() => mineSeen.seen.length === 1 && theirsSeen.seen.length === 1);
      expect(mineSeen.seen).toEqual(['order.placed']);
      expect(theirsSeen.seen).toEqual(['order.shipped']);
      await factory().cleanup(`${t.prefix}-a`);
      await factory().cleanup(`${t.prefix}-a:events`);
    });

    it.runIf(factory().capabilities.fanOutAcrossInstances)('delivers every event to every instance (fan-out)', async () => {
      const one = t.bus({ instanceId: 'one' });
      const two = t.bus({ instanceId: 'two' });
      const seenOne = recorder<string>();
      const seenTwo = recorder<string>();
      one.subscribe(OrderPlaced, (e) => seenOne.push(e.id), { name: 'projector' });
      two.subscribe(OrderPlaced, (e) => seenTwo.push(e.id), { name: 'projector' });
      await Promise.all([one.start(), two.start()]);
      for (let i = 0; i < 10; i++) await one.publish(anOrder(i));
      await waitFor(() => seenOne.seen.length === 10 && seenTwo.seen.length === 10);
      expect(seenTwo.seen).toEqual(seenOne.seen);
    });
  });

  describe('when a handler tries to change the event', () => {
    it('cannot: every handler gets the event frozen, as decoded, and the others see it unchanged', async () => {
      const bus = t.bus();
      const changed = recorder<string>();
      const seen = recorder<EventEnvelope>();
      bus.subscribe(
        OrderPlaced,
        (event) => {
          try {
            (event.payload as { orderId: string }).orderId = 'changed';
          } catch (error) {
            changed.push((error as Error).name);
          }
        },
        { name: 'meddler' },
      );
      bus.subscribe(OrderPlaced, (event) => seen.push(event), { name: 'reader' });
      await bus.start();

      await bus.publish(anOrder(1));

      await waitFor(() => changed.seen.length === 1 && seen.seen.length === 1);
      expect(changed.seen).toEqual(['TypeError']);
      expect(seen.seen[0]!.payload).toMatchObject({ orderId: 'o-1' });
      expect(Object.isFrozen(seen.seen[0])).toBe(true);
      expect(Object.isFrozen(seen.seen[0]!.payload)).toBe(true);
    });
  });
}
