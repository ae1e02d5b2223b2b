import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { ShutdownOptions } from '../../src/index.js';
import type { UseRedisServer } from './redis-server.js';
import { uniquePrefix } from './wait-for.js';

/** Anything {@link TestBuses.track} can shut down after the test: a bus, a container bus, … */
export interface Shutdownable {
  shutdown(options?: ShutdownOptions): Promise<void>;
}

/** Options for {@link useTestBuses}. */
export interface TestBusesOptions {
  /** Deadline handed to each tracked bus's `shutdown` after a test. Default 1 000 ms. */
  shutdownTimeoutMs?: number;
}

/** Getter object returned by {@link useTestBuses}; `B` is what the file tracks. */
export interface TestBuses<B extends Shutdownable = Shutdownable> {
  /** A plain client on the file's server, for looking at (or tampering with) what the buses wrote. */
  readonly client: Redis;
  /** This test's key prefix: a fresh one is taken before every test. */
  readonly prefix: string;
  /** The buses tracked in this test, in order. */
  readonly buses: readonly B[];
  /** Registers `bus` to be shut down after the test, and returns it. */
  track<T extends B>(bus: T): T;
}

/**
 * Registers the hooks most integration files need around their buses, and returns
 * getters for what they set up:
 *
 * - `beforeAll` / `afterAll`: one client per file on `redis`;
 * - `beforeEach`: a fresh key prefix, so each test works in its own key space;
 * - `afterEach`: every bus passed to `track` in the test is shut down, then the
 *   prefix's keys are deleted.
 *
 * Call it at the TOP LEVEL of a test file, after {@link useRedisServer} and before
 * the file's own hooks. Vitest runs `beforeEach` hooks in the order they were
 * registered and `afterEach` hooks in reverse, so the file's own `beforeEach`
 * already sees the test's prefix, and its own `afterEach` (closing servers,
 * restarting Redis, …) runs before the buses are shut down and the keys deleted.
 *
 * ```ts
 * const redis = useRedisServer();
 * const bed = useTestBuses(redis);
 * it('…', async () => {
 *   const bus = bed.track(new RedisEventBus({ redisUrl: redis.url, prefix: bed.prefix }));
 *   expect(await bed.client.exists(`${bed.prefix}:dlq`)).toBe(0);
 * });
 * ```
 */
export function useTestBuses<B extends Shutdownable = Shutdownable>(redis: UseRedisServer, options: TestBusesOptions = {}): TestBuses<B> {
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 1_000;
  let client: Redis | undefined;
  let prefix: string | undefined;
  const buses: B[] = [];
  beforeAll(() => {
    // Lazy: a file that reaches Redis only through its buses connects at the first
    // cleanup, not at load.
    client = new Redis(redis.url, { lazyConnect: true });
  });
  afterAll(() => {
    client?.disconnect();
    client = undefined;
  });
  beforeEach(() => {
    prefix = uniquePrefix();
  });
  afterEach(async () => {
    // allSettled: one bus failing to shut down must not leave the others running.
    await Promise.allSettled(buses.splice(0).map((bus) => bus.shutdown({ timeoutMs: shutdownTimeoutMs })));
    // Nothing set up means a beforeAll/beforeEach failed: its error is the one to see.
    if (client === undefined || prefix === undefined) return;
    const keys = await client.keys(`${prefix}:*`);
    if (keys.length > 0) await client.del(...keys);
  });
  return {
    get client() {
      if (client === undefined) throw new Error('useTestBuses(): no client (accessed outside beforeAll..afterAll)');
      return client;
    },
    get prefix() {
      if (prefix === undefined) throw new Error('useTestBuses(): no prefix yet (accessed before the first beforeEach)');
      return prefix;
    },
    buses,
    track(bus) {
      buses.push(bus);
      return bus;
    },
  };
}
