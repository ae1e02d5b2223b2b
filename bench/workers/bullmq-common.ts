/** Settings shared by the BullMQ producer, worker and latency workers. */
import type { ConnectionOptions } from 'bullmq';

export const BULLMQ_QUEUE = 'bench-orders';

/** Every job: attempts 3, exponential backoff 10 ms, removeOnComplete. */
export const JOB_OPTIONS = { attempts: 3, backoff: { type: 'exponential', delay: 10 }, removeOnComplete: true };

export function connectionFromUrl(redisUrl: string): ConnectionOptions {
  const url = new URL(redisUrl);
  return { host: url.hostname, port: Number(url.port) };
}
