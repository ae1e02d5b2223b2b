import { type ChildProcess, spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DurableEventBus, type DurableEventBusOptions, RedisDeadLetterQueue } from '../../src/index.js';
import { anOrder, OrderPlaced } from '../fixtures/shop.js';
import { canRestartRedis, useRedisServer } from '../support/redis-server.js';
import { useTestBuses } from '../support/test-buses.js';
import { simulateWork, waitFor } from '../support/wait-for.js';

const FIXTURE = fileURLToPath(new URL('./durable-consumer.fixture.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const redis = useRedisServer();
const bed = useTestBuses<DurableEventBus>(redis, { shutdownTimeoutMs: 500 });
const children: ChildProcess[] = [];

beforeAll(() => {
  // The fault tests stop the server under this client; it reconnects on its own.
  bed.client.on('error', () => {});
});
// Registered after useTestBuses, so it runs before the buses are shut down and the keys deleted.
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  if (canRestartRedis && redis.server.pid === undefined) await redis.server.restart();
});

function bus(options: DurableEventBusOptions = {}): DurableEventBus {
  return bed.track(new DurableEventBus({ redisUrl: redis.url, prefix: bed.prefix, logger: false, group: 'shop', claimIdleMs: 300, ...options }));
}

const stream = () => `${bed.prefix}:stream|order.placed`;

async function pendingCount(): Promise<number> {
  const [count] = (await bed.client.xpending(stream(), 'shop')) as [number];
  return count;
}

/** Puts entries in the group's pending list under `consumer`, as a consumer that then died would leave them. */
async function leavePending(consumer: string, count: number): Promise<string[]> {
  await bed.client.xgroup('CREATE', stream(), 'shop', '$', 'MKSTREAM');
  const publisher = bus({ group: 'storefront' });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await publisher.publish(anOrder(i))).id);
  await bed.client.xreadgroup('GROUP', 'shop', consumer, 'COUNT', count, 'STREAMS', stream(), '>');
  return ids;
}

function startConsumer(instanceId: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, redis.url, bed.prefix, instanceId], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: undefined, HERALD_PREFIX: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return waitFor(() => stdout.includes('ready') || child.exitCode !== null, {
    timeoutMs: 15_000,
    message: () => `consumer ${instanceId} did not start: ${stderr}`,
  }).then(() => {
    if (child.exitCode !== null) throw new Error(`consumer ${instanceId} exited: ${stderr}`);
    return child;
  });
}

function sigkill(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid!, 'SIGKILL');
  return exited;
}

describe('DurableEventBus recovery', () => {
  describe('when a consumer is SIGKILLed while handling an event', () => {
    it('lets another instance claim it after claimIdleMs and handle it, once', async () => {
      const crashed = await startConsumer('doomed');
      const publisher = bus({ group: 'storefront' });
      const event = await publisher.publish(anOrder(1));
      await waitFor(async () => (await bed.client.llen(`${bed.prefix}:test:calls`)) === 1);
      const [call] = await bed.client.lrange(`${bed.prefix}:test:calls`, 0, -1);
      expect(JSON.parse(call!)).toEqual({ instance: 'doomed', eventId: event.id });
      await sigkill(crashed);
      expect(await pendingCount()).toBe(1);

      const seen: string[] = [];
      const survivor = bus({ instanceId: 'survivor' });
      survivor.subscribe(OrderPlaced, (e) => void seen.push(e.id), { name: 'bill' });
      await survivor.start();
      await waitFor(() => seen.length === 1, { timeoutMs: 5_000, message: 'the event of the killed consumer was not claimed' });
      expect(seen).toEqual([event.id]);
      expect(survivor.stats().reclaimed).toBe(1);
      await waitFor(async () => (await pendingCount()) === 0);
    });
  });

  describe('when a consumer with a stable name restarts', () => {
    it('takes back its own pending events at start, without waiting for claimIdleMs', async () => {
      const ids = await leavePending('billing-0', 3);
      const seen: string[] = [];
      const restarted = bus({ consumer: 'billing-0', claimIdleMs: 600_000 });
      restarted.subscribe(OrderPlaced, (e) => void seen.push(e.id), { name: 'bill' });
      await restarted.start();
      await waitFor(() => seen.length === 3);
      expect(seen).toEqual(ids);
      await waitFor(async () => (await pendingCount()) === 0);
    });
  });

  describe('when an event was delivered maxDeliveries times', () => {
    it('dead-letters it for each handler (reason max-deliveries) instead of running them, and acknowledges it', async () => {
      const [id] = await leavePending('crashed-1', 1);
      // A second consumer claimed it and died too: delivered twice now.
      const [[entryId]] = (await bed.client.xpending(stream(), 'shop', '-', '+', 1)) as [[string]];
      await bed.client.xclaim(stream(), 'shop', 'crashed-2', 0, entryId);
      const runs: string[] = [];
      const b = bus({ maxDeliveries: 2, claimIdleMs: 50 });
      b.subscribe(OrderPlaced, (e) => void runs.push(e.id), { name: 'bill' });
      b.subscribe(OrderPlaced, (e) => void runs.push(e.id), { name: 'audit' });
      await b.start();
      const queue = new RedisDeadLetterQueue(bed.client, bed.prefix);
      await waitFor(async () => (await queue.count()) === 2);
      const { entries } = await queue.list();
      expect(entries.map((e) => e.handler).sort()).toEqual(['audit', 'bill']);
      for (const entry of entries) {
        expect(entry).toMatchObject({ reason: 'max-deliveries', envelope: { id }, error: { name: 'DeliveryLimitError', code: 'HERALD_DELIVERY_LIMIT' } });
      }
      await waitFor(async () => (await pendingCount()) === 0);
      expect(runs).toEqual([]);
    });
  });

  describe('when its dead letters cannot be written', () => {
    it('still stops at maxDeliveries: acknowledges the event and logs it in full rather than deliver it for ever', async () => {
      // Every dead-letter write now fails with WRONGTYPE, as it would against a key another program owns.
      await bed.client.set(`${bed.prefix}:dlq:entries`, 'not a hash');
      const lines: string[] = [];
      const logger = pino({ level: 'error' }, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
      const runs: string[] = [];
      const b = bus({ maxDeliveries: 2, claimIdleMs: 50, logger });
      b.subscribe(OrderPlaced, (e) => {
        runs.push(e.id);
        throw new Error('bill failed');
      }, { name: 'bill', retries: 0 });
      await b.start();
      const { id } = await b.publish(anOrder(1));
      await waitFor(async () => runs.length >= 1 && (await pendingCount()) === 0, {
        timeoutMs: 10_000,
        message: () => `still pending after ${runs.length} runs`,
      });
      expect(runs).toEqual([id, id]);
      expect(b.stats().deadLetterWriteFailures).toBeGreaterThanOrEqual(3);
      const given = lines.find((line) => line.includes('acknowledged so that it is not delivered for ever'));
      expect(given).toContain(id);
    });
  });

  describe('when pending events were trimmed from the stream', () => {
    it('counts and logs them as lost instead of leaving them pending for ever', async () => {
      await leavePending('crashed', 2);
      await bed.client.xtrim(stream(), 'MAXLEN', 0);
      const lines: string[] = [];
      const logger = pino({ level: 'error' }, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
      const b = bus({ claimIdleMs: 50, logger });
      b.subscribe(OrderPlaced, () => {}, { name: 'bill' });
      await b.start();
      await waitFor(() => b.stats().trimmedUnhandled === 2);
      expect(await pendingCount()).toBe(0);
      expect(lines.some((line) => line.includes('trimmed from the stream before they were handled'))).toBe(true);
    });
  });
});

describe('DurableEventBus when Redis drops the stream reader connection', () => {
  it('reconnects and goes on reading', async () => {
    const seen: string[] = [];
    const b = bus();
    b.subscribe(OrderPlaced, (e) => void seen.push(e.id), { name: 'bill' });
    await b.start();
    const list = (await bed.client.client('LIST')) as string;
    const reader = list.split('\n').find((line) => line.includes(`name=herald:${bed.prefix}:streams:shop`));
    const id = /id=(\d+)/.exec(reader ?? '')?.[1];
    expect(id).toBeDefined();
    await bed.client.client('KILL', 'ID', id!);
    await waitFor(async () => b.stats().reconnects === 1 && (await b.health()).status === 'ready');
    const event = await b.publish(anOrder(1));
    await waitFor(() => seen.length === 1);
    expect(seen).toEqual([event.id]);
  });
});

describe.skipIf(!canRestartRedis)('DurableEventBus when Redis restarts without persistence', () => {
  it('re-creates the lost group, says so in an error log, and goes on delivering', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
    const seen: string[] = [];
    const b = bus({ logger });
    b.subscribe(OrderPlaced, (e) => void seen.push(e.payload.orderId), { name: 'bill' });
    await b.start();
    await b.publish(anOrder(0));
    await waitFor(() => seen.length === 1);

    await redis.server.kill('SIGKILL');
    await redis.server.restart();
    await waitFor(async () => (await b.health()).status === 'ready', { timeoutMs: 10_000 });
    // Published before the reader noticed the loss: the re-created group reads the new stream from its start.
    await b.publish(anOrder(1));
    await waitFor(() => seen.length === 2, { timeoutMs: 10_000 });
    expect(seen).toEqual(['o-0', 'o-1']);
    expect(b.stats().reconnects).toBe(1);
    expect(lines.some((line) => line.includes('consumer group was missing and has been re-created'))).toBe(true);
  });
});

describe.skipIf(!canRestartRedis)('DurableEventBus when Redis is down at shutdown', () => {
  it('still shuts down within its deadline plus the grace for acknowledgements', async () => {
    const b = bus();
    const handled: string[] = [];
    b.subscribe(OrderPlaced, async (e) => {
      await simulateWork(100);
      handled.push(e.id);
    }, { name: 'bill' });
    await b.start();
    await b.publish(anOrder(1));
    await waitFor(() => b.stats().inFlight === 1);
    await redis.server.kill('SIGKILL');
    const started = Date.now();
    await b.shutdown({ timeoutMs: 500 });
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(handled).toHaveLength(1);
  });
});

describe.skipIf(!canRestartRedis)('DurableEventBus when Redis with AOF restarts', () => {
  const persistent = useRedisServer({ extraArgs: ['--appendonly', 'yes', '--appendfsync', 'always'] });

  it('loses nothing published while the consumers were down', async () => {
    const make = (options: DurableEventBusOptions) =>
      bed.track(new DurableEventBus({ redisUrl: persistent.url, prefix: bed.prefix, logger: false, group: 'shop', ...options }));
    const first = make({});
    first.subscribe(OrderPlaced, () => {}, { name: 'bill' });
    await first.start();
    await first.shutdown();
    const publisher = make({ group: 'storefront' });
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) sent.push((await publisher.publish(anOrder(i))).id);
    await publisher.shutdown();

    await persistent.server.kill('SIGKILL');
    await persistent.server.restart();

    const seen: string[] = [];
    const second = make({});
    second.subscribe(OrderPlaced, (e) => void seen.push(e.id), { name: 'bill' });
    await second.start();
    await waitFor(() => seen.length === 20);
    expect(seen).toEqual(sent);
  });

  it('finishes and acknowledges the events it held when Redis was killed under it', async () => {
    const consumer = bed.track(new DurableEventBus({ redisUrl: persistent.url, prefix: bed.prefix, logger: false, group: 'shop' }));
    const handled = new Set<string>();
    consumer.subscribe(OrderPlaced, async (e) => {
      await simulateWork(300);
      handled.add(e.id);
    }, { name: 'bill' });
    await consumer.start();
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) sent.push((await consumer.publish(anOrder(i))).id);
    await waitFor(() => consumer.stats().inFlight === 20);

    await persistent.server.kill('SIGKILL');
    await persistent.server.restart();

    await waitFor(() => handled.size === 20, { timeoutMs: 10_000 });
    expect(new Set(sent)).toEqual(handled);
    const admin = new Redis(persistent.url);
    try {
      await waitFor(async () => ((await admin.xpending(`${bed.prefix}:stream|order.placed`, 'shop')) as [number])[0] === 0, { timeoutMs: 10_000 });
    } finally {
      admin.disconnect();
    }
    expect(consumer.stats().received).toBe(20);
  });
});
