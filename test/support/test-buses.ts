import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { ShutdownOptions } from '../../src/index.js';
import type { UseRedisServer } from './redis-server.js';
import { uniquePrefix } from './wait-for.js';

/** Anything {@link TestBuses.track} can shut down after the test: a bus, a container bus, … */
export interface Shutdownable {
  shutdown(options?: ShutdownOptions): Promise<void>;
}

/** Options for {@link useTestBuses} and {@link trackBuses}. */
export interface TestBusesOptions {
  /** Deadline handed to each tracked bus's `shutdown` after a test. Default 1 000 ms. */
  shutdownTimeoutMs?: number;
}

/** What {@link trackBuses} returns; `B` is what the file tracks. */
export interface TrackedBuses<B extends Shutdownable = Shutdownable> {
  /** The buses tracked in this test, in order. */
  readonly buses: readonly B[];
  /** Registers `bus` to be shut down after the test, and returns it. */
  track<T extends B>(bus: T): T;
}

/** Getter object returned by {@link useTestBuses}; `B` is what the file tracks. */
export interface TestBuses<B extends Shutdownable = Shutdownable> extends TrackedBuses<B> {
  /** A plain client on the file's server, for looking at (or tampering with) what the buses wrote. */
  readonly client: Redis;
  /** This test's key prefix: a fresh one is taken before every test. */
  readonly prefix: string;
}

/**
 * The bookkeeping shared by {@link trackBuses} and {@link useTestBuses}. It registers
 * no hook: each caller runs `shutdownAll` from its own `afterEach`, so what must
 * follow the shutdown (deleting keys) sits in the same hook and needs no ordering.
 */
function busTracker<B extends Shutdownable>(options: TestBusesOptions): TrackedBuses<B> & { shutdownAll(): Promise<void> } {
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 1_000;
  const buses: B[] = [];
  return {
    buses,
    track(bus) {
      buses.push(bus);
      return bus;
    },
    async shutdownAll() {
      // allSettled: one bus failing to shut down must not leave the others running.
      await Promise.allSettled(buses.splice(0).map((bus) => bus.shutdown({ timeoutMs: shutdownTimeoutMs })));
    },
  };
}

/**
 * Registers one `afterEach` that shuts down every bus passed to `track` in the test,
 * and nothing else: for files whose buses need no Redis (in-memory buses) or that
 * give each bus a prefix of its own and leave the keys, as {@link useTestBuses}
 * would otherwise add a client and a per-test prefix they do not use.
 *
 * Call it at the top level of the file (or of a `describe`). Vitest runs `afterEach`
 * hooks in reverse order of registration, so a hook the file registers BEFORE this
 * call runs after the buses are shut down.
 *
 * ```ts
 * const { track } = trackBuses({ shutdownTimeoutMs: 500 });
 * it('…', async () => {
 *   const bus = track(new InMemoryEventBus({ logger: false }));
 * });
 * ```
 */
export function trackBuses<B extends Shutdownable = Shutdownable>(options: TestBusesOptions = {}): TrackedBuses<B> {
  const tracker = busTracker<B>(options);
  afterEach(() => tracker.shutdownAll());
  return { buses: tracker.buses, track: tracker.track };
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
  const tracker = busTracker<B>(options);
  let client: Redis | undefined;
  let prefix: string | undefined;
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
    await tracker.shutdownAll();
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
    buses: tracker.buses,
    track: tracker.track,
  };
}
