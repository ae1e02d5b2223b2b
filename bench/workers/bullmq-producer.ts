/**
 * BullMQ producer: addBulk in chunks of `batch` jobs, a fresh envelope as each job's data,
 * attempts 3, exponential backoff 10 ms, removeOnComplete.
 */
import { Queue } from 'bullmq';
import { makeEnvelope } from '../envelope.js';
import { gate, maxRssMiB, now, readArgs, runChild } from './child-io.js';
import type { PublishArgs, PublishResult } from './protocol.js';
import { BULLMQ_QUEUE, connectionFromUrl, JOB_OPTIONS } from './bullmq-common.js';

const args = readArgs<PublishArgs>();

runChild('bullmq-producer', args.deadlineMs, async () => {
  const queue = new Queue(BULLMQ_QUEUE, { connection: connectionFromUrl(args.redisUrl) });
  await queue.waitUntilReady();
  await gate();
  const t0 = now();
  for (let start = 0; start < args.n; start += args.batch) {
    const end = Math.min(args.n, start + args.batch);
    const jobs = [];
    for (let seq = start; seq < end; seq += 1) jobs.push({ name: 'order.placed', data: makeEnvelope(seq), opts: JOB_OPTIONS });
    await queue.addBulk(jobs);
  }
  const t1 = now();
  const result: PublishResult = { t0, t1, published: args.n, maxRssMiB: maxRssMiB() };
  return { result, cleanup: () => queue.close() };
});
