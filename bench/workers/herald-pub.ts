/**
 * Herald publisher: a bus with no subscriptions (Pub/Sub, or durable mode when asked),
 * `batch` publishes in flight then await, a fresh event per message (`OrderPlaced.create`
 * builds the envelope).
 */
import { makePayload } from '../envelope.js';
import { gate, maxRssMiB, now, readArgs, runChild } from './child-io.js';
import { heraldBus } from './herald-bus.js';
import { OrderPlaced } from './herald-event.js';
import type { PublishArgs, PublishResult } from './protocol.js';

const args = readArgs<PublishArgs>();

runChild('herald-pub', args.deadlineMs, async () => {
  const bus = heraldBus(args.redisUrl, args.durable);
  await bus.start();
  await gate();
  const t0 = now();
  for (let start = 0; start < args.n; start += args.batch) {
    const end = Math.min(args.n, start + args.batch);
    const pending: Promise<unknown>[] = [];
    for (let seq = start; seq < end; seq += 1) pending.push(bus.publish(OrderPlaced.create(makePayload(seq))));
    await Promise.all(pending);
  }
  const t1 = now();
  const result: PublishResult = { t0, t1, published: args.n, maxRssMiB: maxRssMiB() };
  return { result, cleanup: () => bus.shutdown({ timeoutMs: 5000 }) };
});
