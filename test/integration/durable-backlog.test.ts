import { describe, expect, it } from 'vitest';
import { RedisDeadLetterQueue } from '../../src/index.js';
import { anOrder, OrderPlaced } from '../fixtures/shop.js';
import { useDurableBuses } from '../support/durable-buses.js';
import { useRedisServer } from '../support/redis-server.js';
import { quietWindow, waitFor } from '../support/wait-for.js';

// Draining a backlog: the reader asks for the next batch before handing the last one over, and
// acknowledges a batch with one XACK sent ahead of a later read. Neither may hold more than the
// limit, nor acknowledge an entry before every handler of it finished.

const redis = useRedisServer();
const bed = useDurableBuses(redis, { group: 'shop', startFrom: 'earliest' });
const bus = bed.bus;

const STREAM = (): string => `${bed.prefix}:stream|order.placed`;

/** Entries of the group not yet acknowledged. */
async function pendingCount(): Promise<number> {
  const [count] = (await bed.client.xpending(STREAM(), 'shop')) as [number];
  return count;
}

/** The event ids of the entries still pending in the group. */
async function pendingEventIds(): Promise<Set<string>> {
  const pending = (await bed.client.xpending(STREAM(), 'shop', '-', '+', 10_000)) as [string, ...unknown[]][];
  const ids = new Set<string>();
  for (const [entryId] of pending) {
    const [[, fields]] = (await bed.client.xrange(STREAM(), entryId, entryId)) as [[string, string[]]];
    ids.add((JSON.parse(fields[fields.indexOf('envelope') + 1]!) as { id: string }).id);
  }
  return ids;
}

/** Publishes `count` orders with a bus that reads nothing, before any consumer of the group starts. */
async function backlogOf(count: number): Promise<string[]> {
  const publisher = bus({ group: 'storefront' });
  await publisher.start();
  const sent: string[] = [];
  for (let i = 0; i < count; i += 200) {
    const chunk = await Promise.all(Array.from({ length: Math.min(200, count - i) }, (_, j) => publisher.publish(anOrder(i + j))));
    sent.push(...chunk.map((e) => e.id));
  }
  return sent;
}

describe('DurableEventBus draining a backlog', () => {
  it('runs every handler once per event across many batches and acknowledges them all', async () => {
    const sent = await backlogOf(1_050);
    const b = bus();
    const runs = new Map<string, number>();
    for (const name of ['a', 'b', 'c']) {
      b.subscribe(OrderPlaced, async (e) => void runs.set(`${e.id}/${name}`, (runs.get(`${e.id}/${name}`) ?? 0) + 1), { name });
    }
    await b.start();
    await waitFor(() => runs.size === 3 * sent.length, { message: () => `${runs.size} of ${3 * sent.length} deliveries` });
    await waitFor(async () => (await pendingCount()) === 0);
    await quietWindow(50);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect(runs.size).toBe(3 * sent.length);
    expect(await new RedisDeadLetterQueue(bed.client, bed.prefix).count()).toBe(0);
  });

  it('holds no more than `concurrency` entries while reading ahead', async () => {
    await backlogOf(600);
    const b = bus({ concurrency: 150 });
    const release: (() => void)[] = [];
    let started = 0;
    b.subscribe(OrderPlaced, () => {
      started++;
      return new Promise<void>((resolve) => release.push(resolve));
    }, { name: 'slow' });
    await b.start();
    await waitFor(() => started === 150);
    await quietWindow(100);
    // A read ahead would show here: entries delivered to this consumer and pending, beyond the limit.
    expect(await pendingCount()).toBe(150);
    expect(started).toBe(150);
    for (const resolve of release.splice(0)) resolve();
    await waitFor(() => started === 300);
    for (const resolve of release.splice(0)) resolve();
    await waitFor(() => started === 450);
    expect(await pendingCount()).toBeLessThanOrEqual(150);
  });

  it('acknowledges only the entries every handler finished; a stop mid-batch leaves the rest pending', async () => {
    const sent = await backlogOf(300);
    const b = bus({ claimIdleMs: 60_000 });
    const stuck = new Set<string>();
    const done = new Set<string>();
    b.subscribe(OrderPlaced, async (e) => void done.add(e.id), { name: 'fast' });
    b.subscribe(OrderPlaced, async (e) => {
      if (e.payload.amount % 70 === 0) {
        stuck.add(e.id);
        return new Promise<void>(() => {});
      }
    }, { name: 'sometimes-stuck' });
    await b.start();
    await waitFor(() => done.size === sent.length);
    expect(stuck.size).toBe(Math.ceil(sent.length / 7));
    // Every entry but the stuck ones is acknowledged, batch by batch.
    await waitFor(async () => (await pendingCount()) === stuck.size);
    expect(await pendingEventIds()).toEqual(stuck);
    await b.shutdown({ timeoutMs: 50 });
    // Shutdown leaves the unfinished ones for the next consumer, acknowledging none of them.
    expect(await pendingEventIds()).toEqual(stuck);
  });
});
