/**
 * BullMQ worker, concurrency 50. 'retry': the processor throws when
 * `attemptsMade === 0 && seq % 10 === 0` (10 % of jobs fail once and are retried). 'fanout': the
 * processor awaits Promise.allSettled over 3 no-op async functions, the handler work of the
 * other sides. Reports when every job has completed.
 */
import { Worker, type Job } from 'bullmq';
import type { PeerEnvelope } from '../envelope.js';
import { fromParent, gate, maxRssMiB, now, readArgs, rssMiB, runChild, send, waitUntil } from './child-io.js';
import type { SubscribeArgs, SubscribeResult } from './protocol.js';
import { BULLMQ_QUEUE, connectionFromUrl } from './bullmq-common.js';

const args = readArgs<SubscribeArgs>();

const handler = async (_env: PeerEnvelope): Promise<void> => {};

const processors = {
  retry: async (job: Job<PeerEnvelope>): Promise<void> => {
    if (job.attemptsMade === 0 && job.data.payload.seq % 10 === 0) throw new Error('bench: planned failure');
  },
  fanout: async (job: Job<PeerEnvelope>): Promise<void> => {
    await Promise.allSettled([handler(job.data), handler(job.data), handler(job.data)]);
  },
};

runChild('bullmq-worker', args.deadlineMs, async () => {
  let completed = 0;
  let failedAttempts = 0;
  let tLast = 0;
  // The worker starts fetching jobs when constructed.
  if (args.backlog === true) await gate();
  const tStart = now();
  const worker = new Worker<PeerEnvelope>(BULLMQ_QUEUE, processors[args.mode], {
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
  const result: SubscribeResult = { handled: completed, tLast, tStart, failedAttempts, maxRssMiB: maxRssMiB(), rssReadyMiB };
  return { result, cleanup: () => worker.close() };
});
