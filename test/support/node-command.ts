/**
 * One-off commands to one Redis node (cluster node, replica or sentinel) of a
 * test topology. Each call opens its own short-lived connection that never
 * retries or queues, so a dead node answers "not reachable" at once instead of
 * holding a poll loop up.
 */
import { Redis } from 'ioredis';

const HOST = '127.0.0.1';

/** Sends one command to 127.0.0.1:`port` and resolves to the reply; rejects when the node is down or answers an error. */
export async function sendToNode(port: number, command: string, args: readonly (string | number)[] = [], timeoutMs = 1000): Promise<unknown> {
  const redis = new Redis({
    host: HOST,
    port,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableReadyCheck: false,
    enableOfflineQueue: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await redis.call(command, ...args);
  } finally {
    redis.disconnect();
  }
}

/** Like {@link sendToNode}, undefined instead of a rejection: for polls over nodes that may be down. */
export async function trySendToNode(port: number, command: string, args: readonly (string | number)[] = []): Promise<unknown> {
  try {
    return await sendToNode(port, command, args);
  } catch {
    return undefined;
  }
}

/** `field:value` lines of an INFO (or CLUSTER INFO) reply as a map. */
export function parseInfo(reply: unknown): Map<string, string> {
  const fields = new Map<string, string>();
  if (typeof reply !== 'string') return fields;
  for (const line of reply.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}
