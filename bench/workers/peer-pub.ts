/**
 * Peer publisher: raw ioredis with enableAutoPipelining, a fresh envelope per message,
 * `batch` publishes in flight, then await, then the next batch.
 */
import { Redis } from 'ioredis';
import { makeEnvelope, PEER_CHANNEL } from '../envelope.js';
import { readArgs, runChild } from './child-io.js';
import type { PublishArgs } from './protocol.js';
import { publishInBatches } from './publish-batches.js';

const args = readArgs<PublishArgs>();

runChild('peer-pub', args.deadlineMs, async () => {
  const redis = new Redis(args.redisUrl, { enableAutoPipelining: true });
  await redis.ping();
  const result = await publishInBatches(args, (seq) => redis.publish(PEER_CHANNEL, JSON.stringify(makeEnvelope(seq))));
  return { result, cleanup: async () => void (await redis.quit()) };
});
