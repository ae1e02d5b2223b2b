import { MAX_TIMER_MS } from '../../domain/timer-limit.js';

/** @throws TypeError unless `value` is undefined or an integer ≥ `min`. */
export function integer(value: number | undefined, fallback: number, name: string, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(`Expected \`${name}\` to be an integer ≥ ${min}, got ${JSON.stringify(value)}.`);
  }
  return value;
}

/**
 * A millisecond option: an integer from `min` up to the longest timer Node
 * honours ({@link MAX_TIMER_MS}); a longer timer would fire after 1 ms.
 *
 * @throws TypeError unless `value` is undefined or such an integer.
 */
export function milliseconds(value: number | undefined, fallback: number, name: string, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_TIMER_MS) {
    throw new TypeError(`Expected \`${name}\` to be an integer ≥ ${min} and ${timerLimit()}, got ${JSON.stringify(value)}.`);
  }
  return value;
}

/** The upper bound in the words of a TypeError, shared by every millisecond option's message. */
export function timerLimit(): string {
  return `≤ ${MAX_TIMER_MS} (about 24.8 days, the longest timer Node honours)`;
}
