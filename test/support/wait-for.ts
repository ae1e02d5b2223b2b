import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

/** Options for {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this many milliseconds. Default 5000. */
  timeoutMs?: number;
  /** Pause between polls. Default 10. */
  intervalMs?: number;
  /**
   * Diagnosis added to the timeout error. A function is evaluated only on
   * timeout, so it can describe the current state (e.g. which ids are missing).
   */
  message?: string | (() => string);
}

/**
 * Polls `predicate` until it returns (or resolves to) `true`, or throws once
 * `timeoutMs` has elapsed. A predicate that throws counts as "not yet"; the
 * last error is included in the timeout message. The predicate is always
 * evaluated at least once, and once more right at the deadline.
 */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  options: WaitForOptions = {},
): Promise<void> {
  const { timeoutMs = 5000, intervalMs = 10, message } = options;
  const started = Date.now();
  const deadline = started + timeoutMs;
  let lastError: unknown;
  let polls = 0;

  for (;;) {
    polls++;
    try {
      if (await predicate()) return;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    await delay(Math.min(intervalMs, remaining));
  }

  let diagnosis: string | undefined;
  try {
    diagnosis = typeof message === 'function' ? message() : message;
  } catch (error) {
    diagnosis = `(message callback threw: ${describe(error)})`;
  }
  const parts = [`waitFor timed out after ${Date.now() - started} ms (${polls} polls)`];
  if (diagnosis) parts.push(diagnosis);
  if (lastError !== undefined) parts.push(`last predicate error: ${describe(lastError)}`);
  throw new Error(parts.join(': '), lastError === undefined ? undefined : { cause: lastError });
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A fresh key prefix like `t-1a2b3c4d`, so each test works in its own key space. */
export function uniquePrefix(): string {
  return `t-${randomUUID().slice(0, 8)}`;
}

/** A promise together with its resolve / reject functions. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
  /** True once resolve or reject has been called. */
  readonly settled: boolean;
}

/** Creates a {@link Deferred}: a promise that is settled from outside. */
export function deferred<T = void>(): Deferred<T> {
  let settled = false;
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = (value) => {
      settled = true;
      res(value);
    };
    reject = (reason) => {
      settled = true;
      rej(reason);
    };
  });
  return {
    promise,
    resolve,
    reject,
    get settled() {
      return settled;
    },
  };
}

/**
 * Stands in for a handler's own I/O (a slow API call): not a way to wait for
 * something to happen, which must poll with {@link waitFor}.
 */
export function simulateWork(ms: number): Promise<void> {
  return delay(ms);
}

/**
 * A deliberate window in which nothing more may happen (no duplicate delivery,
 * a publish still held): the assertion after it checks that nothing did.
 */
export function quietWindow(ms: number): Promise<void> {
  return delay(ms);
}
