/**
 * Herald publisher: a bus with no subscriptions (Pub/Sub, or durable mode when asked),
 * `batch` publishes in flight then await, a fresh event per message (`OrderPlaced.create`
 * builds the envelope). The hand-made rows publish under spans made by hand (hand-made-spans.ts).
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
  const spans = args.observe === undefined ? undefined : (await import('./herald-observability.js')).handMadeSpans(args.observe);
  await bus.start();
  const publish =
    spans === undefined
      ? (seq: number) => bus.publish(OrderPlaced.create(makePayload(seq)))
      : (seq: number) => spans.publish(OrderPlaced.type, (headers) => bus.publish(OrderPlaced.create(makePayload(seq)), { headers }));
  const result = await publishInBatches(args, publish);
  return { result, cleanup: () => bus.shutdown({ timeoutMs: 5000 }) };
});
