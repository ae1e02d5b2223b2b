import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeadLetterEntry, type DeadLetterInput, RedisDeadLetterQueue } from '../../src/index.js';
import { useRedisServer } from '../support/redis-server.js';
import { uniquePrefix } from '../support/wait-for.js';

/**
 * Show and remove by id on a 100,000-entry dead-letter queue. The figures
 * are printed (docs/operations.md quotes them); the assertions only catch an
 * order-of-magnitude regression, such as show or remove scanning entries.
 */
const SIZE = 100_000;
const BATCH = 1_000;
const SAMPLES = 100;

const redis = useRedisServer();
const prefix = uniquePrefix();
let client: Redis;
let queue: RedisDeadLetterQueue;
let ids: string[] = [];

function input(n: number): DeadLetterInput {
  const at = new Date().toISOString();
  return {
    reason: 'retries-exhausted',
    envelope: { id: `evt-${n}`, type: n % 2 ? 'order.placed' : 'user.registered', timestamp: at, correlationId: `req-${n}`, payload: { n, note: 'x'.repeat(300) } },
    handler: n % 2 ? 'charge-card' : 'send-welcome-email',
    error: { name: 'Error', message: 'upstream timed out', stack: `Error: upstream timed out\n${'    at handler (service.ts:1:1)\n'.repeat(8)}` },
    attempts: 4,
    firstFailedAt: at,
    lastFailedAt: at,
    instance: 'shop/i-1',
  };
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function summary(samples: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(3));
  return { p50: at(0.5), p99: at(0.99), max: at(1) };
}

beforeAll(async () => {
  client = new Redis(redis.url);
  queue = new RedisDeadLetterQueue(client, prefix);
  for (let start = 0; start < SIZE; start += BATCH) {
    const batch = await Promise.all(Array.from({ length: BATCH }, (_, i) => queue.add(input(start + i))));
    ids.push(...batch.map((entry: DeadLetterEntry) => entry.id));
  }
}, 120_000);

afterAll(async () => {
  await client.del(`${prefix}:dlq`, `${prefix}:dlq:entries`, `${prefix}:dlq:claims`);
  client.disconnect();
  ids = [];
});

describe(`RedisDeadLetterQueue with ${SIZE.toLocaleString('en')} entries`, () => {
  it('shows an entry by id in well under a millisecond of Redis time, wherever it is', async () => {
    expect(await queue.count()).toBe(SIZE);
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES; i++) samples.push(await timed(() => queue.get(ids[Math.floor((i / SAMPLES) * SIZE)]!)));
    const figures = summary(samples);
    console.log(`show (get) by id over ${SIZE} entries, ms:`, figures);
    expect(figures.p50).toBeLessThan(10);
  });

  it('removes entries by id: near the head in O(1), near the tail scanning the id list once', async () => {
    const head = ids.slice(0, SAMPLES);
    const middle = ids.slice(SIZE / 2, SIZE / 2 + SAMPLES);
    const tail = ids.slice(SIZE - SAMPLES);
    const figures: Record<string, ReturnType<typeof summary>> = {};
    for (const [name, chunk] of Object.entries({ head, middle, tail })) {
      const samples: number[] = [];
      for (const id of chunk) samples.push(await timed(async () => expect(await queue.remove(id)).toBe(true)));
      figures[name] = summary(samples);
    }
    console.log(`remove by id over ${SIZE} entries, ms:`, figures);
    expect(await queue.count()).toBe(SIZE - 3 * SAMPLES);
    expect(figures.tail!.p50).toBeLessThan(50);
  });

  it('lists pages and counts without reading the whole queue; a filter reads it once', async () => {
    const first = await timed(() => queue.list({ limit: 50 }));
    const last = await timed(() => queue.list({ offset: SIZE - 400, limit: 50 }));
    const count = await timed(() => queue.count());
    let total = 0;
    const filtered = await timed(async () => (total = (await queue.list({ handler: 'charge-card', limit: 50 })).total));
    console.log(`list over ${SIZE} entries, ms:`, { firstPage: first.toFixed(1), lastPage: last.toFixed(1), count: count.toFixed(2), filteredByHandler: filtered.toFixed(0) });
    expect(total).toBeGreaterThan(SIZE / 2 - 200);
    expect(first).toBeLessThan(100);
  });
});
