import type { Redis } from 'ioredis';
import { DurableEventBus, type DurableEventBusOptions } from '../../src/index.js';
import type { UseRedisServer } from './redis-server.js';
import { useTestBuses } from './test-buses.js';

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
 * Registers the hooks of a durable-mode test file ({@link useTestBuses}: a client for
 * the file, a prefix per test, and after each test every bus made shut down and the
 * prefix's keys deleted) and makes buses with the file's `defaults`.
 */
export function useDurableBuses(redis: UseRedisServer, defaults: DurableEventBusOptions = {}): DurableBuses {
  const bed = useTestBuses<DurableEventBus>(redis, { shutdownTimeoutMs: 500 });
  return {
    get client() {
      return bed.client;
    },
    get prefix() {
      return bed.prefix;
    },
    get buses() {
      return bed.buses;
    },
    bus(options: DurableEventBusOptions = {}) {
      return bed.track(new DurableEventBus({ redisUrl: redis.url, prefix: bed.prefix, logger: false, ...defaults, ...options }));
    },
  };
}
