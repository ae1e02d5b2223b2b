import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { type DeadLetterInput, RedisDeadLetterQueue } from '../../src/index.js';
import { useRedisServer } from '../support/redis-server.js';
import { waitFor } from '../support/wait-for.js';
import { herald, heraldJson, kill, spawnHerald, startService, useQueueFixture } from './cli-harness.js';

const redis = useRedisServer();
let client: Redis;
let prefix: string;
let queue: RedisDeadLetterQueue;
useQueueFixture(redis, (state) => ({ client, prefix, queue } = state));

function at(...args: string[]): string[] {
  return [...args, '--redis-url', redis.url, '--prefix', prefix];
}

interface Call {
  instance: string;
  handler: string;
  phase: 'started' | 'done';
  eventId: string;
  correlationId: string;
  headers: Record<string, string>;
}

async function calls(filter: Partial<Call> = {}): Promise<Call[]> {
  const all = (await client.lrange(`${prefix}:test:calls`, 0, -1)).map((raw) => JSON.parse(raw) as Call);
  return all.filter((call) => Object.entries(filter).every(([key, value]) => call[key as keyof Call] === value));
}

/** What the services' `send-receipt` handler does from now on. */
function mode(value: 'fail' | 'ok' | 'slow' | 'hang'): Promise<unknown> {
  return client.set(`${prefix}:test:mode`, value);
}

function failure(type: string, handler: string, n: number): DeadLetterInput {
  const now = new Date().toISOString();
  return {
    reason: 'retries-exhausted',
    envelope: { id: `evt-${n}`, type, timestamp: now, correlationId: `req-${n}`, payload: { orderId: `o-${n}` } },
    handler,
    error: { name: 'Error', message: 'mail server down' },
    attempts: 1,
    firstFailedAt: now,
    lastFailedAt: now,
  };
}

describe('herald dlq replay <id>', () => {
  it('runs only the failed handler, once, on one of the instances, keeping the ids, and empties the entry', async () => {
    await mode('fail');
    await Promise.all([startService(redis.url, prefix, 'a'), startService(redis.url, prefix, 'b')]);
    const envelope = { id: randomUUID(), type: 'order.placed', timestamp: new Date().toISOString(), correlationId: 'req-42', payload: { orderId: 'o-42' } };
    expect(await client.publish(`${prefix}:events|order.placed`, JSON.stringify(envelope))).toBe(2);
    await waitFor(async () => (await queue.count()) === 2 && (await calls({ handler: 'audit' })).length === 2, {
      message: 'expected one dead letter and one audit call per instance',
    });
    const [entry, other] = (await queue.list()).entries;
    await mode('ok');

    const { run, doc } = await heraldJson(at('dlq', 'replay', entry!.id));

    expect(run.code).toBe(0);
    expect(doc).toEqual({ replayed: [entry!.id], failed: [] });
    const replays = await calls({ handler: 'send-receipt', phase: 'done' });
    expect(replays).toHaveLength(1);
    expect(replays[0]).toMatchObject({ eventId: envelope.id, correlationId: 'req-42', headers: { 'herald-replay': '1', 'herald-dead-letter-id': entry!.id } });
    expect(await calls({ handler: 'audit' })).toHaveLength(2);
    expect((await queue.list()).entries).toEqual([other]);
  });

  it('reports a handler that fails again and keeps the entry with its replay count raised', async () => {
    await mode('fail');
    await startService(redis.url, prefix, 'a');
    const entry = await queue.add(failure('order.placed', 'send-receipt', 1));

    const { code, stderr } = await herald(at('dlq', 'replay', entry.id));

    expect(code).toBe(1);
    expect(stderr).toMatch(/Handler "send-receipt" failed again on shop\/a \(Error: mail server down\)/);
    expect(await queue.get(entry.id)).toMatchObject({ id: entry.id, replays: { count: 1, lastError: { message: 'mail server down' } } });
  });

  it('exits 1 and keeps the entry when no live instance has the handler', async () => {
    const entry = await queue.add(failure('order.placed', 'send-receipt', 1));
    const nobody = await herald(at('dlq', 'replay', entry.id));
    await startService(redis.url, prefix, 'a');
    const other = await queue.add(failure('payment.failed', 'charge-card', 2));
    const wrongHandler = await herald(at('dlq', 'replay', other.id));

    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/No live instance of prefix .* listens for replays.*Start the service/);
    expect(wrongHandler.code).toBe(1);
    expect(wrongHandler.stderr).toMatch(/None of the 1 live instance .* has handler "charge-card"/);
    expect(await queue.count()).toBe(2);
  });
});

describe('herald dlq replay --all', () => {
  it('replays the entries matching --handler or --type and leaves the others', async () => {
    await mode('ok');
    await startService(redis.url, prefix, 'a');
    const receipts = [await queue.add(failure('order.placed', 'send-receipt', 1)), await queue.add(failure('order.placed', 'send-receipt', 2))];
    const payment = await queue.add(failure('payment.failed', 'charge-card', 3));

    const byHandler = await heraldJson(at('dlq', 'replay', '--all', '--handler', 'send-receipt'));
    const byType = await heraldJson(at('dlq', 'replay', '--all', '--type', 'payment.failed'));

    expect(byHandler.run.code).toBe(0);
    expect(byHandler.doc).toEqual({ replayed: receipts.map((e) => e.id), failed: [] });
    expect((await calls({ handler: 'send-receipt', phase: 'done' })).map((c) => c.eventId)).toEqual(['evt-1', 'evt-2']);
    expect(byType.run.code).toBe(1);
    expect(byType.doc).toEqual({ replayed: [], failed: [{ id: payment.id, code: 'no-handler', reason: expect.stringContaining('charge-card') }] });
    expect((await queue.list()).entries.map((e) => e.id)).toEqual([payment.id]);
  });
});

describe('herald dlq replay --all --reason', () => {
  it('replays only the entries with that reason', async () => {
    await mode('ok');
    await startService(redis.url, prefix, 'a');
    const exhausted = await queue.add(failure('order.placed', 'send-receipt', 1));
    const nonRetryable = await queue.add({ ...failure('order.placed', 'send-receipt', 2), reason: 'non-retryable' });

    const { run, doc } = await heraldJson(at('dlq', 'replay', '--all', '--reason', 'non-retryable'));

    expect(run.code).toBe(0);
    expect(doc).toEqual({ replayed: [nonRetryable.id], failed: [] });
    expect((await queue.list()).entries.map((e) => e.id)).toEqual([exhausted.id]);
  });
});

describe('when replays race or crash', () => {
  it('delivers once when two operators replay one entry at the same time', async () => {
    await mode('slow');
    await Promise.all([startService(redis.url, prefix, 'a'), startService(redis.url, prefix, 'b')]);
    const entry = await queue.add(failure('order.placed', 'send-receipt', 1));

    const runs = await Promise.all([herald(at('dlq', 'replay', entry.id)), herald(at('dlq', 'replay', entry.id))]);

    expect(runs.map((r) => r.code).sort()).toEqual([0, 1]);
    expect(runs.find((r) => r.code === 1)!.stderr).toMatch(/being replayed already|was removed, or replayed by someone else|No dead letter/);
    expect(await calls({ handler: 'send-receipt', phase: 'started' })).toHaveLength(1);
    expect(await queue.get(entry.id)).toBeUndefined();
  });

  it('keeps the entry when the claiming instance is killed mid-replay, and replays it on another instance', async () => {
    await mode('hang');
    const doomed = await startService(redis.url, prefix, 'a');
    const entry = await queue.add(failure('order.placed', 'send-receipt', 1));

    const replay = spawnHerald(at('dlq', 'replay', entry.id, '--lease-ms', '600'));
    await waitFor(async () => (await calls({ instance: 'a', phase: 'started' })).length === 1, { timeoutMs: 10_000, message: 'a never started the handler' });
    expect(await client.hexists(`${prefix}:dlq:claims`, entry.id)).toBe(1);
    await kill(doomed);
    const lost = await replay.exited;

    expect(lost.code).toBe(1);
    expect(lost.stderr).toMatch(/Instance shop\/a claimed entry .* stopped renewing its claim.*can be replayed again/);
    expect(await queue.get(entry.id)).toEqual(entry);

    await mode('ok');
    await startService(redis.url, prefix, 'b');
    const recovered = await herald(at('dlq', 'replay', entry.id));

    expect(recovered.code).toBe(0);
    expect(await calls({ handler: 'send-receipt', phase: 'done' })).toMatchObject([{ instance: 'b', eventId: 'evt-1' }]);
    expect(await queue.count()).toBe(0);
    expect(await client.hlen(`${prefix}:dlq:claims`)).toBe(0);
  });

  it('finishes the replay on the instance when the CLI is killed mid-replay, running the handler once', async () => {
    await mode('slow');
    await startService(redis.url, prefix, 'a');
    const entry = await queue.add(failure('order.placed', 'send-receipt', 1));

    const replay = spawnHerald(at('dlq', 'replay', entry.id));
    await waitFor(async () => (await calls({ phase: 'started' })).length === 1, { timeoutMs: 10_000, message: 'the handler never started' });
    await kill(replay);

    await waitFor(async () => (await queue.get(entry.id)) === undefined, { message: 'the entry was not removed after the handler succeeded' });
    expect(await calls({ handler: 'send-receipt' })).toMatchObject([{ phase: 'started' }, { phase: 'done' }]);
    const again = await herald(at('dlq', 'replay', entry.id));
    expect(again.code).toBe(1);
    expect(await calls({ handler: 'send-receipt', phase: 'started' })).toHaveLength(1);
  });
});

describe('herald dlq replay --queue', () => {
  it('queues the replay while no instance runs, lists it, and the next instance with the handler runs it once at start', async () => {
    await mode('ok');
    const entry = await queue.add(failure('order.placed', 'send-receipt', 1));
    const other = await queue.add(failure('payment.failed', 'charge-card', 2));

    const queued = await herald(at('dlq', 'replay', '--queue', entry.id));
    const all = await heraldJson(at('dlq', 'replay', '--queue', '--all', '--type', 'payment.failed'));
    const listed = await herald(at('dlq', 'queued'));
    const { doc } = await heraldJson(at('dlq', 'queued'));

    expect(queued.code).toBe(0);
    expect(queued.stdout).toContain(`Queued the replay of ${entry.id} (handler "send-receipt"): the next instance with handler "send-receipt" runs it once`);
    expect(all.doc).toEqual({ queued: [{ id: other.id, handler: 'charge-card' }], failed: [] });
    expect(listed.stdout).toMatch(new RegExp(`${entry.id}\\s+order\\.placed\\s+send-receipt`));
    expect(listed.stdout).toContain('2 queued replays');
    expect(doc.queued.map((q: { id: string }) => q.id).sort()).toEqual([entry.id, other.id].sort());

    await startService(redis.url, prefix, 'a');
    await waitFor(async () => (await queue.get(entry.id)) === undefined, { message: 'the queued replay did not run' });
    expect(await calls({ handler: 'send-receipt', phase: 'done' })).toHaveLength(1);
    // The service has no charge-card handler: that request waits for another instance.
    expect((await heraldJson(at('dlq', 'queued'))).doc.queued).toMatchObject([{ id: other.id, handler: 'charge-card' }]);
    const cancelled = await herald(at('dlq', 'queued', '--cancel', other.id));
    expect(cancelled.code).toBe(0);
    expect((await herald(at('dlq', 'queued'))).stdout).toContain('No queued replays');
  }, 90_000);

  it('exits 1 for an unknown id and queues nothing', async () => {
    const run = await herald(at('dlq', 'replay', '--queue', 'nope'));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Not queued: nope\s+No dead letter with id "nope"/);
  });
});
