import pRetry, { AbortError } from 'p-retry';
import { HandlerTimeoutError } from '../../domain/errors/handler-timeout-error.js';
import { NonRetryableError } from '../../domain/errors/non-retryable-error.js';
import type { BusCounters } from '../transport/bus-counters.js';
import { withTimeout } from '../shared/with-timeout.js';
import { AttemptContext, type ContextScope } from './attempt-context.js';
import type { Delivery } from './delivery.js';

/** How far the attempts of one delivery got. */
export interface AttemptRecord {
  readonly attempts: number;
  /** Undefined while no attempt failed. */
  readonly firstFailedAt: string | undefined;
  readonly lastFailedAt: string | undefined;
}

/**
 * How the attempts of one delivery ended: the handler succeeded; it failed and
 * will not be retried; or shutdown gave up on the delivery (see
 * {@link HandlerRunner.abort}) before it succeeded.
 */
export type HandlerOutcome =
  | { readonly status: 'handled'; readonly attempts: number }
  | (AttemptRecord & { readonly status: 'failed'; readonly reason: 'retries-exhausted' | 'non-retryable'; readonly error: Error })
  | (AttemptRecord & { readonly status: 'aborted'; readonly error: Error });

/** The outcome of a delivery that succeeded at its first attempt, shared as it is the common one. */
export const HANDLED_AT_ONCE: HandlerOutcome = Object.freeze({ status: 'handled', attempts: 1 });

/**
 * Runs every attempt of a delivery and returns how they ended. The first attempt
 * runs inline (a delivery that succeeds at once pays for no retry machinery);
 * retries go through p-retry, with exponential backoff and jitter; with
 * `timeoutMs` each attempt gets a deadline and a context of its own.
 *
 * p-retry does not retry a TypeError that is not a network error (`x is not a
 * function` is a bug, not a blip); Herald keeps that rule and dead-letters such
 * errors after one attempt with reason `non-retryable`, as it does for a
 * NonRetryableError at any attempt.
 */
export class HandlerRunner {
  readonly #counters: BusCounters;
  readonly #scope: ContextScope;

  constructor(counters: BusCounters, scope: ContextScope) {
    this.#counters = counters;
    this.#scope = scope;
  }

  /** Resolves once the handler succeeded or will not be tried again; a handler's error does not reject it. */
  async run(delivery: Delivery): Promise<HandlerOutcome> {
    try {
      await this.first(delivery);
      return HANDLED_AT_ONCE;
    } catch (thrown) {
      return this.recover(delivery, thrown);
    }
  }

  /**
   * {@link run} in two steps, for the dispatcher's hot path: starts the first
   * attempt and returns what the handler returned, or throws what it threw. The
   * caller awaits it in its own frame and passes a failure to {@link recover}; a
   * delivery that succeeds at once then costs no promise of the runner's own.
   */
  first(delivery: Delivery): unknown {
    return this.#attempt(delivery, 1);
  }

  /** Records the failed first attempt and retries as the policy says; resolves to the outcome. */
  recover(delivery: Delivery, thrown: unknown): Promise<HandlerOutcome> {
    return this.#retry(delivery, this.#failed(delivery, 1, thrown));
  }

  /**
   * Gives up on a delivery at the shutdown deadline: aborts its handler's signal
   * with `reason` and refuses its further attempts. Returns what it did so far.
   */
  abort(delivery: Delivery, reason: Error): AttemptRecord {
    delivery.abort(reason);
    return { attempts: delivery.attempt, firstFailedAt: delivery.firstFailedAt, lastFailedAt: delivery.lastFailedAt };
  }

  async #retry(delivery: Delivery, first: Error): Promise<HandlerOutcome> {
    const policy = delivery.subscription.policy;
    let last = first;
    if (policy.retries > 0 && !NonRetryableError.is(first) && delivery.abortReason === undefined) {
      try {
        await pRetry((n) => (n === 1 ? Promise.reject(first) : this.#retryAttempt(delivery, n)), {
          retries: policy.retries,
          minTimeout: policy.minTimeoutMs,
          maxTimeout: policy.maxTimeoutMs,
          factor: policy.factor,
          randomize: policy.jitter,
          // No `signal`: p-retry would also turn a success after the deadline into a failure. Sleeps
          // are unref'd so they never hold the process open, and #retryAttempt refuses to run once
          // shutdown gave up on the delivery.
          unref: true,
        });
        return { status: 'handled', attempts: delivery.attempt };
      } catch (thrown) {
        last = normalise(thrown);
      }
    }
    return this.#ended(delivery, last);
  }

  async #retryAttempt(delivery: Delivery, attempt: number): Promise<void> {
    if (delivery.abortReason !== undefined) throw new AbortError(delivery.lastError ?? delivery.abortReason);
    try {
      await this.#attempt(delivery, attempt);
    } catch (thrown) {
      const error = this.#failed(delivery, attempt, thrown);
      throw NonRetryableError.is(error) ? new AbortError(error) : error;
    }
  }

  /** Starts an attempt: returns what the handler returned, or throws what it threw. */
  #attempt(delivery: Delivery, attempt: number): unknown {
    delivery.begin(attempt);
    if (attempt > 1) this.#counters.retried++;
    const timeoutMs = delivery.subscription.policy.timeoutMs;
    if (timeoutMs === undefined) return call(delivery);
    const ctx = new AttemptContext(delivery.envelope, delivery.subscription, this.#scope, attempt, delivery);
    // The deadline starts before the handler does, so it covers its synchronous part too.
    return withTimeout(Promise.resolve(ctx).then(call), timeoutMs, () => {
      const error = new HandlerTimeoutError(ctx.handler, timeoutMs);
      ctx.abort(error);
      throw error;
    });
  }

  /** Records and logs a failed attempt. */
  #failed(delivery: Delivery, attempt: number, thrown: unknown): Error {
    const error = normalise(thrown);
    const now = new Date().toISOString();
    delivery.firstFailedAt ??= now;
    delivery.lastFailedAt = now;
    delivery.lastError = error;
    const { envelope, handler } = delivery;
    this.#scope.logger.warn(
      { eventId: envelope.id, type: envelope.type, correlationId: envelope.correlationId, handler, attempt, err: error },
      'handler attempt failed',
    );
    return error;
  }

  #ended(delivery: Delivery, error: Error): HandlerOutcome {
    const record = { attempts: delivery.attempt, firstFailedAt: delivery.firstFailedAt, lastFailedAt: delivery.lastFailedAt };
    if (delivery.abortReason !== undefined) return { status: 'aborted', error, ...record };
    const maxAttempts = delivery.subscription.policy.retries + 1;
    const reason = NonRetryableError.is(error) || delivery.attempt < maxAttempts ? 'non-retryable' : 'retries-exhausted';
    return { status: 'failed', reason, error, ...record };
  }
}

/** The one place a handler is called. */
function call(ctx: AttemptContext): unknown {
  return ctx.subscription.handler(ctx.envelope, ctx);
}

function normalise(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  const error = new Error(`Handler threw a non-Error value: ${String(thrown)}. Throw Error instances so stacks are kept.`);
  error.name = 'NonErrorThrown';
  return error;
}
