import { describe, expect, it } from 'vitest';
import {
  DurableEventBus,
  InMemoryDeadLetterQueue,
  InMemoryEventBus,
  RedisEventBus,
  openRedisDeadLetterQueue,
  retryDelayMs,
} from '../../src/index.js';
import { DEFAULT_RETRY_POLICY, resolveRetryPolicy } from '../../src/infrastructure/dispatch/retry-policy.js';

// Node fires a timer longer than this after 1 ms (TimeoutOverflowWarning), so every millisecond option stops here.
const MAX = 2 ** 31 - 1;
const TOO_LONG = 2 ** 31;
const URL = 'redis://127.0.0.1:1';
const tooLong = (name: string) => new RegExp(`\`[^\`]*${name}\` to be .*≤ 2147483647.*got ${TOO_LONG}`);

describe('millisecond options', () => {
  it.each([
    ['shutdownTimeoutMs', () => new InMemoryEventBus({ shutdownTimeoutMs: TOO_LONG })],
    ['publishTimeoutMs', () => new RedisEventBus({ redisUrl: URL, publishTimeoutMs: TOO_LONG })],
    ['connectTimeoutMs', () => new RedisEventBus({ redisUrl: URL, connectTimeoutMs: TOO_LONG })],
    ['claimIdleMs', () => new DurableEventBus({ redisUrl: URL, claimIdleMs: TOO_LONG })],
    ['retry.minTimeoutMs', () => new InMemoryEventBus({ retry: { minTimeoutMs: TOO_LONG } })],
    ['retry.maxTimeoutMs', () => new InMemoryEventBus({ retry: { maxTimeoutMs: TOO_LONG } })],
    ['retry.timeoutMs', () => new InMemoryEventBus({ retry: { timeoutMs: TOO_LONG } })],
    ['timeoutMs', () => new InMemoryEventBus({ logger: false }).subscribe('x', () => {}, { name: 'h', timeoutMs: TOO_LONG })],
    ['minTimeoutMs', () => new InMemoryEventBus({ logger: false }).subscribe('x', () => {}, { name: 'h', minTimeoutMs: TOO_LONG })],
  ])('refuses %s above 2^31−1 with a TypeError naming it and the maximum', (name, construct) => {
    const thrown = (() => {
      try {
        construct();
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toMatch(tooLong(name.replace('.', '\\.')));
  });

  it('accepts 2^31−1 itself', () => {
    expect(() => new RedisEventBus({ redisUrl: URL, publishTimeoutMs: MAX, connectTimeoutMs: MAX, shutdownTimeoutMs: MAX })).not.toThrow();
    expect(() => new DurableEventBus({ redisUrl: URL, claimIdleMs: MAX })).not.toThrow();
  });

  it('rejects shutdown({ timeoutMs }) above 2^31−1 and keeps the bus open', async () => {
    const bus = new InMemoryEventBus({ logger: false });
    await bus.start();
    await expect(bus.shutdown({ timeoutMs: TOO_LONG })).rejects.toThrow(tooLong('timeoutMs'));
    expect((await bus.health()).status).toBe('ready');
    await bus.shutdown();
  });

  it('rejects replay timings above 2^31−1', async () => {
    const queue = new InMemoryDeadLetterQueue();
    for (const name of ['claimTimeoutMs', 'leaseMs', 'waitTimeoutMs']) {
      await expect(queue.replay('missing', { [name]: TOO_LONG })).rejects.toThrow(tooLong(name));
      await expect(queue.replayAll({ [name]: TOO_LONG })).rejects.toThrow(tooLong(name));
    }
  });

  it('rejects a connectTimeoutMs above 2^31−1 when opening a dead-letter queue, before connecting', async () => {
    await expect(openRedisDeadLetterQueue({ redisUrl: URL, prefix: 'p', connectTimeoutMs: TOO_LONG })).rejects.toThrow(
      tooLong('connectTimeoutMs'),
    );
  });

  it('takes maxTimeoutMs: Infinity as the longest timer, so retry delays never overflow', () => {
    const policy = resolveRetryPolicy(DEFAULT_RETRY_POLICY, { retries: Infinity, maxTimeoutMs: Infinity, jitter: false });
    expect(retryDelayMs(policy, 40)).toBe(MAX);
  });
});
