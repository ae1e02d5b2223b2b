import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type DeadLetterEntry,
  DurableEventBus,
  type EventEnvelope,
  type Logger,
  RedisDeadLetterQueue,
  RedisEventBus,
  type RedisEventBusOptions,
} from '../../../src/index.js';
import { useRedisServer } from '../../support/redis-server.js';
import { useTestBuses } from '../../support/test-buses.js';
import { quietWindow, waitFor } from '../../support/wait-for.js';
import { redisCli, signWithPython } from './signing-from-outside.js';
import { heraldJson } from '../cli-harness.js';

const redis = useRedisServer();
const K1 = 'ledger-key-1-0123456789abcdefghijklmnop';
const SIGNING = { keyId: 'k1', key: K1 } as const;
const VERIFICATION = { keys: { k1: K1 } } as const;

const bed = useTestBuses(redis);

/** A logger that keeps warnings, to see what a bus ignored. */
function warnings(): { logger: Logger; messages: string[] } {
  const messages: string[] = [];
  const noop = () => {};
  const logger: Logger = { debug: noop, info: noop, error: noop, warn: (_: unknown, message?: string) => void messages.push(message ?? '') } as unknown as Logger;
  (logger as unknown as { child: () => Logger }).child = () => logger;
  return { logger, messages };
}

function outsideEnvelope(id: string): object {
  return { id, type: 'payment.captured', timestamp: '2026-12-01T10:00:00.000Z', correlationId: `req-${id}`, source: 'billing/api-1', payload: { amountCents: 1250 } };
}

describe('DurableEventBus with verification', () => {
  it('handles an entry signed outside Node and XADDed with redis-cli, and dead-letters and acknowledges a tampered one', async () => {
    const seen: EventEnvelope[] = [];
    const bus = bed.track(new DurableEventBus({ redisUrl: redis.url, prefix: bed.prefix, logger: false, group: 'ledger', verification: VERIFICATION }));
    bus.subscribe('payment.captured', (event) => void seen.push(event), { name: 'book-payment' });
    await bus.start();
    const stream = `${bed.prefix}:stream|payment.captured`;
    const signed = await signWithPython(outsideEnvelope('evt-1'), 'k1', K1);
    await redisCli(redis.server.host, redis.server.port, 'XADD', stream, '*', 'type', 'payment.captured', 'envelope', signed);
    await redisCli(redis.server.host, redis.server.port, 'XADD', stream, '*', 'type', 'payment.captured', 'envelope', signed.replace('1250', '1'));
    await waitFor(async () => (await bus.deadLetters.count()) === 1 && seen.length === 1);
    expect(seen[0]).toMatchObject({ id: 'evt-1', payload: { amountCents: 1250 } });
    expect((await bus.deadLetters.list()).entries).toMatchObject([{ reason: 'signature', raw: expect.stringContaining('{"amountCents":1}') }]);
    await waitFor(async () => ((await bed.client.xpending(stream, 'ledger')) as [number])[0] === 0, { message: 'entries still pending' });
  });

  it('signs what it publishes, so a verifying group of another service handles it', async () => {
    const seen: EventEnvelope[] = [];
    const consumer = bed.track(new DurableEventBus({ redisUrl: redis.url, prefix: bed.prefix, logger: false, group: 'ledger', verification: VERIFICATION }));
    consumer.subscribe('payment.captured', (event) => void seen.push(event), { name: 'book-payment' });
    const producer = bed.track(new DurableEventBus({ redisUrl: redis.url, prefix: bed.prefix, logger: false, group: 'billing', signing: SIGNING, batching: true }));
    await Promise.all([consumer.start(), producer.start()]);
    await Promise.all([1, 2, 3].map((amountCents) => producer.publish({ type: 'payment.captured', payload: { amountCents } })));
    await waitFor(() => seen.length === 3);
    expect(await consumer.deadLetters.count()).toBe(0);
  });
});

describe('Dead-letter replay with verification', () => {
  async function verifyingService(options: Partial<RedisEventBusOptions> = {}) {
    const runs: EventEnvelope[] = [];
    const state = { failing: true };
    const bus = bed.track(new RedisEventBus({ redisUrl: redis.url, prefix: bed.prefix, logger: false, service: 'ledger', signing: SIGNING, verification: VERIFICATION, ...options }));
    bus.subscribe(
      'payment.captured',
      (event) => {
        runs.push(event);
        if (state.failing) throw new Error('ledger locked');
      },
      { name: 'book-payment', retries: 0 },
    );
    await bus.start();
    return { bus, runs, state };
  }

  /** Writes an entry into the queue's keys by hand, as anyone with write access to Redis could. */
  async function forgeEntry(envelope: object): Promise<string> {
    const id = randomUUID();
    const now = new Date().toISOString();
    const entry = { id, type: 'payment.captured', deadLetteredAt: now, reason: 'retries-exhausted', envelope, handler: 'book-payment', error: { name: 'Error', message: 'x' }, attempts: 1, firstFailedAt: now, lastFailedAt: now };
    await bed.client.multi().hset(`${bed.prefix}:dlq:entries`, id, JSON.stringify(entry)).rpush(`${bed.prefix}:dlq`, id).exec();
    return id;
  }

  it('replays a genuine signed dead letter with a signed request', async () => {
    const { bus, runs, state } = await verifyingService();
    await bus.publish({ type: 'payment.captured', payload: { amountCents: 5 } });
    await waitFor(async () => (await bus.deadLetters.count()) === 1);
    const [entry] = (await bus.deadLetters.list()).entries as [DeadLetterEntry];
    state.failing = false;
    const queue = new RedisDeadLetterQueue(bed.client, bed.prefix, { signing: SIGNING });
    await expect(queue.replay(entry.id)).resolves.toMatchObject({ status: 'replayed' });
    expect(runs).toHaveLength(2);
    expect(await queue.count()).toBe(0);
  });

  it('replays with `herald dlq replay` given the key in HERALD_SIGNING_KEY_ID and HERALD_SIGNING_KEY', async () => {
    const { bus, runs, state } = await verifyingService();
    await bus.publish({ type: 'payment.captured', payload: { amountCents: 5 } });
    await waitFor(async () => (await bus.deadLetters.count()) === 1);
    const [entry] = (await bus.deadLetters.list()).entries as [DeadLetterEntry];
    state.failing = false;
    const args = ['dlq', 'replay', entry.id, '--redis-url', redis.url, '--prefix', bed.prefix, '--json'];
    const { doc } = await heraldJson(args, { HERALD_SIGNING_KEY_ID: 'k1', HERALD_SIGNING_KEY: K1 });
    expect(doc).toEqual({ replayed: [entry.id], failed: [] });
    expect(runs).toHaveLength(2);
  });

  it('refuses to replay a forged dead letter, unsigned or altered: no handler runs and the entry stays', async () => {
    const { bus, runs, state } = await verifyingService();
    state.failing = false;
    const unsigned = await forgeEntry(outsideEnvelope('evt-forged'));
    const altered = JSON.parse(await signWithPython(outsideEnvelope('evt-altered'), 'k1', K1)) as { payload: { amountCents: number } };
    altered.payload.amountCents = 999_999;
    const alteredId = await forgeEntry(altered);
    const queue = new RedisDeadLetterQueue(bed.client, bed.prefix, { signing: SIGNING });
    const outcomes = [await queue.replay(unsigned, { claimTimeoutMs: 2_000 }), await queue.replay(alteredId, { claimTimeoutMs: 2_000 })];
    expect(outcomes).toMatchObject([
      { status: 'failed', code: 'signature', reason: expect.stringMatching(/carries no signature/) },
      { status: 'failed', code: 'signature', reason: expect.stringMatching(/does not match/) },
    ]);
    expect(runs).toEqual([]);
    expect(await bus.deadLetters.count()).toBe(2);
    expect(await bus.deadLetters.get(unsigned)).toMatchObject({ replays: { count: 1, lastError: { name: 'SignatureError' } } });
  });

  it('ignores and logs an unsigned replay request: no instance claims the entry, which stays', async () => {
    const { logger, messages } = warnings();
    const { bus, runs, state } = await verifyingService({ logger });
    await bus.publish({ type: 'payment.captured', payload: { amountCents: 5 } });
    await waitFor(async () => (await bus.deadLetters.count()) === 1);
    const [entry] = (await bus.deadLetters.list()).entries as [DeadLetterEntry];
    state.failing = false;
    const unsignedQueue = new RedisDeadLetterQueue(bed.client, bed.prefix);
    await expect(unsignedQueue.replay(entry.id, { claimTimeoutMs: 300 })).resolves.toMatchObject({ status: 'failed', code: 'no-answer' });
    await quietWindow(100);
    expect(runs).toHaveLength(1);
    expect(await bus.deadLetters.count()).toBe(1);
    expect(messages).toContain('ignored a replay request that fails signature verification');
  });
});
