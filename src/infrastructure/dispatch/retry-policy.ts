import type { RetryOptions } from '../../domain/retry-options.js';
import { MAX_TIMER_MS } from '../../domain/timer-limit.js';
import { timerLimit } from '../shared/options.js';

/** A fully resolved retry policy. */
export interface RetryPolicy {
  readonly retries: number;
  readonly minTimeoutMs: number;
  readonly maxTimeoutMs: number;
  readonly factor: number;
  readonly jitter: boolean;
  readonly timeoutMs: number | undefined;
}

/** Herald's defaults: 3 retries after 100 ms, 200 ms, 400 ms (each ×[1,2) with jitter). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  retries: 3,
  minTimeoutMs: 100,
  maxTimeoutMs: 10_000,
  factor: 2,
  jitter: true,
  timeoutMs: undefined,
});

/**
 * Merges `overrides` over `base`, validating each given option.
 * @throws TypeError naming the option and the expected value.
 */
export function resolveRetryPolicy(base: RetryPolicy, overrides: RetryOptions | undefined, where = 'options'): RetryPolicy {
  if (!overrides) return base;
  const policy: RetryPolicy = {
    retries: pick(overrides.retries, base.retries, `${where}.retries`, { integer: true, allowInfinity: true }),
    minTimeoutMs: pick(overrides.minTimeoutMs, base.minTimeoutMs, `${where}.minTimeoutMs`, { timer: true }),
    // Infinity ("no cap") is the longest timer: a longer delay would fire after 1 ms.
    maxTimeoutMs: Math.min(
      pick(overrides.maxTimeoutMs, base.maxTimeoutMs, `${where}.maxTimeoutMs`, { allowInfinity: true, timer: true }),
      MAX_TIMER_MS,
    ),
    factor: pick(overrides.factor, base.factor, `${where}.factor`, { min: 1 }),
    jitter: overrides.jitter ?? base.jitter,
    timeoutMs:
      overrides.timeoutMs === undefined ? base.timeoutMs : pick(overrides.timeoutMs, 0, `${where}.timeoutMs`, { min: 1, timer: true }),
  };
  if (typeof policy.jitter !== 'boolean') {
    throw new TypeError(`Expected \`${where}.jitter\` to be a boolean, got ${JSON.stringify(policy.jitter)}.`);
  }
  if (policy.maxTimeoutMs < policy.minTimeoutMs) {
    throw new TypeError(
      `Expected \`${where}.maxTimeoutMs\` (${policy.maxTimeoutMs}) to be at least \`minTimeoutMs\` (${policy.minTimeoutMs}).`,
    );
  }
  return Object.freeze(policy);
}

/**
 * Delay before retry number `retry` (1-based), as p-retry computes it:
 * `round(r · minTimeoutMs · factor^(retry-1))` capped at `maxTimeoutMs`, with
 * `r = 1`, or `r ∈ [1, 2)` with jitter. Jitter only lengthens delays.
 */
export function retryDelayMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const r = policy.jitter ? random() + 1 : 1;
  return Math.min(Math.round(r * policy.minTimeoutMs * policy.factor ** (retry - 1)), policy.maxTimeoutMs);
}

interface NumberRule {
  readonly min?: number;
  readonly integer?: boolean;
  readonly allowInfinity?: boolean;
  /** A delay: at most MAX_TIMER_MS (Infinity still passes where allowed). */
  readonly timer?: boolean;
}

function pick(value: number | undefined, fallback: number, name: string, rule: NumberRule = {}): number {
  if (value === undefined) return fallback;
  const { min = 0, integer = false, allowInfinity = false, timer = false } = rule;
  const ok =
    typeof value === 'number' &&
    !Number.isNaN(value) &&
    value >= min &&
    (allowInfinity || Number.isFinite(value)) &&
    (!integer || !Number.isFinite(value) || Number.isInteger(value)) &&
    (!timer || value <= MAX_TIMER_MS || value === Infinity);
  if (!ok) {
    const kind = integer ? 'an integer' : 'a number';
    throw new TypeError(
      `Expected \`${name}\` to be ${kind} ≥ ${min}${timer ? ` and ${timerLimit()}` : ''}${allowInfinity ? ' (or Infinity)' : ''}, got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}
