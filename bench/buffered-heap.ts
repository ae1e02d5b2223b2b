/**
 * `node --expose-gc --import tsx bench/buffered-heap.ts [events]`
 *
 * Heap that a buffered Pub/Sub event costs its subscriber (docs/delivery-guarantees.md, "Memory
 * under a flood"): 3 handlers held at a gate with `concurrency: 3`, so every delivery but three
 * waits in the buffer; the bench's order event (a 350-byte envelope); heapUsed after forced
 * garbage collections, before publishing and once every event was received. Publisher and
 * subscriber share the process: the publisher holds nothing once its publishes resolved.
 */
import { createEventBus, defineEvent } from '../src/index.js';
import { makePayload, type OrderPayload } from './envelope.js';
import { startPrivateRedis } from './redis.js';

const OrderPlaced = defineEvent<OrderPayload>('order.placed');
const HANDLERS = 3;
const events = Number(process.argv[2] ?? 30_000);
// Every delivery must fit in the default buffer (100,000), or the overflow is dead-lettered instead.
if (!Number.isInteger(events) || events < 1_000 || events * HANDLERS > 100_000) throw new TypeError('events must be an integer from 1,000 to 33,333');
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

async function settledHeap(): Promise<number> {
  for (let i = 0; i < 5; i += 1) {
    gc!();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

const redis = await startPrivateRedis();
try {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const options = { redisUrl: redis.url, prefix: 'buffered-heap', logger: false as const };
  const subscriber = createEventBus({ ...options, concurrency: HANDLERS });
  for (let h = 1; h <= HANDLERS; h += 1) subscriber.subscribe(OrderPlaced, () => gate, { name: `h${h}` });
  const publisher = createEventBus(options);
  await Promise.all([subscriber.start(), publisher.start()]);
  const before = await settledHeap();
  for (let seq = 0; seq < events; seq += 1_000) {
    await Promise.all(Array.from({ length: Math.min(1_000, events - seq) }, (_, k) => publisher.publish(OrderPlaced.create(makePayload(seq + k)))));
  }
  const deadline = Date.now() + 30_000;
  while (subscriber.stats().received < events) {
    if (Date.now() > deadline) throw new Error(`received ${subscriber.stats().received} of ${events} events in 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const grown = (await settledHeap()) - before;
  const { buffered, inFlight } = subscriber.stats();
  console.log(
    `${events} events, ${buffered} deliveries buffered and ${inFlight} running: ` +
      `${Math.round(grown / events)} bytes of heap per event, ${Math.round(grown / (buffered + inFlight))} per delivery`,
  );
  release();
  await publisher.shutdown();
  await subscriber.shutdown({ timeoutMs: 30_000 });
} finally {
  await redis.stop();
}
