import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { type EventEnvelope, type RedisEventBusOptions, RedisEventBus, type DeadLetterEntry } from '../../../src/index.js';
import { useRedisServer } from '../../support/redis-server.js';
import { useTestBuses } from '../../support/test-buses.js';
import { quietWindow, waitFor } from '../../support/wait-for.js';
import { publishWithOpenssl, redisCli, signWithPython } from './signing-from-outside.js';

const redis = useRedisServer();
const K1 = 'billing-key-1-0123456789abcdefghijklmnop';
const K2 = 'billing-key-2-0123456789abcdefghijklmnop';

const bed = useTestBuses(redis);

function bus(options: Partial<RedisEventBusOptions>): RedisEventBus {
  return bed.track(new RedisEventBus({ redisUrl: redis.url, prefix: bed.prefix, logger: false, ...options }));
}

/** A consumer that verifies with `keys`, recording what its two handlers of payment.captured see. */
async function verifyingConsumer(keys: Record<string, string>, options: Partial<RedisEventBusOptions> = {}) {
  const seen: EventEnvelope[] = [];
  const consumer = bus({ service: 'ledger', verification: { keys }, ...options });
  consumer.subscribe('payment.captured', (event) => void seen.push(event), { name: 'book-payment' });
  consumer.subscribe('payment.*', (event) => void seen.push(event), { name: 'audit-payments' });
  await consumer.start();
  return { consumer, seen };
}

async function deadLetters(consumer: RedisEventBus, count: number): Promise<DeadLetterEntry[]> {
  await waitFor(async () => (await consumer.deadLetters.count()) >= count, { message: `expected ${count} dead letters` });
  return (await consumer.deadLetters.list()).entries;
}

function outsideEnvelope(id: string, source = 'billing/api-1'): object {
  return { id, type: 'payment.captured', timestamp: '2026-12-01T10:00:00.000Z', correlationId: `req-${id}`, source, payload: { amountCents: 1250, note: 'café ☕' } };
}

describe('RedisEventBus with signing', () => {
  describe('between two Herald buses', () => {
    it('runs every handler for signed events, ctx.publish included, and the follow-up carries a signature', async () => {
      const { seen } = await verifyingConsumer({ k1: K1 });
      const producer = bus({ service: 'billing', signing: { keyId: 'k1', key: K1 }, verification: { keys: { k1: K1 } } });
      producer.subscribe('invoice.paid', (_event, ctx) => ctx.publish({ type: 'payment.captured', payload: { amountCents: 7 } }), { name: 'capture' });
      await producer.start();
      await producer.publish({ type: 'payment.captured', payload: { amountCents: 1 } });
      await producer.publish({ type: 'invoice.paid', payload: { invoiceId: 'i1' } });
      await waitFor(() => seen.length === 4, { message: () => `saw ${seen.length} of 4` });
      expect(seen.map((e) => e.signature)).toEqual(Array(4).fill(expect.stringMatching(/^v1,k1,[A-Za-z0-9_-]{43}$/)));
      expect(seen.map((e) => (e.payload as { amountCents: number }).amountCents).sort()).toEqual([1, 1, 7, 7]);
    });

    it('refuses events of a publisher that does not sign: one dead letter per event, reason `signature`, no handler', async () => {
      const { consumer, seen } = await verifyingConsumer({ k1: K1 });
      const unsigned = bus({ service: 'billing' });
      await unsigned.start();
      await unsigned.publish({ type: 'payment.captured', payload: { amountCents: 1 } });
      const [entry, ...more] = await deadLetters(consumer, 1);
      await quietWindow(200);
      expect(more).toEqual([]);
      expect(entry).toMatchObject({ reason: 'signature', type: 'unknown', error: { name: 'SignatureError', message: expect.stringMatching(/carries no signature/) } });
      expect(entry!.raw).toContain('"amountCents":1');
      expect(seen).toEqual([]);
    });

    it('handles events of both keys while both are listed, and refuses the old key once it is removed (rotation)', async () => {
      const during = await verifyingConsumer({ k1: K1, k2: K2 });
      const after = await verifyingConsumer({ k2: K2 }, { instanceId: 'after' });
      const oldSigner = bus({ signing: { keyId: 'k1', key: K1 } });
      const newSigner = bus({ signing: { keyId: 'k2', key: K2 } });
      await Promise.all([oldSigner.start(), newSigner.start()]);
      await oldSigner.publish({ type: 'payment.captured', payload: { amountCents: 1 } });
      await newSigner.publish({ type: 'payment.captured', payload: { amountCents: 2 } });
      await waitFor(() => during.seen.length === 4 && after.seen.length === 2);
      expect(after.seen.map((e) => e.payload)).toEqual([{ amountCents: 2 }, { amountCents: 2 }]);
      const entries = await deadLetters(after.consumer, 1);
      expect(entries).toMatchObject([{ reason: 'signature', error: { message: expect.stringMatching(/key id "k1", which is not in `verification.keys`/) } }]);
    });

    it('with batching, signs each element: a frame verifies element by element and a tampered element is dead-lettered alone', async () => {
      const { consumer, seen } = await verifyingConsumer({ k1: K1 });
      const producer = bus({ signing: { keyId: 'k1', key: K1 }, batching: true });
      await producer.start();
      await Promise.all([1, 2, 3].map((amountCents) => producer.publish({ type: 'payment.captured', payload: { amountCents } })));
      await waitFor(() => seen.length === 6);
      // A frame as a batching publisher sends it, with one element's amount changed after signing.
      const spy = new Redis(redis.url);
      const frames: string[] = [];
      await spy.subscribe(`${bed.prefix}:events|payment.captured`);
      spy.on('message', (_channel: string, text: string) => frames.push(text));
      await Promise.all([4, 5].map((amountCents) => producer.publish({ type: 'payment.captured', payload: { amountCents } })));
      await waitFor(() => frames.length === 1 && seen.length === 10);
      spy.disconnect();
      expect(frames[0]!.startsWith('[')).toBe(true);
      await bed.client.publish(`${bed.prefix}:events|payment.captured`, frames[0]!.replace('"amountCents":5', '"amountCents":500'));
      await waitFor(() => seen.length === 12);
      const entries = await deadLetters(consumer, 1);
      expect(entries).toMatchObject([{ reason: 'signature', error: { message: expect.stringMatching(/does not match/) } }]);
      expect(entries[0]!.raw).toContain('"amountCents":500');
      expect(seen.filter((e) => (e.payload as { amountCents: number }).amountCents === 4)).toHaveLength(4);
    });

    it('with batching, handles a frame whose payload holds signature members of its own (checked element by element)', async () => {
      const { consumer, seen } = await verifyingConsumer({ k1: K1 });
      const producer = bus({ signing: { keyId: 'k1', key: K1 }, batching: true });
      await producer.start();
      const lookalike = { copy: { amountCents: 9, signature: `v1,k1,${'A'.repeat(43)}` }, amountCents: 8 };
      const spy = new Redis(redis.url);
      const frames: string[] = [];
      await spy.subscribe(`${bed.prefix}:events|payment.captured`);
      spy.on('message', (_channel: string, text: string) => frames.push(text));
      await Promise.all([lookalike, { amountCents: 7 }].map((payload) => producer.publish({ type: 'payment.captured', payload })));
      await waitFor(() => seen.length === 4, { message: () => `saw ${seen.length} of 4` });
      spy.disconnect();
      expect(frames).toHaveLength(1);
      expect(frames[0]).toContain(`"signature":"v1,k1,${'A'.repeat(43)}"},`);
      expect(seen.map((e) => (e.payload as { amountCents: number }).amountCents).sort()).toEqual([7, 7, 8, 8]);
      await quietWindow(100);
      expect(await consumer.deadLetters.count()).toBe(0);
    });
  });

  describe('with events from outside Node', () => {
    it('handles an event signed with the Python lines of docs/envelope.md, and dead-letters a tampered copy', async () => {
      const { consumer, seen } = await verifyingConsumer({ 'py-1': K1 });
      const signed = await signWithPython(outsideEnvelope('evt-py'), 'py-1', K1);
      expect(await redisCli(redis.server.host, redis.server.port, 'PUBLISH', `${bed.prefix}:events|payment.captured`, signed)).toBe('2'); // its channel and its pattern
      await waitFor(() => seen.length === 2);
      expect(seen[0]).toMatchObject({ id: 'evt-py', payload: { amountCents: 1250, note: 'café ☕' } });
      await redisCli(redis.server.host, redis.server.port, 'PUBLISH', `${bed.prefix}:events|payment.captured`, signed.replace('1250', '99999'));
      const entries = await deadLetters(consumer, 1);
      expect(entries).toMatchObject([{ reason: 'signature', error: { code: 'HERALD_SIGNATURE' } }]);
      expect(seen).toHaveLength(2);
    });

    it('handles an event signed with openssl and published with redis-cli (the shell lines of docs/envelope.md), spaces and all', async () => {
      const { consumer, seen } = await verifyingConsumer({ ops: K1 });
      const body = JSON.stringify(outsideEnvelope('evt-sh'), null, 1);
      const at = { host: redis.server.host, port: redis.server.port, prefix: bed.prefix, keyId: 'ops', key: K1 };
      expect(await publishWithOpenssl({ ...at, body })).toBe('2');
      await waitFor(() => seen.length === 2);
      expect(seen[0]).toMatchObject({ id: 'evt-sh', source: 'billing/api-1' });
      await publishWithOpenssl({ ...at, body: body.replace('1250', '1'), key: K2 });
      expect(await deadLetters(consumer, 1)).toMatchObject([{ reason: 'signature', error: { message: expect.stringMatching(/does not match/) } }]);
      expect(seen).toHaveLength(2);
    });

    it('refuses a forged PUBLISH that claims another service as its source, unsigned or under an unknown key id', async () => {
      const { consumer, seen } = await verifyingConsumer({ k1: K1 });
      const forged = JSON.stringify(outsideEnvelope('evt-forged', 'billing/api-1'));
      await bed.client.publish(`${bed.prefix}:events|payment.captured`, forged);
      await bed.client.publish(`${bed.prefix}:events|payment.captured`, await signWithPython(outsideEnvelope('evt-forged-2'), 'k9', K1));
      const entries = await deadLetters(consumer, 2);
      expect(entries.map((e) => (e.error as { message: string }).message)).toEqual([
        expect.stringMatching(/carries no signature/),
        expect.stringMatching(/key id "k9"/),
      ]);
      await quietWindow(200);
      expect(seen).toEqual([]);
      expect(await consumer.deadLetters.count()).toBe(2);
    });
  });
});
