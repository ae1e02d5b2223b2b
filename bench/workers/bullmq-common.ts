/** Settings shared by the BullMQ producer and worker. */
import type { ConnectionOptions } from 'bullmq';

export const BULLMQ_QUEUE = 'bench-orders';

export function connectionFromUrl(redisUrl: string): ConnectionOptions {
  const url = new URL(redisUrl);
  return { host: url.hostname, port: Number(url.port) };
}
