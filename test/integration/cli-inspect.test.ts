import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDashboardHandler, type DeadLetterEntry, type DeadLetterInput, RedisDeadLetterQueue, RedisEventBus } from '../../src/index.js';
import { useRedisServer } from '../support/redis-server.js';
import { herald, heraldJson, useQueueFixture } from './cli-harness.js';

const redis = useRedisServer();
let prefix: string;
let queue: RedisDeadLetterQueue;
let client: Redis;
useQueueFixture(redis, (state) => ({ prefix, queue, client } = state));

/** Common flags: the private Redis and this test's prefix. */
function at(...args: string[]): string[] {
  return [...args, '--redis-url', redis.url, '--prefix', prefix];
}

function failure(type: string, handler: string, n: number): DeadLetterInput {
  const now = new Date().toISOString();
  return {
    reason: 'retries-exhausted',
    envelope: { id: `evt-${n}`, type, timestamp: now, correlationId: `req-${n}`, payload: { n } },
    handler,
    error: { name: 'SmtpError', message: `421 try later (${n})`, stack: `SmtpError: 421\n    at send (mailer.ts:${n}:1)` },
    attempts: 4,
    firstFailedAt: now,
    lastFailedAt: now,
    instance: 'shop/i-1',
  };
}

async function seed(): Promise<DeadLetterEntry[]> {
  return [
    await queue.add(failure('user.registered', 'send-welcome-email', 1)),
    await queue.add(failure('order.placed', 'charge-card', 2)),
    await queue.add(failure('user.registered', 'send-welcome-email', 3)),
  ];
}

describe('herald dlq count, list and show', () => {
  it('prints the count, the list and one entry as JSON documents', async () => {
    const entries = await seed();

    const count = await heraldJson(at('dlq', 'count'));
    const list = await heraldJson(at('dlq', 'list'));
    const show = await heraldJson(at('dlq', 'show', entries[1]!.id));

    expect(count).toMatchObject({ run: { code: 0 }, doc: { count: 3 } });
    expect(list.run.code).toBe(0);
    expect(list.doc).toEqual({ total: 3, entries });
    expect(show.run.code).toBe(0);
    expect(show.doc).toEqual(entries[1]);
  });

  it('pages and filters the list by type and handler', async () => {
    const entries = await seed();

    const page = await heraldJson(at('dlq', 'list', '--limit', '1', '--offset', '1'));
    const byType = await heraldJson(at('dlq', 'list', '--type', 'user.registered'));
    const byHandler = await heraldJson(at('dlq', 'list', '--handler', 'charge-card'));

    expect(page.doc).toEqual({ total: 3, entries: [entries[1]] });
    expect(byType.doc).toEqual({ total: 2, entries: [entries[0], entries[2]] });
    expect(byHandler.doc).toEqual({ total: 1, entries: [entries[1]] });
  });

  it('prints an aligned table with id, type, handler, attempts, error and age', async () => {
    const entries = await seed();
    const { code, stdout } = await herald(at('dlq', 'list'));
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^ID\s+TYPE\s+HANDLER\s+REASON\s+ATTEMPTS\s+ERROR\s+AGE$/);
    const column = (title: string) => lines[0]!.indexOf(title);
    entries.forEach((entry, i) => {
      const row = lines[i + 1]!;
      expect(row.startsWith(entry.id)).toBe(true);
      expect(row.slice(column('TYPE')).startsWith(entry.type)).toBe(true);
      expect(row.slice(column('HANDLER')).startsWith(entry.handler!)).toBe(true);
      expect(row.slice(column('ATTEMPTS')).startsWith('4 ')).toBe(true);
      expect(row.slice(column('ERROR'))).toMatch(/^SmtpError: 421 try later/);
      expect(row.slice(column('AGE'))).toMatch(/^\d+s$/);
    });
    expect(stdout).toContain(`Showing 1-3 of 3 under prefix "${prefix}".`);
  });

  it('shows one entry in full for people, with the stack and the envelope', async () => {
    const [entry] = await seed();
    const { code, stdout } = await herald(at('dlq', 'show', entry!.id));
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`id:\\s+${entry!.id}`));
    expect(stdout).toMatch(/handler:\s+send-welcome-email/);
    expect(stdout).toMatch(/correlation id:\s+req-1/);
    expect(stdout).toContain('at send (mailer.ts:1:1)');
    expect(stdout).toContain('"correlationId": "req-1"');
  });

  it('takes the Redis URL and the prefix from REDIS_URL and HERALD_PREFIX', async () => {
    await seed();
    const { doc } = await heraldJson(['dlq', 'count'], { REDIS_URL: redis.url, HERALD_PREFIX: prefix });
    expect(doc).toEqual({ count: 3 });
  });
});

describe('when one stored entry is corrupt', () => {
  it('lists, counts, shows and exports the others, shows the corrupt one as corrupt with its id, and removes it', async () => {
    const entries = await seed();
    const bad = entries[1]!.id;
    await client.hset(`${prefix}:dlq:entries`, bad, '{"id": "not json');

    const list = await heraldJson(at('dlq', 'list'));
    expect(list.run.code).toBe(0);
    expect(list.doc.total).toBe(3);
    expect(list.doc.entries[0]).toEqual(entries[0]);
    expect(list.doc.entries[2]).toEqual(entries[2]);
    expect(list.doc.entries[1]).toMatchObject({ id: bad, reason: 'corrupt', raw: '{"id": "not json', error: { name: 'CorruptEntry' } });
    expect(list.doc.entries[1].error.message).toContain(`herald dlq remove ${bad}`);
    expect(await heraldJson(at('dlq', 'count'))).toMatchObject({ run: { code: 0 }, doc: { count: 3 } });

    const table = await herald(at('dlq', 'list'));
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n').find((line) => line.startsWith(bad))).toMatch(/corrupt/);
    const show = await herald(at('dlq', 'show', bad));
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/reason:\s+corrupt/);
    const exported = await herald(at('dlq', 'export'));
    expect(exported.code).toBe(0);
    expect(exported.stdout.trim().split('\n').map((line) => JSON.parse(line).id)).toEqual(entries.map((e) => e.id));

    expect(await heraldJson(at('dlq', 'remove', bad))).toMatchObject({ run: { code: 0 }, doc: { removed: bad } });
    expect(await queue.count()).toBe(2);
  });

  it('lets the dashboard scan, list and show around it', async () => {
    const entries = await seed();
    const bad = entries[0]!.id;
    await client.hset(`${prefix}:dlq:entries`, bad, 'garbage');
    const handler = createDashboardHandler({ deadLetters: queue });
    const server = createServer((req, res) => handler(req, res, () => res.end()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
      const summary = await fetch(`${base}/summary`);
      expect(summary.status).toBe(200);
      const listed = await fetch(`${base}/entries`);
      expect(listed.status).toBe(200);
      expect(JSON.stringify(await listed.json())).toContain(bad);
      const shown = await fetch(`${base}/entries/${bad}`);
      expect(shown.status).toBe(200);
      expect(await shown.json()).toMatchObject({ id: bad, reason: 'corrupt', raw: 'garbage' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('treats an entry of the wrong shape, or nested too deep to print, as corrupt too', async () => {
    const entries = await seed();
    await client.hset(`${prefix}:dlq:entries`, entries[0]!.id, JSON.stringify({ id: entries[0]!.id, reason: 'retries-exhausted', error: 'boom' }));
    await client.hset(`${prefix}:dlq:entries`, entries[2]!.id, `${'['.repeat(50_000)}${']'.repeat(50_000)}`);
    const { run, doc } = await heraldJson(at('dlq', 'list'));
    expect(run.code).toBe(0);
    expect(doc.entries.map((e: DeadLetterEntry) => e.reason)).toEqual(['corrupt', 'retries-exhausted', 'corrupt']);
  });
});

describe('herald dlq remove and purge', () => {
  it('removes one entry by id', async () => {
    const entries = await seed();
    const { run, doc } = await heraldJson(at('dlq', 'remove', entries[0]!.id));
    expect(run.code).toBe(0);
    expect(doc).toEqual({ removed: entries[0]!.id });
    expect(await queue.get(entries[0]!.id)).toBeUndefined();
    expect(await queue.count()).toBe(2);
  });

  it('refuses to purge without --yes when stdin is not a terminal, and deletes nothing', async () => {
    await seed();
    const { code, stderr } = await herald(at('dlq', 'purge'));
    expect(code).toBe(2);
    expect(stderr).toMatch(/purge deletes all 3 dead letters .*pass --yes/);
    expect(await queue.count()).toBe(3);
  });

  it('purges with --yes', async () => {
    await seed();
    const { run, doc } = await heraldJson(at('dlq', 'purge', '--yes'));
    expect(run.code).toBe(0);
    expect(doc).toEqual({ purged: 3 });
    expect(await queue.count()).toBe(0);
  });
});

describe('when the prefix names keys that may be another application\'s', () => {
  // As `--prefix billing` names billing:dlq and billing:dlq:entries, which a billing service of its own may hold.
  async function foreignKeys(): Promise<void> {
    await client.rpush(`${prefix}:dlq`, 'job-1', 'job-2');
    await client.hset(`${prefix}:dlq:entries`, 'job-1', '{"app":"billing"}');
  }
  const untouched = async () => {
    expect(await client.lrange(`${prefix}:dlq`, 0, -1)).toEqual(['job-1', 'job-2']);
    expect(await client.hgetall(`${prefix}:dlq:entries`)).toEqual({ 'job-1': '{"app":"billing"}' });
  };

  it('refuses purge, remove and import with exit 3, saying to pass --force, and changes nothing', async () => {
    await foreignKeys();
    const purge = await herald(at('dlq', 'purge', '--yes'));
    expect(purge.code).toBe(3);
    expect(purge.stderr).toMatch(/may belong to another application\. Nothing was changed\..*pass --force/);
    expect(await heraldJson(at('dlq', 'remove', 'job-1'))).toMatchObject({ run: { code: 3 }, doc: { error: { code: 'not-herald-keys' } } });
    const line = JSON.stringify({ id: 'e-1', type: 'order.placed', deadLetteredAt: new Date().toISOString(), ...failure('order.placed', 'charge-card', 1) });
    expect((await herald(at('dlq', 'import'), {}, `${line}\n`)).code).toBe(3);
    await untouched();
  });

  it('purges them with --force', async () => {
    await foreignKeys();
    expect(await heraldJson(at('dlq', 'purge', '--yes', '--force'))).toMatchObject({ run: { code: 0 }, doc: { purged: 2 } });
    expect(await client.exists(`${prefix}:dlq`, `${prefix}:dlq:entries`)).toBe(0);
  });

  it('needs no --force once a bus with handlers has started on the prefix, which marks the keys', async () => {
    await foreignKeys();
    const bus = new RedisEventBus({ redisUrl: redis.url, prefix, logger: false });
    bus.subscribe('order.placed', () => {}, { name: 'audit' });
    await bus.start();
    await bus.shutdown();
    expect(await client.get(`${prefix}:dlq:owner`)).toBe('herald');
    expect(await heraldJson(at('dlq', 'purge', '--yes'))).toMatchObject({ run: { code: 0 }, doc: { purged: 2 } });
  });

  it('changes nothing of a prefix whose keys do not exist, and needs no --force there', async () => {
    expect(await heraldJson(at('dlq', 'purge', '--yes'))).toMatchObject({ run: { code: 0 }, doc: { purged: 0 } });
  });
});

describe('herald dlq errors', () => {
  it.each([['show'], ['remove'], ['replay']])('exits 1 on an unknown id for %s, saying how to find ids', async (command) => {
    await seed();
    const { code, stderr } = await herald(at('dlq', command, 'no-such-id'));
    expect(code).toBe(1);
    expect(stderr).toMatch(/No dead letter with id "no-such-id" under prefix .*herald dlq list/);
    expect(await queue.count()).toBe(3);
  });

  it('prints a JSON error document for an unknown id with --json', async () => {
    const { run, doc } = await heraldJson(at('dlq', 'show', 'no-such-id'));
    expect(run.code).toBe(1);
    expect(doc).toMatchObject({ error: { code: 'not-found', message: expect.stringContaining('no-such-id') } });
  });

  it('exits 1 when Redis is unreachable, without printing the password', async () => {
    const { code, stdout, stderr } = await herald(['dlq', 'count', '--redis-url', 'redis://ops:s3cret@127.0.0.1:1/0', '--prefix', prefix]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/Cannot reach Redis at redis:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:1.*Check --redis-url/);
    expect(stdout + stderr).not.toContain('s3cret');
  });

  it.each([
    [['dlq', 'list', '--limit', 'ten']],
    [['dlq', 'list', '--bogus']],
    [['dlq', 'lisst']],
    [['dlq']],
    [['dlq', 'show']],
    [['dlq', 'replay']],
    [['dlq', 'replay', 'some-id', '--all']],
    [['dlq', 'replay', 'some-id', '--handler', 'h']],
    [['dlq', 'count', '--prefix', 'bad|prefix']],
  ])('exits 2 on a usage error: %j', async (args) => {
    const { code, stderr } = await herald([...args, '--redis-url', redis.url]);
    expect(code).toBe(2);
    expect(stderr.length).toBeGreaterThan(0);
  });

  it('exits 2 when no Redis URL is given', async () => {
    const { code, stderr } = await herald(['dlq', 'count']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--redis-url .* REDIS_URL/);
  });

  it.each(['count', 'list', 'show', 'replay', 'remove', 'purge'])('prints help for dlq %s', async (command) => {
    const { code, stdout } = await herald(['dlq', command, '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: herald dlq ${command}`);
    expect(stdout).toContain('--redis-url');
    expect(stdout).toContain('--json');
  });
});
