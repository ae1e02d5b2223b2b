/**
 * BullMQ latency: a Queue and a Worker (concurrency 50) in one process, each on its own
 * connections; `queue.add` per event, and the processor runs the 3 handler functions, each a
 * probe: the sample is add → the last of the 3 started.
 */
import { Queue, Worker, type Job } from 'bullmq';
import { makeEnvelope, type PeerEnvelope } from '../envelope.js';
import { readArgs, runChild } from './child-io.js';
import { BULLMQ_QUEUE, connectionFromUrl, JOB_OPTIONS } from './bullmq-common.js';
import { driveRate, StartProbe } from './latency-driver.js';
import type { LatencyArgs, LatencyResult, RateLatency } from './protocol.js';

const args = readArgs<LatencyArgs>();
const CONCURRENCY = 50;

runChild('bullmq-latency', args.deadlineMs, async () => {
  const probe = new StartProbe();
  const handler = async (env: PeerEnvelope): Promise<void> => {
    probe.started(env.id, env.payload.sentAt);
  };
  const connection = connectionFromUrl(args.redisUrl);
  const queue = new Queue<PeerEnvelope>(BULLMQ_QUEUE, { connection });
  const worker = new Worker<PeerEnvelope>(
    BULLMQ_QUEUE,
    async (job: Job<PeerEnvelope>) => {
      await Promise.allSettled([handler(job.data), handler(job.data), handler(job.data)]);
    },
    { connection, concurrency: CONCURRENCY },
  );
  worker.on('error', (err) => process.stderr.write(`bullmq-latency: ${String(err)}\n`));
  await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);

  const send = (seq: number, sentAt: number): Promise<unknown> => queue.add('order.placed', makeEnvelope(seq, sentAt), JOB_OPTIONS);
  const rates: RateLatency[] = [];
  for (const rate of args.rates) rates.push(await driveRate(rate, args, send, probe));
  const result: LatencyResult = { rates };
  return { result, cleanup: async () => void (await Promise.all([worker.close(), queue.close()])) };
});
