import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_POLICY,
  resolveRetryPolicy,
  retryDelayMs,
} from '../../src/infrastructure/dispatch/retry-policy.js';

describe('retry policy', () => {
  it('defaults to 3 retries after 100, 200 and 400 ms before jitter', () => {
    const policy = resolveRetryPolicy(DEFAULT_RETRY_POLICY, { jitter: false });
    expect(policy.retries).toBe(3);
    expect([1, 2, 3].map((n) => retryDelayMs(policy, n))).toEqual([100, 200, 400]);
  });

  it('overrides only the fields a subscription sets', () => {
    const policy = resolveRetryPolicy(DEFAULT_RETRY_POLICY, { retries: 5, minTimeoutMs: 1 });
    expect(policy).toMatchObject({ retries: 5, minTimeoutMs: 1, factor: 2, jitter: true, maxTimeoutMs: 10_000 });
  });

  it('caps every delay at maxTimeoutMs', () => {
    const policy = resolveRetryPolicy(DEFAULT_RETRY_POLICY, { minTimeoutMs: 1_000, maxTimeoutMs: 3_000, jitter: false });
    expect([1, 2, 3, 4].map((n) => retryDelayMs(policy, n))).toEqual([1_000, 2_000, 3_000, 3_000]);
  });

  it('lengthens delays by a factor in [1, 2) with jitter, never shortens them', () => {
    const policy = resolveRetryPolicy(DEFAULT_RETRY_POLICY, { minTimeoutMs: 100 });
    expect(retryDelayMs(policy, 1, () => 0)).toBe(100);
    expect(retryDelayMs(policy, 1, () => 0.5)).toBe(150);
    expect(retryDelayMs(policy, 1, () => 0.999_999)).toBe(200);
    expect(retryDelayMs(policy, 3, () => 0.25)).toBe(500);
  });

  it.each([
    [{ retries: -1 }, 'retries'],
    [{ retries: 1.5 }, 'retries'],
    [{ minTimeoutMs: Number.NaN }, 'minTimeoutMs'],
    [{ maxTimeoutMs: -5 }, 'maxTimeoutMs'],
    [{ factor: 0.5 }, 'factor'],
    [{ timeoutMs: 0 }, 'timeoutMs'],
    [{ minTimeoutMs: 500, maxTimeoutMs: 100 }, 'maxTimeoutMs'],
    [{ jitter: 'yes' as unknown as boolean }, 'jitter'],
  ])('refuses %j with a TypeError naming %s', (options, name) => {
    expect(() => resolveRetryPolicy(DEFAULT_RETRY_POLICY, options)).toThrow(TypeError);
    expect(() => resolveRetryPolicy(DEFAULT_RETRY_POLICY, options)).toThrow(name);
  });

  it('allows retrying forever', () => {
    expect(resolveRetryPolicy(DEFAULT_RETRY_POLICY, { retries: Infinity }).retries).toBe(Infinity);
  });
});
