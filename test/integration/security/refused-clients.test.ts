import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  DurableEventBus,
  type Logger,
  RedisAuthError,
  RedisDatabaseError,
  RedisEventBus,
  openRedisDeadLetterQueue,
} from '../../../src/index.js';
import { RedisServer, findRedisServerBinary } from '../../support/redis-server.js';
import { trackBuses } from '../../support/test-buses.js';
import { uniquePrefix } from '../../support/wait-for.js';
import { herald, heraldJson } from '../cli-harness.js';

// These tests configure Redis itself (a password, ACL users), so they need private servers.
const PASSWORD = 'door-password-77';
const WRONG = 'wrong-secret-4242';
let locked: RedisServer;
let open: RedisServer;
let admin: Redis;

describe.skipIf(findRedisServerBinary() === undefined)('Redis that refuses a client', () => {
  beforeAll(async () => {
    [locked, open] = await Promise.all([RedisServer.start({ password: PASSWORD }), RedisServer.start()]);
    admin = new Redis(locked.url);
    await admin.call('ACL', 'SETUSER', 'no-subscribe', 'on', '>pw', '~*', '&*', '+@all', '-subscribe', '-psubscribe');
    await admin.call('ACL', 'SETUSER', 'no-publish', 'on', '>pw', '~*', '&*', '+@all', '-publish');
    await admin.call('ACL', 'SETUSER', 'no-xgroup', 'on', '>pw', '~*', '&*', '+@all', '-xgroup');
    await admin.call('ACL', 'SETUSER', 'events-only', 'on', '>pw', '~*', '&*:events|*', '+@all');
  });
  afterAll(async () => {
    admin?.disconnect();
    await Promise.all([locked?.stop(), open?.stop()]);
  });
  const { track } = trackBuses({ shutdownTimeoutMs: 100 });

  /** The locked server's URL with other credentials (and database). */
  const at = (auth: string, db = '') => `redis://${auth}${locked.host}:${locked.port}${db}`;

  async function startFailure(bus: { start(): Promise<void> }): Promise<{ error: unknown; ms: number }> {
    const started = performance.now();
    const error = await bus.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    return { error, ms: performance.now() - started };
  }

  describe('when the password is wrong', () => {
    it.each([
      ['RedisEventBus', (redisUrl: string) => new RedisEventBus({ redisUrl, connectTimeoutMs: 5_000, logger: false })],
      ['DurableEventBus', (redisUrl: string) => new DurableEventBus({ redisUrl, connectTimeoutMs: 5_000, logger: false, group: 'g' })],
    ])('%s fails start() at once with RedisAuthError, and the error never shows the password', async (_, create) => {
      const bus = track(create(at(`:${WRONG}@`)));
      bus.subscribe('order.placed', () => {}, { name: 'h' });

      const { error, ms } = await startFailure(bus);

      expect(RedisAuthError.is(error), inspect(error)).toBe(true);
      expect(error).toMatchObject({ code: 'HERALD_REDIS_AUTH', reason: 'wrong-password' });
      expect((error as Error).message).toMatch(/WRONGPASS/);
      expect(ms).toBeLessThan(2_500);
      const printed = inspect(error, { depth: Infinity, showHidden: true });
      expect(printed).not.toContain(WRONG);
      expect(printed).toContain('WRONGPASS');
      expect((error as Error).cause).not.toHaveProperty('command');
    });

    it('openRedisDeadLetterQueue fails at once with RedisAuthError, and the error never shows the password', async () => {
      const started = performance.now();
      const error = await openRedisDeadLetterQueue({ redisUrl: at(`:${WRONG}@`), prefix: 'p' }).catch((e: unknown) => e);
      expect(RedisAuthError.is(error), inspect(error)).toBe(true);
      expect(performance.now() - started).toBeLessThan(2_500);
      expect(inspect(error, { depth: Infinity, showHidden: true })).not.toContain(WRONG);
    });

    it('makes the CLI say the password is wrong, not that Redis is down, without printing it', async () => {
      const { run, doc } = await heraldJson(['dlq', 'count', '--redis-url', at(`:${WRONG}@`), '--prefix', uniquePrefix()]);
      expect(run.code).toBe(1);
      expect(doc).toMatchObject({ error: { code: 'redis-auth' } });
      expect(run.stderr).toContain('WRONGPASS');
      expect(run.stderr).not.toMatch(/running|reach/i);
      expect(run.stdout + run.stderr).not.toContain(WRONG);
    });
  });

  it('names a missing password (NOAUTH) at once', async () => {
    const bus = track(new RedisEventBus({ redisUrl: at(''), connectTimeoutMs: 5_000, logger: false }));
    const { error, ms } = await startFailure(bus);
    expect(error).toBeInstanceOf(RedisAuthError);
    expect(error).toMatchObject({ reason: 'no-password' });
    expect(ms).toBeLessThan(2_500);
  });

  describe('when an ACL user lacks a permission Herald needs', () => {
    it('fails start() of a Pub/Sub consumer that may not SUBSCRIBE, naming the command', async () => {
      const bus = track(new RedisEventBus({ redisUrl: at('no-subscribe:pw@'), connectTimeoutMs: 5_000, logger: false }));
      bus.subscribe('order.placed', () => {}, { name: 'h' });
      const { error, ms } = await startFailure(bus);
      expect(error).toBeInstanceOf(RedisAuthError);
      expect(error).toMatchObject({ reason: 'no-permission', command: 'subscribe' });
      expect(ms).toBeLessThan(2_500);
    });

    it('fails start() of a durable consumer that may not create its group, naming the command', async () => {
      const bus = track(new DurableEventBus({ redisUrl: at('no-xgroup:pw@'), prefix: uniquePrefix(), group: 'g', logger: false }));
      bus.subscribe('order.placed', () => {}, { name: 'h' });
      const { error } = await startFailure(bus);
      expect(error).toBeInstanceOf(RedisAuthError);
      expect(error).toMatchObject({ reason: 'no-permission', command: 'xgroup|create' });
    });

    it('fails start() when the replay listener may not subscribe to its control channel', async () => {
      const bus = track(new RedisEventBus({ redisUrl: at('events-only:pw@'), connectTimeoutMs: 5_000, logger: false }));
      const { error, ms } = await startFailure(bus);
      expect(error).toBeInstanceOf(RedisAuthError);
      expect(error).toMatchObject({ reason: 'no-permission', command: 'subscribe' });
      expect(ms).toBeLessThan(2_500);
    });

    it('rejects a publish that Redis refuses with RedisAuthError, not "may have been delivered"', async () => {
      const bus = track(new RedisEventBus({ redisUrl: at('no-publish:pw@'), logger: false }));
      await bus.start();
      const error = await bus.publish({ type: 'order.placed', payload: {} }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisAuthError);
      expect(error).toMatchObject({ reason: 'no-permission', command: 'publish' });
      expect(bus.stats().published).toBe(0);
    });
  });

  describe('when the URL names a database the server does not have', () => {
    it('fails start() with RedisDatabaseError and writes nothing to database 0', async () => {
      const prefix = uniquePrefix();
      const bus = track(
        new DurableEventBus({ redisUrl: at(`:${PASSWORD}@`, '/99'), prefix, group: 'g', publishTimeoutMs: 500, logger: false }),
      );
      // A publish before start() connects on its own: it must not land in database 0 either.
      const published = bus.publish({ type: 'order.placed', payload: {} }).catch((e: unknown) => e);
      const { error, ms } = await startFailure(bus);
      expect(error).toBeInstanceOf(RedisDatabaseError);
      expect(error).toMatchObject({ code: 'HERALD_REDIS_DATABASE', database: 99 });
      expect(ms).toBeLessThan(2_500);
      expect(await published).toBeInstanceOf(Error);
      expect(await admin.keys(`${prefix}:*`)).toEqual([]);
    });

    it('makes the CLI fail instead of reading database 0', async () => {
      const prefix = uniquePrefix();
      await admin.rpush(`${prefix}:dlq`, '{}');
      const run = await herald(['dlq', 'count', '--redis-url', at(`:${PASSWORD}@`, '/99'), '--prefix', prefix]);
      await admin.del(`${prefix}:dlq`);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('database 99');
      expect(run.stdout).toBe('');
    });
  });

  describe('when the server does not check the password given', () => {
    const unneeded = () => `redis://:not-needed@${open.host}:${open.port}`;

    it('logs one warning through the bus logger, and ioredis prints nothing', async () => {
      const warnings: string[] = [];
      const logger: Logger = { debug() {}, info() {}, error() {}, warn: (_: unknown, msg?: string) => void warnings.push(msg ?? ''), child: () => logger };
      const printed = vi.spyOn(console, 'warn').mockImplementation(() => {});
      try {
        const bus = track(new RedisEventBus({ redisUrl: unneeded(), logger }));
        bus.subscribe('order.placed', () => {}, { name: 'h' });
        await bus.start();
        await bus.publish({ type: 'order.placed', payload: {} });
        expect(printed).not.toHaveBeenCalled();
      } finally {
        printed.mockRestore();
      }
      expect(warnings.filter((w) => w.includes('without checking the password'))).toHaveLength(1);
    });

    it('keeps the CLI output clean', async () => {
      const run = await herald(['dlq', 'count', '--redis-url', unneeded(), '--prefix', uniquePrefix()]);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout.trim()).toBe('0');
    });
  });
});
