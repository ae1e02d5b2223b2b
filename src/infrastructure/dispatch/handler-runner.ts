import pRetry, { AbortError } from 'p-retry';
import { HandlerTimeoutError } from '../../domain/errors/handler-timeout-error.js';
import { NonRetryableError } from '../../domain/errors/non-retryable-error.js';
import type { Logger } from '../../domain/logger.js';
import type { BusCounters } from '../transport/bus-counters.js';
import type { Delivery } from './delivery.js';
import { type ContextPublisher, DeliveryContext } from './delivery-context.js';

/**
 * Runs one delivery through its handler: the first attempt directly (the
 * common case pays for no retry machinery), then p-retry for the retries, with
 * exponential backoff, jitter, an optional per-attempt timeout, and the bus's
 * abort signal cancelling backoff sleeps at the shutdown deadline.
 *
 * p-retry does not retry a TypeError that is not a network error (`x is not a
 * function` is a bug, not a blip); Herald keeps that rule and dead-letters such
 * errors after one attempt with reason `non-retryable`.
 */
export class HandlerRunner {
  readonly #counters: BusCounters;
  readonly #logger: Logger;
  readonly #publish: ContextPublisher;
  readonly #signal: AbortSignal;

  constructor(counters: BusCounters, logger: Logger, publish: ContextPublisher, signal: AbortSignal) {
    this.#counters = counters;
    this.#logger = logger;
    this.#publish = publish;
    this.#signal = signal;
  }

  /** Resolves when the handler succeeded; rejects with the last error once it will not be retried. */
  async run(delivery: Delivery): Promise<void> {
    try {
      await this.#attempt(delivery, 1);
    } catch (first) {
      await this.#retry(delivery, first);
    }
  }

  /** Records a failed first attempt and retries; rejects once it will not be retried. */
  recover(delivery: Delivery, thrown: unknown): Promise<void> {
    return this.#retry(delivery, this.#failure(delivery, 1, thrown));
  }

  async #retry(delivery: Delivery, first: unknown): Promise<void> {
    const policy = delivery.subscription.policy;
    if (policy.retries === 0 || first instanceof AbortError) throw unwrap(first);
    await pRetry((n) => (n === 1 ? Promise.reject(first) : this.#attempt(delivery, n)), {
      retries: policy.retries,
      minTimeout: policy.minTimeoutMs,
      maxTimeout: policy.maxTimeoutMs,
      factor: policy.factor,
      randomize: policy.jitter,
      // No `signal` here: p-retry would add an abort listener to the one bus-wide signal per
      // sleeping retry. Sleeps are unref'd so they never hold the process open, and #attempt
      // refuses to run once the signal fired (shutdown gave up on this delivery).
      unref: true,
    });
  }

  async #attempt(delivery: Delivery, attempt: number): Promise<void> {
    if (this.#signal.aborted) throw new AbortError(this.#signal.reason as Error);
    delivery.attempts = attempt;
    if (attempt > 1) this.#counters.retried++;
    const { envelope, subscription } = delivery;
    const timeoutMs = subscription.policy.timeoutMs;
    try {
      if (timeoutMs === undefined) {
        await subscription.handler(envelope, delivery);
      } else {
        await this.#attemptWithTimeout(delivery, attempt, timeoutMs);
      }
    } catch (thrown) {
      throw this.#failure(delivery, attempt, thrown);
    }
  }

  /** Logs and records a failed attempt; returns what p-retry should see (AbortError stops it). */
  #failure(delivery: Delivery, attempt: number, thrown: unknown): Error {
    const { envelope, subscription } = delivery;
    const error = normalise(thrown);
    delivery.recordFailure(error);
    this.#logger.warn(
      {
        eventId: envelope.id,
        type: envelope.type,
        correlationId: envelope.correlationId,
        handler: subscription.name,
        attempt,
        err: error,
      },
      'handler attempt failed',
    );
    return NonRetryableError.is(error) ? new AbortError(error) : error;
  }

  async #attemptWithTimeout(delivery: Delivery, attempt: number, timeoutMs: number): Promise<void> {
    const { envelope, subscription } = delivery;
    const timeout = new AbortController();
    const signal = AbortSignal.any([this.#signal, timeout.signal]);
    const ctx = new DeliveryContext(envelope, subscription.name, attempt, signal, this.#logger, this.#publish);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new HandlerTimeoutError(subscription.name, timeoutMs);
        timeout.abort(error);
        reject(error);
      }, timeoutMs);
    });
    try {
      await Promise.race([Promise.resolve().then(() => subscription.handler(envelope, ctx)), expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function normalise(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  const error = new Error(`Handler threw a non-Error value: ${String(thrown)}. Throw Error instances so stacks are kept.`);
  error.name = 'NonErrorThrown';
  return error;
}

function unwrap(error: unknown): unknown {
  return error instanceof AbortError ? (error as AbortError & { originalError: Error }).originalError : error;
}
