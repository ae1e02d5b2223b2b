/**
 * BullMQ worker, concurrency 50: the processor throws when `attemptsMade === 0 && seq % 10 === 0`
 * (10 % of jobs fail once and are retried); reports when every job has completed.
 */
import { Worker, type Job } from 'bullmq';
import type { PeerEnvelope } from '../envelope.js';
import { fromParent, maxRssMiB, now, readArgs, rssMiB, runChild, send, waitUntil } from './child-io.js';
import type { SubscribeArgs, SubscribeResult } from './protocol.js';
import { BULLMQ_QUEUE, connectionFromUrl } from './bullmq-common.js';

const args = readArgs<SubscribeArgs>();

runChild('bullmq-worker', args.deadlineMs, async () => {
  if (args.mode !== 'retry') throw new Error(`bullmq-worker supports mode 'retry' only, got ${args.mode}`);
  let completed = 0;
  let failedAttempts = 0;
  let tLast = 0;
  const processor = async (job: Job<PeerEnvelope>): Promise<void> => {
    if (job.attemptsMade === 0 && job.data.payload.seq % 10 === 0) throw new Error('bench: planned failure');
  };
  const worker = new Worker<PeerEnvelope>(BULLMQ_QUEUE, processor, {
    connection: connectionFromUrl(args.redisUrl),
    concurrency: args.concurrency ?? 50,
  });
  worker.on('completed', () => {
    completed += 1;
    tLast = now();
  });
  worker.on('failed', () => {
    failedAttempts += 1;
  });
  worker.on('error', (err) => process.stderr.write(`bullmq-worker: ${String(err)}\n`));
  await worker.waitUntilReady();
  const rssReadyMiB = rssMiB();
  const published = fromParent('published');
  await send({ type: 'ready', data: { rssMiB: rssReadyMiB } });

  await published;
  await waitUntil(() => completed >= args.n, () => completed, { stallMs: args.stallMs, maxMs: args.deadlineMs });
  const result: SubscribeResult = { handled: completed, tLast, failedAttempts, maxRssMiB: maxRssMiB(), rssReadyMiB };
  return { result, cleanup: () => worker.close() };
});
