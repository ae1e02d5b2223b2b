import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEventBus, InMemoryEventBus, RedisEventBus } from '../../src/index.js';

describe(createEventBus, () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('makes an in-memory bus when no Redis URL is configured', () => {
    vi.stubEnv('REDIS_URL', '');
    expect(createEventBus({ logger: false })).toBeInstanceOf(InMemoryEventBus);
  });

  it('makes a Redis bus when redisUrl or REDIS_URL is set', async () => {
    const explicit = createEventBus({ logger: false, redisUrl: 'redis://127.0.0.1:1' });
    expect(explicit).toBeInstanceOf(RedisEventBus);
    vi.stubEnv('REDIS_URL', 'redis://127.0.0.1:1');
    const fromEnv = createEventBus({ logger: false });
    expect(fromEnv).toBeInstanceOf(RedisEventBus);
    await Promise.all([explicit.shutdown({ timeoutMs: 0 }), fromEnv.shutdown({ timeoutMs: 0 })]);
  });

  it('takes the mode from HERALD_MODE, below the option', () => {
    vi.stubEnv('HERALD_MODE', 'memory');
    expect(createEventBus({ logger: false, redisUrl: 'redis://127.0.0.1:1' })).toBeInstanceOf(InMemoryEventBus);
    vi.stubEnv('HERALD_MODE', 'kafka');
    expect(() => createEventBus({ logger: false })).toThrow(/HERALD_MODE/);
    expect(createEventBus({ logger: false, mode: 'memory' })).toBeInstanceOf(InMemoryEventBus);
  });

  it('lets mode override the URL', () => {
    expect(createEventBus({ logger: false, mode: 'memory', redisUrl: 'redis://127.0.0.1:1' })).toBeInstanceOf(InMemoryEventBus);
  });

  it('takes the prefix from HERALD_PREFIX', () => {
    vi.stubEnv('HERALD_PREFIX', 'billing');
    expect((createEventBus({ logger: false, mode: 'memory' }) as InMemoryEventBus).prefix).toBe('billing');
  });

  it.each([
    [{ mode: 'pubsub' as const }, /REDIS_URL/],
    [{ mode: 'durable' as const }, /DurableEventBus needs a Redis URL/],
    [{ mode: 'durable' as const, redisUrl: 'redis://x', claimIdleMs: 1 }, /claimIdleMs/],
    [{ mode: 'durable' as const, redisUrl: 'redis://x', maxDeliveries: 0 }, /maxDeliveries/],
    [{ mode: 'durable' as const, redisUrl: 'redis://x', startFrom: 'now' as never }, /startFrom/],
    [{ mode: 'durable' as const, redisUrl: 'redis://x', group: '' }, /group/],
    [{ mode: 'kafka' as never }, /mode/],
    [{ mode: 'memory' as const, prefix: 'has space' }, /prefix/],
    [{ mode: 'memory' as const, concurrency: 0 }, /concurrency/],
    [{ mode: 'memory' as const, maxEnvelopeBytes: 1.5 }, /maxEnvelopeBytes/],
    [{ mode: 'memory' as const, retry: { factor: 0 } }, /retry.factor/],
    [{ mode: 'pubsub' as const, redisUrl: 'redis://x', publishTimeoutMs: -1 }, /publishTimeoutMs/],
  ])('refuses %j with a TypeError that says what to do', (options, message) => {
    vi.stubEnv('REDIS_URL', '');
    expect(() => createEventBus({ logger: false, ...options })).toThrow(TypeError);
    expect(() => createEventBus({ logger: false, ...options })).toThrow(message);
  });
});
