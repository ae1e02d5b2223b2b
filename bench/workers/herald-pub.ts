/**
 * Herald publisher: a bus with no subscriptions, `batch` publishes in flight then await,
 * a fresh event per message (`OrderPlaced.create` builds the envelope).
 */
import { createEventBus } from '../../src/index.js';
import { makePayload } from '../envelope.js';
import { maxRssMiB, now, readArgs, runChild } from './child-io.js';
import { OrderPlaced, PREFIX } from './herald-event.js';
import type { PublishArgs, PublishResult } from './protocol.js';

const args = readArgs<PublishArgs>();

runChild('herald-pub', args.deadlineMs, async () => {
  const bus = createEventBus({ redisUrl: args.redisUrl, prefix: PREFIX, logger: false });
  await bus.start();
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
