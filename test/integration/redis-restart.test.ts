import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { PublishTimeoutError, RedisConnectionError, RedisEventBus } from '../../src/index.js';
import { anOrder, OrderPlaced } from '../fixtures/shop.js';
import { canRestartRedis, useRedisServer } from '../support/redis-server.js';
import { quietWindow, uniquePrefix, waitFor } from '../support/wait-for.js';

const redis = useRedisServer();
const buses: RedisEventBus[] = [];
afterEach(async () => {
  await Promise.allSettled(buses.splice(0).map((bus) => bus.shutdown({ timeoutMs: 1_000 })));
  // A failed fault test must not leave the next one without a server.
  if (canRestartRedis && redis.server.pid === undefined) await redis.server.restart();
});

function newBus(options: ConstructorParameters<typeof RedisEventBus>[0] = {}) {
  const bus = new RedisEventBus({ redisUrl: redis.url, prefix: uniquePrefix(), logger: false, ...options });
  buses.push(bus);
  return bus;
}

describe.skipIf(!canRestartRedis)('RedisEventBus when Redis goes away', () => {
  it('resumes delivery after redis-server is SIGKILLed and restarted, without recreating the bus', async () => {
    const bus = newBus();
    const exact: string[] = [];
    const pattern: string[] = [];
    bus.subscribe(OrderPlaced, (e) => void exact.push(e.payload.orderId), { name: 'exact' });
    bus.subscribe('order.*', (e) => void pattern.push((e.payload as { orderId: string }).orderId), { name: 'pattern' });
    await bus.start();
    await bus.publish(anOrder(0));
    await waitFor(() => exact.length === 1 && pattern.length === 1);

    await redis.server.kill('SIGKILL');
    await waitFor(async () => (await bus.health()).status === 'degraded');
    await redis.server.restart();
    await waitFor(async () => (await bus.health()).status === 'ready', { timeoutMs: 10_000 });

    await bus.publish(anOrder(1));
    await waitFor(() => exact.length === 2 && pattern.length === 2);
    expect(exact).toEqual(['o-0', 'o-1']);
    expect(pattern).toEqual(['o-0', 'o-1']);
    expect(bus.stats().reconnects).toBe(1);
  });

  it('still runs each handler once per event after three restarts', async () => {
    const bus = newBus();
    const seen: string[] = [];
    bus.subscribe(OrderPlaced, (e) => void seen.push(e.payload.orderId), { name: 'once' });
    await bus.start();
    for (let i = 0; i < 3; i++) {
      await redis.server.kill('SIGKILL');
      await redis.server.restart();
      await waitFor(async () => (await bus.health()).status === 'ready', { timeoutMs: 10_000 });
    }
    for (let i = 0; i < 20; i++) await bus.publish(anOrder(i));
    await waitFor(() => seen.length >= 20);
    await quietWindow(100); // no duplicate may arrive
    expect(seen).toHaveLength(20);
    expect(new Set(seen).size).toBe(20);
    expect(bus.stats().reconnects).toBe(3);
  });

  it('resubscribes after Redis drops only the subscriber connection', async () => {
    const bus = newBus();
    const seen: string[] = [];
    bus.subscribe(OrderPlaced, (e) => void seen.push(e.id), { name: 'h' });
    await bus.start();
    const admin = new Redis(redis.url);
    expect(await admin.client('KILL', 'TYPE', 'pubsub')).toBeGreaterThanOrEqual(1);
    await waitFor(async () => bus.stats().reconnects === 1 && (await bus.health()).status === 'ready');
    await bus.publish(anOrder(1));
    await waitFor(() => seen.length === 1);
    await admin.quit();
  });

  it('rejects a publish with PublishTimeoutError when the outage outlasts publishTimeoutMs', async () => {
    const bus = newBus({ publishTimeoutMs: 300 });
    await bus.start();
    await redis.server.kill('SIGKILL');
    await waitFor(async () => (await bus.health()).status === 'degraded');
    const started = Date.now();
    const error = await bus.publish(anOrder(1)).catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(error).toBeInstanceOf(PublishTimeoutError);
    expect((error as PublishTimeoutError).sent).toBe(false);
    expect((error as Error).message).toMatch(/publishTimeoutMs \(300 ms/);
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(1_000);
    expect(bus.stats().published).toBe(0);
  });

  it('holds a publish during a short outage and resolves once Redis accepted it', async () => {
    const bus = newBus({ publishTimeoutMs: 8_000 });
    const seen: string[] = [];
    bus.subscribe(OrderPlaced, (e) => void seen.push(e.id), { name: 'h' });
    await bus.start();
    await redis.server.kill('SIGKILL');
    await waitFor(async () => (await bus.health()).status === 'degraded');
    const publishing = bus.publish(anOrder(1));
    let settled = false;
    void publishing.finally(() => (settled = true));
    await quietWindow(200); // the publish must still be waiting
    expect(settled).toBe(false);
    await redis.server.restart();
    const envelope = await publishing;
    expect(bus.stats().published).toBe(1);
    // The subscriber may or may not be back before the PUBLISH: Pub/Sub is at-most-once, and the
    // zero-receiver case is counted rather than hidden.
    await waitFor(() => seen.includes(envelope.id) || bus.stats().publishedToNoSubscriber === 1);
  });
});

describe.skipIf(!canRestartRedis)('RedisEventBus when Redis is down at shutdown', () => {
  it('logs a dead letter it cannot write in full and counts it, instead of losing it silently', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
    const bus = newBus({ logger });
    bus.subscribe(OrderPlaced, (_e, ctx) => {
      if (ctx.attempt === 1) return new Promise((_, reject) => setTimeout(reject, 100, new Error('late failure')));
    }, { name: 'doomed', retries: 0 });
    await bus.start();
    const envelope = await bus.publish(anOrder(1));
    await waitFor(() => bus.stats().inFlight === 1);
    await redis.server.kill('SIGKILL');
    await bus.shutdown({ timeoutMs: 1_000 });
    expect(bus.stats()).toMatchObject({ deadLettered: 0, deadLetterWriteFailures: 1 });
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; entry?: string });
    const lost = logged.find((l) => l.msg.startsWith('could not write dead letter'));
    // JSON text, so that pino's depth limit cannot cut a nested payload short.
    expect(JSON.parse(lost!.entry!)).toMatchObject({ handler: 'doomed', envelope: { id: envelope.id } });
  });
});

describe('RedisEventBus when Redis is unreachable at start', () => {
  it('rejects start() with RedisConnectionError that hides the password', async () => {
    const probe = new Redis(redis.url);
    await probe.quit();
    const bus = newBus({ redisUrl: 'redis://user:s3cret@127.0.0.1:1/0', connectTimeoutMs: 300 });
    const error = await bus.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisConnectionError);
    expect((error as Error).message).not.toContain('s3cret');
    expect((error as Error).message).toContain('127.0.0.1:1');
    expect((await bus.health()).status).toBe('starting');
  });
});
