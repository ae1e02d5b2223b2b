/**
 * Raw Redis Streams publisher: ioredis with enableAutoPipelining (as the Pub/Sub peer), a fresh
 * envelope per entry, `batch` XADDs in flight, then await, then the next batch.
 */
import { Redis } from 'ioredis';
import { makeEnvelope } from '../envelope.js';
import { readArgs, runChild } from './child-io.js';
import { xadd } from './peer-streams.js';
import type { PublishArgs } from './protocol.js';
import { publishInBatches } from './publish-batches.js';

const args = readArgs<PublishArgs>();

runChild('peer-streams-pub', args.deadlineMs, async () => {
  const redis = new Redis(args.redisUrl, { enableAutoPipelining: true });
  await redis.ping();
  const result = await publishInBatches(args, (seq) => xadd(redis, makeEnvelope(seq)));
  return { result, cleanup: async () => void (await redis.quit()) };
});
