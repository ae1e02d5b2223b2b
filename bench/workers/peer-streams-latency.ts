/**
 * Raw Redis Streams latency: one process, a publishing connection with default options (as the
 * scenario 2 peer) and the consumer's own connection; each handler start is a probe.
 */
import { Redis } from 'ioredis';
import { makeEnvelope, type PeerEnvelope } from '../envelope.js';
import { readArgs, runChild } from './child-io.js';
import { driveRate, StartProbe } from './latency-driver.js';
import { StreamConsumer, xadd } from './peer-streams.js';
import type { LatencyArgs, LatencyResult, RateLatency } from './protocol.js';

const args = readArgs<LatencyArgs>();

runChild('peer-streams-latency', args.deadlineMs, async () => {
  const probe = new StartProbe();
  const handler = async (env: PeerEnvelope): Promise<void> => {
    probe.started(env.id, env.payload.sentAt);
  };
  const pub = new Redis(args.redisUrl);
  const consumer = new StreamConsumer(new Redis(args.redisUrl), async (env) => {
    await Promise.allSettled([handler(env), handler(env), handler(env)]);
  });
  await consumer.start();
  await pub.ping();

  const send = (seq: number, sentAt: number): Promise<string> => xadd(pub, makeEnvelope(seq, sentAt));
  const rates: RateLatency[] = [];
  const measure = async (): Promise<void> => {
    for (const rate of args.rates) rates.push(await driveRate(rate, args, send, probe));
  };
  await Promise.race([measure(), consumer.failed()]);
  const result: LatencyResult = { rates };
  return { result, cleanup: async () => void (await Promise.all([consumer.stop(), pub.quit()])) };
});
