/**
 * Herald latency: two buses in one process (a publisher with no subscriptions and a subscriber
 * with 3 handlers), so every event really goes through Redis and back. Pub/Sub, or durable
 * mode when asked.
 */
import { makePayload } from '../envelope.js';
import { readArgs, runChild } from './child-io.js';
import { heraldBus } from './herald-bus.js';
import { OrderPlaced } from './herald-event.js';
import { driveRate, HANDLERS, StartProbe } from './latency-driver.js';
import type { LatencyArgs, LatencyResult, RateLatency } from './protocol.js';

const args = readArgs<LatencyArgs>();

runChild('herald-latency', args.deadlineMs, async () => {
  const probe = new StartProbe();
  const pubBus = await heraldBus(args.redisUrl, args.durable);
  const subBus = await heraldBus(args.redisUrl, args.durable);
  for (let h = 1; h <= HANDLERS; h += 1) {
    subBus.subscribe(OrderPlaced, async (event) => probe.started(event.id, event.payload.sentAt), { name: `h${h}` });
  }
  await subBus.start();
  await pubBus.start();

  const send = (seq: number, sentAt: number): Promise<unknown> =>
    pubBus.publish(OrderPlaced.create(makePayload(seq, sentAt)));
  const rates: RateLatency[] = [];
  for (const rate of args.rates) rates.push(await driveRate(rate, args, send, probe));
  const result: LatencyResult = { rates };
  const cleanup = async (): Promise<void> => {
    await Promise.all([pubBus.shutdown({ timeoutMs: 5000 }), subBus.shutdown({ timeoutMs: 5000 })]);
  };
  return { result, cleanup };
});
