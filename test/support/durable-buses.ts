import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { DurableEventBus, type DurableEventBusOptions } from '../../src/index.js';
import type { UseRedisServer } from './redis-server.js';
import { uniquePrefix } from './wait-for.js';

/** What {@link useDurableBuses} gives a test file. */
export interface DurableBuses {
  /** A plain client on the server, for looking at what the buses wrote. */
  readonly client: Redis;
  /** This test's key prefix (a new one per test). */
  readonly prefix: string;
  /** The buses made by {@link bus} in this test, in order. */
  readonly buses: readonly DurableEventBus[];
  /** A durable bus on this test's prefix with the file's defaults and `options`; shut down after the test. */
  bus(options?: DurableEventBusOptions): DurableEventBus;
}

/**
 * Registers the hooks of a durable-mode test file: a client for the file, a prefix
 * per test, and after each test every bus made shut down and the prefix's keys deleted.
 */
export function useDurableBuses(redis: UseRedisServer, defaults: DurableEventBusOptions = {}): DurableBuses {
  let client: Redis | undefined;
  let prefix = '';
  const buses: DurableEventBus[] = [];
  beforeAll(() => {
    client = new Redis(redis.url);
  });
  afterAll(() => client?.disconnect());
  beforeEach(() => {
    prefix = uniquePrefix();
  });
  afterEach(async () => {
    await Promise.allSettled(buses.splice(0).map((bus) => bus.shutdown({ timeoutMs: 500 })));
    const keys = await client!.keys(`${prefix}:*`);
    if (keys.length > 0) await client!.del(...keys);
  });
  return {
    get client() {
      return client!;
    },
    get prefix() {
      return prefix;
    },
    buses,
    bus(options: DurableEventBusOptions = {}) {
      const created = new DurableEventBus({ redisUrl: redis.url, prefix, logger: false, ...defaults, ...options });
      buses.push(created);
      return created;
    },
  };
}
