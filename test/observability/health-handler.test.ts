import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHealthHandler, RedisEventBus, type HealthHandler } from '../../src/index.js';
import { OrderPlaced } from '../fixtures/shop.js';
import { canRestartRedis, useRedisServer } from '../support/redis-server.js';
import { uniquePrefix, waitFor } from '../support/wait-for.js';

const redis = useRedisServer();
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  if (canRestartRedis && redis.server.pid === undefined) await redis.server.restart();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

/** Serves `handler` the way Express and Connect call middleware: what it passes on gets a 404 from the app. */
async function serve(handler: HealthHandler): Promise<string> {
  const server: Server = createServer((req, res) =>
    handler(req, res, () => {
      res.statusCode = 404;
      res.end('app: not found');
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function aBus(): RedisEventBus {
  const bus = new RedisEventBus({ redisUrl: redis.url, prefix: uniquePrefix(), logger: false, connectTimeoutMs: 2_000 });
  bus.subscribe(OrderPlaced, async () => {}, { name: 'record' });
  cleanups.push(() => bus.shutdown({ timeoutMs: 500 }));
  return bus;
}

describe(createHealthHandler, () => {
  it('answers readiness 503 while starting, then 200 with the health JSON once ready', async () => {
    const bus = aBus();
    const base = await serve(createHealthHandler(bus));

    const starting = await fetch(`${base}/health/ready`);
    expect(starting.status).toBe(503);
    expect(await starting.json()).toMatchObject({ status: 'starting' });

    await bus.start();
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(ready.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(ready.headers.get('cache-control')).toBe('no-store');
    expect(await ready.json()).toEqual({
      status: 'ready',
      transport: 'redis',
      connections: { publisher: 'ready', subscriber: 'ready' },
      subscriptions: { confirmed: 1, pending: 0 },
      deadLetters: 0,
      inFlight: 0,
    });
    const summary = await fetch(`${base}/health`);
    expect(summary.status).toBe(200);
  });

  it.skipIf(!canRestartRedis)('answers readiness 503 (degraded) while Redis is down, and liveness stays 200', async () => {
    const bus = aBus();
    await bus.start();
    const base = await serve(createHealthHandler(bus));

    await redis.server.kill();
    await waitFor(async () => (await fetch(`${base}/health/ready`)).status === 503, { timeoutMs: 5_000 });
    expect(await (await fetch(`${base}/health/ready`)).json()).toMatchObject({ status: 'degraded' });
    const live = await fetch(`${base}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ alive: true, status: 'degraded' });

    await redis.server.restart();
    await waitFor(async () => (await fetch(`${base}/health/ready`)).status === 200, { timeoutMs: 10_000 });
  });

  it('answers liveness 503 once the bus has shut down', async () => {
    const bus = aBus();
    await bus.start();
    const base = await serve(createHealthHandler(bus));
    expect((await fetch(`${base}/health/live`)).status).toBe(200);

    await bus.shutdown();
    const live = await fetch(`${base}/health/live`);
    expect(live.status).toBe(503);
    expect(await live.json()).toEqual({ alive: false, status: 'closed' });
    expect((await fetch(`${base}/health/ready`)).status).toBe(503);
  });

  it('passes other paths on to next, answers HEAD without a body and refuses other methods', async () => {
    const bus = aBus();
    await bus.start();
    const base = await serve(createHealthHandler(bus, { basePath: '/ops/health' }));

    const other = await fetch(`${base}/orders`);
    expect(other.status).toBe(404);
    expect(await other.text()).toBe('app: not found');
    const head = await fetch(`${base}/ops/health/ready`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(`${base}/ops/health/live`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers 404 itself for paths it does not serve when there is no next', async () => {
    const bus = aBus();
    const handler = createHealthHandler(bus);
    const server = createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/elsewhere`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'not-found' } });
  });

  it('rejects a basePath that is not a path', () => {
    expect(() => createHealthHandler(aBus(), { basePath: 'health' })).toThrow(/basePath/);
  });
});
