/**
 * The Redis bus every Herald worker runs: Pub/Sub by default, durable mode (Redis Streams,
 * consumer group DURABLE_GROUP) for scenario 6, with metrics and tracing when asked.
 */
import { createEventBus } from '../../src/index.js';
import { PREFIX } from './herald-event.js';
import type { Observe } from './protocol.js';

export const DURABLE_GROUP = 'bench';

// A fixed bench key: signing costs the same whatever the key.
const BENCH_KEY = 'bench-signing-key-0123456789abcdefghij';

/**
 * The exporters (prom-client, the OpenTelemetry SDK) are imported only when `observe` asks for
 * them, so that the plain rows, memory among them, load nothing of them.
 */
export async function heraldBus(redisUrl: string, durable: boolean | undefined, concurrency?: number, observe?: Observe, batching?: boolean, signed?: boolean) {
  const observed = observe === undefined ? {} : (await import('./herald-observability.js')).observability(observe);
  return createEventBus({
    redisUrl,
    prefix: PREFIX,
    logger: false,
    ...observed,
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(batching === true ? { batching: true } : {}),
    // Publisher and subscriber alike sign and verify, as a service with signing on would.
    ...(signed === true ? { signing: { keyId: 'bench', key: BENCH_KEY }, verification: { keys: { bench: BENCH_KEY } } } : {}),
    // 'earliest': the backlog run publishes before the group exists, and its consumer must still read all of it.
    ...(durable === true ? { mode: 'durable' as const, group: DURABLE_GROUP, startFrom: 'earliest' as const } : {}),
  });
}
