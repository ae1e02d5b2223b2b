/**
 * The Redis bus every Herald worker runs: Pub/Sub by default, durable mode (Redis Streams,
 * consumer group DURABLE_GROUP) for scenario 6, with metrics and tracing when asked.
 */
import { createEventBus } from '../../src/index.js';
import { PREFIX } from './herald-event.js';
import { observability } from './herald-observability.js';
import type { Observe } from './protocol.js';

export const DURABLE_GROUP = 'bench';

export function heraldBus(redisUrl: string, durable: boolean | undefined, concurrency?: number, observe?: Observe, batching?: boolean) {
  return createEventBus({
    redisUrl,
    prefix: PREFIX,
    logger: false,
    ...(observe !== undefined ? observability(observe) : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(batching === true ? { batching: true } : {}),
    // 'earliest': the backlog run publishes before the group exists, and its consumer must still read all of it.
    ...(durable === true ? { mode: 'durable' as const, group: DURABLE_GROUP, startFrom: 'earliest' as const } : {}),
  });
}
