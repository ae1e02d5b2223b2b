import type { EventBus } from '../domain/event-bus.js';
import { DurableEventBus, type DurableEventBusOptions } from '../infrastructure/streams/durable-event-bus.js';
import { InMemoryEventBus, type InMemoryEventBusOptions } from '../infrastructure/memory/in-memory-event-bus.js';
import { RedisEventBus, type RedisEventBusOptions } from '../infrastructure/pubsub/redis-event-bus.js';

/** Options of {@link createEventBus}. */
export interface CreateEventBusOptions extends DurableEventBusOptions, Omit<InMemoryEventBusOptions, keyof RedisEventBusOptions> {
  /**
   * `pubsub` (Redis Pub/Sub: every instance gets every event, at-most-once),
   * `durable` (Redis Streams with consumer groups: one instance per group,
   * at-least-once) or `memory` (one process). The durable-only options
   * (`group`, `consumer`, `claimIdleMs`, ...) are ignored in the other modes.
   * @default process.env.HERALD_MODE, else 'pubsub' when `redisUrl` or REDIS_URL is set, else 'memory'
   */
  readonly mode?: 'pubsub' | 'durable' | 'memory';
}

/**
 * Creates an event bus: Redis Pub/Sub when `redisUrl` (or REDIS_URL) is set,
 * in-memory otherwise, or what `mode` (or HERALD_MODE) says.
 *
 * @throws TypeError when an option is invalid, or mode is `pubsub` or `durable` without a Redis URL.
 * @example
 * const bus = createEventBus({ redisUrl: process.env.REDIS_URL, prefix: 'shop' });
 * bus.subscribe(UserRegistered, async (event, ctx) => { ... }, { name: 'send-welcome-email', retries: 5 });
 * await bus.start();
 * await bus.publish(UserRegistered.create({ userId: 'u1', email: 'a@b.c' }), { correlationId });
 * await bus.shutdown({ timeoutMs: 10_000 });
 */
export function createEventBus(options: CreateEventBusOptions = {}): EventBus & { readonly deadLetters: InMemoryEventBus['deadLetters'] } {
  const redisUrl = options.redisUrl ?? process.env.REDIS_URL;
  const mode = options.mode ?? (process.env.HERALD_MODE || undefined) ?? (redisUrl ? 'pubsub' : 'memory');
  switch (mode) {
    case 'memory':
      return new InMemoryEventBus(options);
    case 'pubsub':
      return new RedisEventBus({ ...options, ...(redisUrl ? { redisUrl } : {}) });
    case 'durable':
      return new DurableEventBus({ ...options, ...(redisUrl ? { redisUrl } : {}) });
    default:
      throw new TypeError(
        `Expected \`mode\` (or HERALD_MODE) to be 'pubsub', 'memory' or 'durable', got ${JSON.stringify(mode)}.`,
      );
  }
}
