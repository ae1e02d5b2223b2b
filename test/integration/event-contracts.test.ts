import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DurableEventBus,
  type EventEnvelope,
  InvalidPayloadError,
  RedisDeadLetterQueue,
  RedisEventBus,
  defineEvent,
} from '../../src/index.js';
import { useRedisServer } from '../support/redis-server.js';
import { useTestBuses } from '../support/test-buses.js';
import { quietWindow, waitFor } from '../support/wait-for.js';

const redis = useRedisServer();
const bed = useTestBuses(redis, { shutdownTimeoutMs: 500 });

// Version 1 of the event, as the producer deployed before the change published it.
const RegisteredV1 = defineEvent('user.registered', { schema: z.object({ userId: z.string(), email: z.string() }) });
// Version 2, as consumers define it after the deploy: v1 events are upcast to it.
const RegisteredV2 = defineEvent('user.registered', {
  version: 2,
  schema: z.object({ userId: z.string().min(1), email: z.email(), displayName: z.string() }),
  upcasters: { 1: (v1: { userId: string; email: string }) => ({ ...v1, displayName: v1.email.split('@')[0] }) },
});

type Mode = 'pubsub' | 'durable';
const modes: Mode[] = ['pubsub', 'durable'];

function bus(mode: Mode, prefix: string, group = 'accounts'): RedisEventBus | DurableEventBus {
  const options = { redisUrl: redis.url, prefix, logger: false as const, retry: { retries: 0, minTimeoutMs: 1 } };
  return bed.track(mode === 'pubsub' ? new RedisEventBus(options) : new DurableEventBus({ ...options, group, startFrom: 'earliest' }));
}

/** What a producer outside Node puts on the wire: an envelope of the documented form. */
function foreignEnvelope(payload: unknown, headers?: Record<string, string>): string {
  const envelope = { id: randomUUID(), type: 'user.registered', timestamp: new Date().toISOString(), correlationId: randomUUID(), payload };
  return JSON.stringify(headers ? { ...envelope, headers } : envelope);
}

async function sendRaw(mode: Mode, prefix: string, text: string): Promise<void> {
  if (mode === 'pubsub') await bed.client.publish(`${prefix}:events|user.registered`, text);
  else await bed.client.xadd(`${prefix}:stream|user.registered`, '*', 'type', 'user.registered', 'envelope', text);
}

describe.each(modes)('event contracts on Redis (%s)', (mode) => {
  it('dead-letters a foreign event of the wrong shape once, with the issues, and runs no handler', async () => {
    const prefix = bed.prefix;
    const b = bus(mode, prefix);
    const seen: string[] = [];
    b.subscribe(RegisteredV2, (event) => void seen.push(event.id), { name: 'send-welcome-email' });
    b.subscribe(RegisteredV2, (event) => void seen.push(event.id), { name: 'create-profile' });
    await b.start();

    await sendRaw(mode, prefix, foreignEnvelope({ wrong: 'shape' }, { 'herald-version': '2' }));

    const queue = b.deadLetters;
    await waitFor(async () => (await queue.count()) >= 1, { message: 'no dead letter for the invalid event' });
    await quietWindow(200);
    const { entries } = await queue.list();
    expect(entries).toHaveLength(1);
    expect(entries[0]!.reason).toBe('invalid-payload');
    expect(entries[0]!.issues?.map((issue) => issue.path.join('.'))).toEqual(expect.arrayContaining(['userId', 'email', 'displayName']));
    expect(seen).toEqual([]);
  });

  it('writes the dead letter of an event its schema turned into what JSON cannot carry, with the event as text', async () => {
    const prefix = bed.prefix;
    const b = bus(mode, prefix);
    // The schema's output holds a BigInt, which JSON.stringify refuses.
    const Paid = defineEvent('user.registered', { schema: z.object({ userId: z.string(), email: z.string().transform(() => 10n ** 20n) }) });
    b.subscribe(Paid, () => {
      throw new Error('ledger down');
    }, { name: 'book-payment' });
    await b.start();
    await sendRaw(mode, prefix, foreignEnvelope({ userId: 'u1', email: 'a@b.c' }));
    await waitFor(async () => (await b.deadLetters.count()) === 1, { message: 'the dead letter was not written' });
    const [entry] = (await b.deadLetters.list()).entries;
    expect(entry).toMatchObject({ reason: 'retries-exhausted', handler: 'book-payment', error: { message: expect.stringContaining('ledger down') } });
    expect(entry!.envelope).toBeUndefined();
    expect(JSON.parse(entry!.raw!)).toMatchObject({ type: 'user.registered', payload: { userId: 'u1', email: '100000000000000000000' } });
  });

  it('upcasts a v1 event to v2 before the handler, live', async () => {
    const prefix = bed.prefix;
    const consumer = bus(mode, prefix);
    const received: EventEnvelope[] = [];
    consumer.subscribe(RegisteredV2, (event) => void received.push(event), { name: 'send-welcome-email' });
    await consumer.start();
    const producer = bus(mode, prefix, 'producer');
    await producer.start();

    await producer.publish(RegisteredV1.create({ userId: 'u1', email: 'ada@example.com' }));

    await waitFor(() => received.length === 1, { message: 'the v1 event did not reach the v2 handler' });
    expect(received[0]!.payload).toEqual({ userId: 'u1', email: 'ada@example.com', displayName: 'ada' });
    expect(received[0]!.headers?.['herald-version']).toBe('2');
  });

  it('rejects a publish whose payload fails the schema, and sends nothing', async () => {
    const prefix = bed.prefix;
    const consumer = bus(mode, prefix);
    const received: string[] = [];
    consumer.subscribe('user.registered', (event) => void received.push(event.id), { name: 'audit' });
    await consumer.start();

    const invalid = RegisteredV2.create({ userId: '', email: 'not-an-email', displayName: 'x' });
    await expect(consumer.publish(invalid)).rejects.toBeInstanceOf(InvalidPayloadError);

    await quietWindow(300);
    expect(received).toEqual([]);
    expect(consumer.stats().published).toBe(0);
  });

  it('upcasts a v1 dead letter when it is replayed after the deploy', async () => {
    const prefix = bed.prefix;
    // Before the deploy: the v1 consumer fails and dead-letters the event.
    const before = bus(mode, prefix);
    before.subscribe(RegisteredV1, () => {
      throw new Error('mail server down');
    }, { name: 'send-welcome-email' });
    await before.start();
    await before.publish(RegisteredV1.create({ userId: 'u2', email: 'grace@example.com' }));
    const queue = new RedisDeadLetterQueue(bed.client, prefix);
    await waitFor(async () => (await queue.count()) === 1, { message: 'the v1 failure was not dead-lettered' });
    await before.shutdown();

    // After the deploy: the v2 consumer replays it and sees the v2 shape.
    const after = bus(mode, prefix);
    const received: EventEnvelope[] = [];
    after.subscribe(RegisteredV2, (event) => void received.push(event), { name: 'send-welcome-email' });
    await after.start();
    const [entry] = (await queue.list()).entries;
    const outcome = await queue.replay(entry!.id);

    expect(outcome.status).toBe('replayed');
    expect(received[0]!.payload).toEqual({ userId: 'u2', email: 'grace@example.com', displayName: 'grace' });
  });
});

describe('event contracts on a durable backlog', () => {
  it('upcasts v1 events published while the v2 consumer was down', async () => {
    const prefix = bed.prefix;
    const producer = bus('durable', prefix, 'producer');
    await producer.start();
    // The consumer's group exists from an earlier deploy, then the service goes down.
    const old = bus('durable', prefix);
    old.subscribe(RegisteredV1, () => {}, { name: 'send-welcome-email' });
    await old.start();
    await old.shutdown();

    for (const i of [1, 2, 3]) await producer.publish(RegisteredV1.create({ userId: `u${i}`, email: `user${i}@example.com` }));

    const consumer = bus('durable', prefix);
    const received: EventEnvelope[] = [];
    consumer.subscribe(RegisteredV2, (event) => void received.push(event), { name: 'send-welcome-email' });
    await consumer.start();
    await waitFor(() => received.length === 3, { message: () => `${received.length} of 3 backlog events handled` });
    expect(received.map((event) => (event.payload as { displayName: string }).displayName).sort()).toEqual(['user1', 'user2', 'user3']);
  });
});
