/**
 * Peer publisher: raw ioredis with enableAutoPipelining, a fresh envelope per message,
 * `batch` publishes in flight, then await, then the next batch.
 */
import { Redis } from 'ioredis';
import { makeEnvelope, PEER_CHANNEL } from '../envelope.js';
import { gate, maxRssMiB, now, readArgs, runChild } from './child-io.js';
import type { PublishArgs, PublishResult } from './protocol.js';

const args = readArgs<PublishArgs>();

runChild('peer-pub', args.deadlineMs, async () => {
  const redis = new Redis(args.redisUrl, { enableAutoPipelining: true });
  await redis.ping();
  await gate();
  const t0 = now();
  for (let start = 0; start < args.n; start += args.batch) {
    const end = Math.min(args.n, start + args.batch);
    const pending: Promise<number>[] = [];
    for (let seq = start; seq < end; seq += 1) {
      pending.push(redis.publish(PEER_CHANNEL, JSON.stringify(makeEnvelope(seq))));
    }
    await Promise.all(pending);
  }
  const t1 = now();
  const result: PublishResult = { t0, t1, published: args.n, maxRssMiB: maxRssMiB() };
  return { result, cleanup: async () => void (await redis.quit()) };
});
