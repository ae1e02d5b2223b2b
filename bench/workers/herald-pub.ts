/**
 * Herald publisher: a bus with no subscriptions (Pub/Sub, or durable mode when asked),
 * `batch` publishes in flight then await, a fresh event per message (`OrderPlaced.create`
 * builds the envelope).
 */
import { makePayload } from '../envelope.js';
import { readArgs, runChild } from './child-io.js';
import { heraldBus } from './herald-bus.js';
import { OrderPlaced } from './herald-event.js';
import type { PublishArgs } from './protocol.js';
import { publishInBatches } from './publish-batches.js';

const args = readArgs<PublishArgs>();

runChild('herald-pub', args.deadlineMs, async () => {
  const bus = await heraldBus(args.redisUrl, args.durable, undefined, args.observe, args.batching, args.signed);
  await bus.start();
  const result = await publishInBatches(args, (seq) => bus.publish(OrderPlaced.create(makePayload(seq))));
  return { result, cleanup: () => bus.shutdown({ timeoutMs: 5000 }) };
});
