import { createConnection } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { ExternalRedis, RedisServer, canRestartRedis, useRedisServer } from '../support/redis-server.js';
import { deferred, uniquePrefix, waitFor } from '../support/wait-for.js';

const redis = useRedisServer();

const clients: Redis[] = [];
/** A client that never reconnects and fails fast, so broken connections surface as errors. */
function client(url: string): Redis {
  const c = new Redis(url, {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: 2000,
  });
  c.on('error', () => undefined); // errors are asserted via rejected commands
  clients.push(c);
  return c;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves to the socket error code of a raw TCP connect to 127.0.0.1:port ('connected' if it worked). */
function rawConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
});

describe('RedisServer launcher', () => {
  it('starts a private server that answers PING', async () => {
    const { server, url } = redis;
    expect(url).toBe(`redis://127.0.0.1:${server.port}`);
    const c = client(url);
    await c.connect();
    expect(await c.ping()).toBe('PONG');
    const prefix = uniquePrefix();
    await c.set(`${prefix}:k`, 'v');
    expect(await c.get(`${prefix}:k`)).toBe('v');
  });

  it.skipIf(!canRestartRedis)('kill → connection errors; restart on the same port → PING works again', async () => {
    const { server } = redis;
    const port = server.port;
    const oldPid = server.pid;
    expect(oldPid).toBeTypeOf('number');

    const before = client(server.url);
    await before.connect();
    expect(await before.ping()).toBe('PONG');

    await server.kill();
    expect(server.pid).toBeUndefined();
    expect(isAlive(oldPid!)).toBe(false);

    await expect(before.ping()).rejects.toThrow();
    await expect(client(server.url).connect()).rejects.toThrow();
    expect(await rawConnect(port)).toBe('ECONNREFUSED');

    await server.restart();
    expect(server.port).toBe(port);
    expect(server.pid).toBeTypeOf('number');
    expect(server.pid).not.toBe(oldPid);

    const after = client(server.url);
    await after.connect();
    expect(await after.ping()).toBe('PONG');
  });

  it.skipIf(!canRestartRedis)('restart of a running server replaces the process', async () => {
    const { server } = redis;
    const oldPid = server.pid!;
    await server.restart();
    expect(isAlive(oldPid)).toBe(false);
    const c = client(server.url);
    await c.connect();
    expect(await c.ping()).toBe('PONG');
  });

  it.skipIf(!canRestartRedis)('kill with SIGTERM waits for exit too', async () => {
    const { server } = redis;
    const pid = server.pid!;
    await server.kill('SIGTERM');
    expect(isAlive(pid)).toBe(false);
    await server.kill(); // no-op when not running
    await server.restart();
    expect(server.pid).toBeTypeOf('number');
  });

  it.skipIf(!canRestartRedis)('stop is idempotent and frees the port; restart after stop throws', async () => {
    const own = await RedisServer.start();
    const pid = own.pid!;
    await own.stop();
    await own.stop();
    expect(own.pid).toBeUndefined();
    expect(isAlive(pid)).toBe(false);
    await expect(client(own.url).connect()).rejects.toThrow();
    expect(await rawConnect(own.port)).toBe('ECONNREFUSED');
    await expect(own.restart()).rejects.toThrow(/stopped/);
  });

  it.skipIf(!canRestartRedis)('concurrent starts get distinct ports', async () => {
    const servers = await Promise.all([RedisServer.start(), RedisServer.start()]);
    try {
      const [a, b] = servers;
      expect(a!.port).not.toBe(b!.port);
      for (const s of servers) {
        const c = client(s.url);
        await c.connect();
        expect(await c.ping()).toBe('PONG');
      }
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  });

  it.skipIf(!canRestartRedis)('a port held by another server is reported, not mistaken for ours', async () => {
    await expect(RedisServer.start({ port: redis.server.port })).rejects.toThrow(/address already in use/i);
  });

  it('an external REDIS_URL handle refuses kill/restart with a clear error', async () => {
    const external = new ExternalRedis('redis://example.invalid:6390');
    expect(external.canRestart).toBe(false);
    expect(external.port).toBe(6390);
    await expect(external.kill()).rejects.toThrow(/REDIS_URL.*canRestartRedis/s);
    await expect(external.restart()).rejects.toThrow(/external Redis/);
    await external.stop();
  });
});

describe('wait-for helpers', () => {
  it('waitFor resolves once the predicate holds', async () => {
    let n = 0;
    await waitFor(() => ++n >= 3, { intervalMs: 1 });
    expect(n).toBe(3);
  });

  it('waitFor times out with the diagnosis in the message', async () => {
    const missing = ['a', 'b'];
    await expect(
      waitFor(async () => false, { timeoutMs: 50, message: () => `missing ids: ${missing.join(',')}` }),
    ).rejects.toThrow(/timed out.*missing ids: a,b/);
  });

  it('deferred settles from outside', async () => {
    const d = deferred<number>();
    expect(d.settled).toBe(false);
    d.resolve(42);
    expect(d.settled).toBe(true);
    await expect(d.promise).resolves.toBe(42);
    expect(uniquePrefix()).toMatch(/^t-[0-9a-f]{8}$/);
  });
});
