/**
 * Raw Redis Streams publisher: ioredis with enableAutoPipelining (as the Pub/Sub peer), a fresh
 * envelope per entry, `batch` XADDs in flight, then await, then the next batch.
 */
import { Redis } from 'ioredis';
import { makeEnvelope } from '../envelope.js';
import { gate, maxRssMiB, now, readArgs, runChild } from './child-io.js';
import { xadd } from './peer-streams.js';
import type { PublishArgs, PublishResult } from './protocol.js';

const args = readArgs<PublishArgs>();

runChild('peer-streams-pub', args.deadlineMs, async () => {
  const redis = new Redis(args.redisUrl, { enableAutoPipelining: true });
  await redis.ping();
  await gate();
  const t0 = now();
  for (let start = 0; start < args.n; start += args.batch) {
    const end = Math.min(args.n, start + args.batch);
    const pending: Promise<string>[] = [];
    for (let seq = start; seq < end; seq += 1) pending.push(xadd(redis, makeEnvelope(seq)));
    await Promise.all(pending);
  }
  const t1 = now();
  const result: PublishResult = { t0, t1, published: args.n, maxRssMiB: maxRssMiB() };
  return { result, cleanup: async () => void (await redis.quit()) };
});
