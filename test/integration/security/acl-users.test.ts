/**
 * docs/security.md, tested: the ACL rules of each role, read from the page
 * itself, for restricted users on a private Redis.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/run-cli.js';
import type { CliIo } from '../../../src/cli/cli-io.js';
import { DurableEventBus, type EventEnvelope, NonRetryableError, RedisEventBus, openRedisDeadLetterQueue } from '../../../src/index.js';
import { RedisServer, findRedisServerBinary } from '../../support/redis-server.js';
import { simulateWork, uniquePrefix, waitFor } from '../../support/wait-for.js';

const SECURITY_MD = readFileSync(fileURLToPath(new URL('../../../docs/security.md', import.meta.url)), 'utf8');

/** The rules of one `<!-- acl: name -->` block of docs/security.md, for `prefix` and the password `pw`. */
function rulesOf(name: string, prefix: string): string[] {
  const block = new RegExp(`<!-- acl: ${name} -->\\n\`\`\`text\\n([\\s\\S]*?)\`\`\``).exec(SECURITY_MD)?.[1];
  if (!block) throw new Error(`docs/security.md has no ACL block "${name}"`);
  return block
    .split(/\s+/)
    .filter(Boolean)
    .map((rule) => (rule.startsWith('>') ? '>pw' : rule.replaceAll('shop:', `${prefix}:`)));
}

interface AclRefusal {
  readonly username: string;
  readonly reason: string;
  readonly object: string;
  readonly context: string;
}

function fakeIo(): CliIo & { out(): string; err(): string } {
  let out = '';
  let err = '';
  return {
    stdout: { isTTY: false, columns: undefined, write: (text: string) => void (out += text) },
    stderr: { isTTY: false, columns: undefined, write: (text: string) => void (err += text) },
    interactive: false,
    env: {},
    prompt: async () => '',
    now: () => new Date(),
    out: () => out,
    err: () => err,
  };
}

const hasRedis = findRedisServerBinary() !== undefined;

describe.skipIf(!hasRedis)('the ACL rules of docs/security.md', () => {
  let server: RedisServer;
  let admin: Redis;
  let prefix: string;
  const users: string[] = [];
  const stops: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    server = await RedisServer.start();
    admin = new Redis(server.url);
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });
  beforeEach(async () => {
    prefix = uniquePrefix();
    await admin.call('ACL', 'LOG', 'RESET');
  });
  afterEach(async () => {
    await Promise.allSettled(stops.splice(0).map((stop) => stop()));
    for (const user of users.splice(0)) await admin.call('ACL', 'DELUSER', user);
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length > 0) await admin.del(...keys);
  });

  /** Creates a user from a block of docs/security.md; returns its URL. */
  async function user(block: string): Promise<string> {
    const name = `${prefix}-${block}`;
    await admin.call('ACL', 'SETUSER', name, ...rulesOf(block, prefix));
    users.push(name);
    return `redis://${name}:pw@${server.host}:${server.port}`;
  }

  /** What Redis refused each of this test's users, from ACL LOG. */
  async function refusals(): Promise<AclRefusal[]> {
    const log = (await admin.call('ACL', 'LOG', '1000')) as unknown[][];
    return log
      .map((entry) => {
        const fields: Record<string, string> = {};
        for (let i = 0; i + 1 < entry.length; i += 2) fields[String(entry[i])] = String(entry[i + 1]);
        return fields as unknown as AclRefusal;
      })
      .filter((refusal) => refusal.username.startsWith(`${prefix}-`));
  }

  function later<T extends { shutdown(options?: { timeoutMs?: number }): Promise<void> }>(bus: T): T {
    stops.push(() => bus.shutdown({ timeoutMs: 200 }));
    return bus;
  }

  async function cli(url: string, ...args: string[]) {
    const io = fakeIo();
    const code = await runCli([...args, '--redis-url', url, '--prefix', prefix, '--json'], {
      io,
      open: (options) => openRedisDeadLetterQueue(options),
    });
    return { code, doc: io.out() ? (JSON.parse(io.out()) as Record<string, any>) : undefined, stderr: io.err() };
  }

  /** A consumer: bills (and publishes order.billed), fails once per event, audits order.* */
  function consumer(bus: RedisEventBus | DurableEventBus, audited: string[]) {
    const failed = new Set<string>();
    bus.subscribe('order.placed', (event, ctx) => ctx.publish({ type: 'order.billed', payload: event.payload }).then(() => {}), {
      name: 'bill',
    });
    bus.subscribe(
      'order.placed',
      (event) => {
        if (failed.has(event.id)) return;
        failed.add(event.id);
        throw new NonRetryableError('card declined');
      },
      { name: 'charge-card' },
    );
    bus.subscribe('order.*', (event) => void audited.push(event.type), { name: 'audit' });
    return bus;
  }

  it('let a Pub/Sub publisher and consumer do their work, and the CLI replay, remove and purge', async () => {
    const [publisherUrl, consumerUrl, operatorUrl] = await Promise.all([user('publisher-pubsub'), user('consumer-pubsub'), user('cli')]);
    const audited: string[] = [];
    const service = later(consumer(new RedisEventBus({ redisUrl: consumerUrl, prefix, logger: false, retry: { retries: 0 } }), audited));
    const dropped = service.subscribe('order.cancelled', () => {}, { name: 'cancel' });
    await service.start();
    dropped();
    const publisher = later(new RedisEventBus({ redisUrl: publisherUrl, prefix, logger: false }));
    await publisher.start();

    await publisher.publish({ type: 'order.placed', payload: { orderId: 'o-1' } });
    await publisher.publish({ type: 'order.placed', payload: { orderId: 'o-2' } });
    await waitFor(() => audited.length === 4, { message: () => `audited ${audited.join(', ')}` });
    await waitFor(async () => (await admin.llen(`${prefix}:dlq`)) === 2);
    expect(audited.sort()).toEqual(['order.billed', 'order.billed', 'order.placed', 'order.placed']);
    expect((await publisher.health()).deadLetters).toBe(2);

    const list = await cli(operatorUrl, 'dlq', 'list');
    const [first, second] = (list.doc!.entries as { id: string }[]).map((entry) => entry.id);
    expect(await cli(operatorUrl, 'dlq', 'show', first!)).toMatchObject({ code: 0, doc: { id: first, handler: 'charge-card' } });
    expect(await cli(operatorUrl, 'dlq', 'replay', first!)).toMatchObject({ code: 0, doc: { replayed: [first] } });
    expect(await cli(operatorUrl, 'dlq', 'remove', second!)).toMatchObject({ code: 0 });
    await admin.rpush(`${prefix}:dlq`, 'left-over');
    expect(await cli(operatorUrl, 'dlq', 'purge', '--yes')).toMatchObject({ code: 0 });
    expect(await cli(operatorUrl, 'dlq', 'count')).toMatchObject({ code: 0, doc: { count: 0 } });

    await publisher.shutdown();
    await service.shutdown();
    expect(await refusals()).toEqual([]);
  });

  it('let a durable publisher and consumers do their work, take over a stopped instance, and the CLI replay', async () => {
    const [publisherUrl, consumerUrl, operatorUrl] = await Promise.all([user('publisher-durable'), user('consumer-durable'), user('cli')]);
    const publisher = later(new DurableEventBus({ redisUrl: publisherUrl, prefix, group: 'storefront', logger: false }));
    await publisher.start();
    // Already in the stream when the group is created: counted and skipped.
    await publisher.publish({ type: 'order.placed', payload: { orderId: 'before' } });

    const durable = (consumerName: string) =>
      new DurableEventBus({ redisUrl: consumerUrl, prefix, group: 'billing', consumer: consumerName, claimIdleMs: 200, logger: false, retry: { retries: 0 } });
    const first = later(durable('first'));
    const held: EventEnvelope[] = [];
    first.subscribe('order.placed', async (event) => void held.push(event), { name: 'audit' });
    first.subscribe('order.placed', () => simulateWork(5_000), { name: 'bill' });
    await first.start();
    await publisher.publish({ type: 'order.placed', payload: { orderId: 'o-1' } });
    await waitFor(() => held.length === 1);
    // Stops with `bill` unfinished: the entry stays pending, with `audit` recorded as done.
    await first.shutdown({ timeoutMs: 0 });

    const audited: string[] = [];
    const second = later(consumer(durable('second'), audited));
    await second.start();
    await publisher.publish({ type: 'order.placed', payload: { orderId: 'o-2' } });
    await waitFor(() => audited.filter((type) => type === 'order.placed').length === 1 && audited.includes('order.billed'), {
      message: () => `audited ${audited.join(', ')}`,
    });
    // charge-card fails once for o-2, and for o-1 once the second instance has taken it over.
    let deadLetters = 0;
    await waitFor(async () => (deadLetters = await admin.llen(`${prefix}:dlq`)) === 2, {
      timeoutMs: 10_000,
      message: () => `${deadLetters} dead letters`,
    });
    await waitFor(async () => ((await admin.xpending(`${prefix}:stream|order.placed`, 'billing')) as [number])[0] === 0, {
      timeoutMs: 10_000,
      message: 'the stopped instance\'s entry was not taken over and acknowledged',
    });

    const [entry] = (await cli(operatorUrl, 'dlq', 'list')).doc!.entries as { id: string }[];
    expect(await cli(operatorUrl, 'dlq', 'replay', entry!.id)).toMatchObject({ code: 0, doc: { replayed: [entry!.id] } });

    await publisher.shutdown();
    await second.shutdown();
    expect(await refusals()).toEqual([]);
  });

  it('let a read-only operator count, list and show, and nothing more', async () => {
    const viewerUrl = await user('cli-read-only');
    const { queue, close } = await openRedisDeadLetterQueue({ redisUrl: server.url, prefix });
    const now = new Date().toISOString();
    const entry = await queue.add({
      reason: 'retries-exhausted',
      envelope: { id: 'evt-1', type: 'order.placed', timestamp: now, correlationId: 'req-1', payload: {} },
      handler: 'charge-card',
      error: { name: 'Error', message: 'declined' },
      attempts: 1,
      firstFailedAt: now,
      lastFailedAt: now,
    });
    await close();

    expect(await cli(viewerUrl, 'dlq', 'count')).toMatchObject({ code: 0, doc: { count: 1 } });
    expect(await cli(viewerUrl, 'dlq', 'list')).toMatchObject({ code: 0, doc: { total: 1 } });
    expect(await cli(viewerUrl, 'dlq', 'show', entry.id)).toMatchObject({ code: 0, doc: { id: entry.id } });
    expect(await refusals()).toEqual([]);

    const purge = await cli(viewerUrl, 'dlq', 'purge', '--yes');
    expect(purge).toMatchObject({ code: 1, doc: { error: { code: 'redis-auth' } } });
    expect(await admin.llen(`${prefix}:dlq`)).toBe(1);
  });

  it("keep each user to its role and its prefix", async () => {
    const [publisherUrl, consumerUrl] = await Promise.all([user('publisher-pubsub'), user('consumer-pubsub')]);
    const publisher = new Redis(publisherUrl);
    const consumerClient = new Redis(consumerUrl);
    stops.push(async () => publisher.disconnect(), async () => consumerClient.disconnect());

    await expect(publisher.lrange(`${prefix}:dlq`, 0, -1)).rejects.toThrow(/NOPERM/);
    await expect(publisher.publish(`other:events|order.placed`, '{}')).rejects.toThrow(/NOPERM/);
    await expect(consumerClient.call('DEL', `other:dlq`)).rejects.toThrow(/NOPERM/);
    await expect(consumerClient.keys('*')).rejects.toThrow(/NOPERM/);
    await expect(consumerClient.rpush(`other:dlq`, 'x')).rejects.toThrow(/NOPERM/);
    // A pattern needs its own rule: `order.*` is granted, `user.*` is not.
    const patterned = later(new RedisEventBus({ redisUrl: consumerUrl, prefix, logger: false, connectTimeoutMs: 2_000 }));
    patterned.subscribe('user.*', () => {}, { name: 'users' });
    await expect(patterned.start()).rejects.toMatchObject({ code: 'HERALD_REDIS_AUTH', command: 'psubscribe' });
  });
});
