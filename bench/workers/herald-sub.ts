/**
 * Herald subscriber (Pub/Sub, or durable mode when asked). 'fanout': 3 handlers on the type,
 * each an async function that counts. 'retry': 1 handler that throws on the first attempt of
 * every 10th event, retried with `{ retries: 2, minTimeoutMs: 10, jitter: false }`. Reports
 * once every event is fully handled (or the count stalls). The hand-made rows run each handler
 * under spans made by hand (hand-made-spans.ts).
 */
import type { EventEnvelope, EventHandlerFn } from '../../src/index.js';
import type { OrderPayload } from '../envelope.js';
import { fromParent, gate, maxRssMiB, now, readArgs, rssMiB, runChild, send, waitUntil } from './child-io.js';
import { heraldBus } from './herald-bus.js';
import { OrderPlaced } from './herald-event.js';
import type { SubscribeArgs, SubscribeResult } from './protocol.js';

const args = readArgs<SubscribeArgs>();
const RETRY = { retries: 2, minTimeoutMs: 10, jitter: false } as const;

runChild('herald-sub', args.deadlineMs, async () => {
  const bus = await heraldBus(args.redisUrl, args.durable, args.concurrency, args.observe, undefined, args.signed);
  const spans = args.observe === undefined ? undefined : (await import('./herald-observability.js')).handMadeSpans(args.observe);
  const handlers = args.mode === 'fanout' ? 3 : 1;
  let successes = 0;
  let failedAttempts = 0;
  let tLast = 0;
  const handler: EventHandlerFn<EventEnvelope<OrderPayload>> = async (event, ctx) => {
    if (args.mode === 'retry' && ctx.attempt === 1 && event.payload.seq % 10 === 0) {
      failedAttempts += 1;
      throw new Error('bench: planned failure');
    }
    successes += 1;
    tLast = now();
  };
  for (let h = 1; h <= handlers; h += 1) {
    const name = `h${h}`;
    bus.subscribe(OrderPlaced, spans === undefined ? handler : spans.handler(name, handler), { name, ...RETRY });
  }
  // In durable mode start() begins reading what already waits in the stream.
  if (args.backlog === true) await gate();
  const tStart = now();
  await bus.start();
  const rssReadyMiB = rssMiB();
  const published = fromParent('published');
  await send({ type: 'ready', data: { rssMiB: rssReadyMiB } });

  const target = args.n * handlers;
  await published;
  await waitUntil(() => successes >= target, () => successes, { stallMs: args.stallMs, maxMs: args.deadlineMs });
  const peak = maxRssMiB();
  const { received, handled, retried, deadLettered, buffered, inFlight } = bus.stats();
  const result: SubscribeResult = {
    handled: Math.floor(successes / handlers),
    tLast,
    tStart,
    failedAttempts,
    maxRssMiB: peak,
    rssReadyMiB,
    busStats: { received, handled, retried, deadLettered, buffered, inFlight },
  };
  return { result, cleanup: () => bus.shutdown({ timeoutMs: 5000 }) };
});
