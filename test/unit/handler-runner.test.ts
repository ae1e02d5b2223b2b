import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HandlerTimeoutError, NonRetryableError } from '../../src/index.js';
import type { EventEnvelope } from '../../src/domain/event-envelope.js';
import type { EventHandlerFn, HandlerContext } from '../../src/domain/handler-context.js';
import type { RetryOptions } from '../../src/domain/retry-options.js';
import type { ContextScope } from '../../src/infrastructure/dispatch/attempt-context.js';
import { Delivery } from '../../src/infrastructure/dispatch/delivery.js';
import { HandlerRunner } from '../../src/infrastructure/dispatch/handler-runner.js';
import { DEFAULT_RETRY_POLICY, resolveRetryPolicy } from '../../src/infrastructure/dispatch/retry-policy.js';
import { silentLogger } from '../../src/infrastructure/shared/logging.js';
import { BusCounters } from '../../src/infrastructure/transport/bus-counters.js';

const scope: ContextScope = {
  logger: silentLogger,
  publish: () => Promise.reject(new Error('no publishing in these tests')),
};

function setup(handler: EventHandlerFn, retry: RetryOptions = {}) {
  const counters = new BusCounters();
  const runner = new HandlerRunner(counters, scope);
  const envelope: EventEnvelope = {
    id: randomUUID(),
    type: 'order.placed',
    timestamp: new Date().toISOString(),
    correlationId: randomUUID(),
    source: 'test',
    payload: { orderId: 'o-1' },
  };
  const subscription = {
    name: 'projector',
    selector: 'order.placed',
    handler,
    policy: resolveRetryPolicy(DEFAULT_RETRY_POLICY, { minTimeoutMs: 0, jitter: false, ...retry }),
  };
  const delivery = new Delivery(envelope, subscription, scope);
  return { counters, runner, delivery };
}

/** A handler that fails with `errors` in turn, then succeeds; records each ctx. */
function failingThen(...errors: unknown[]) {
  const contexts: HandlerContext[] = [];
  const attempts: number[] = [];
  const handler: EventHandlerFn = (_event, ctx) => {
    contexts.push(ctx);
    attempts.push(ctx.attempt);
    const next = errors.shift();
    if (next !== undefined) throw next;
  };
  return { handler, contexts, attempts };
}

describe('HandlerRunner', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('when the handler succeeds at once', () => {
    it('returns handled after 1 attempt, with the delivery itself as ctx', async () => {
      const { handler, contexts } = failingThen();
      const { runner, delivery, counters } = setup(handler);
      await expect(runner.run(delivery)).resolves.toEqual({ status: 'handled', attempts: 1 });
      expect(contexts).toEqual([delivery]);
      expect(delivery.attempt).toBe(1);
      expect(counters.retried).toBe(0);
    });
  });

  describe('when the handler fails, then succeeds', () => {
    it('returns handled with the attempts it took, counting the retries', async () => {
      const { handler, attempts } = failingThen(new Error('blip'), new Error('blip again'));
      const { runner, delivery, counters } = setup(handler, { retries: 3 });
      await expect(runner.run(delivery)).resolves.toEqual({ status: 'handled', attempts: 3 });
      expect(attempts).toEqual([1, 2, 3]);
      expect(counters.retried).toBe(2);
    });

    it('waits the policy delay before each retry', async () => {
      vi.useFakeTimers();
      const { handler, attempts } = failingThen(new Error('blip'), new Error('blip again'));
      const { runner, delivery } = setup(handler, { retries: 3, minTimeoutMs: 100, factor: 2 });
      const outcome = runner.run(delivery);
      await vi.advanceTimersByTimeAsync(99);
      expect(attempts).toEqual([1]);
      await vi.advanceTimersByTimeAsync(1);
      expect(attempts).toEqual([1, 2]);
      await vi.advanceTimersByTimeAsync(199);
      expect(attempts).toEqual([1, 2]);
      await vi.advanceTimersByTimeAsync(1);
      expect(attempts).toEqual([1, 2, 3]);
      await expect(outcome).resolves.toEqual({ status: 'handled', attempts: 3 });
    });
  });

  describe('when the handler keeps failing', () => {
    it('returns failed (retries-exhausted) with the last error after retries + 1 attempts', async () => {
      const last = new Error('still down');
      const { handler, attempts } = failingThen(new Error('down'), new Error('down'), last);
      const { runner, delivery } = setup(handler, { retries: 2 });
      const outcome = await runner.run(delivery);
      expect(outcome).toMatchObject({ status: 'failed', reason: 'retries-exhausted', error: last, attempts: 3 });
      expect(attempts).toEqual([1, 2, 3]);
      if (outcome.status !== 'failed') throw new Error('unreachable');
      expect(outcome.firstFailedAt).toBeDefined();
      expect(outcome.lastFailedAt! >= outcome.firstFailedAt!).toBe(true);
    });

    it('returns failed (retries-exhausted) after 1 attempt when retries is 0', async () => {
      const { handler } = failingThen(new Error('down'));
      const { runner, delivery } = setup(handler, { retries: 0 });
      await expect(runner.run(delivery)).resolves.toMatchObject({ status: 'failed', reason: 'retries-exhausted', attempts: 1 });
    });

    it('turns a thrown non-Error into an Error that says so', async () => {
      const { handler } = failingThen('a string');
      const { runner, delivery } = setup(handler, { retries: 0 });
      const outcome = await runner.run(delivery);
      expect(outcome).toMatchObject({ status: 'failed', error: { name: 'NonErrorThrown' } });
    });
  });

  describe('when the handler throws a NonRetryableError', () => {
    it('returns failed (non-retryable) without retrying further', async () => {
      const fatal = new NonRetryableError('invalid email');
      const { handler, attempts } = failingThen(new Error('blip'), fatal, new Error('never thrown'));
      const { runner, delivery } = setup(handler, { retries: 5 });
      await expect(runner.run(delivery)).resolves.toMatchObject({ status: 'failed', reason: 'non-retryable', error: fatal, attempts: 2 });
      expect(attempts).toEqual([1, 2]);
    });
  });

  describe('when the handler throws a TypeError', () => {
    it('returns failed (non-retryable) after that attempt, as p-retry does not retry bugs', async () => {
      const bug = new TypeError('x is not a function');
      const { handler, attempts } = failingThen(bug);
      const { runner, delivery } = setup(handler, { retries: 3 });
      await expect(runner.run(delivery)).resolves.toMatchObject({ status: 'failed', reason: 'non-retryable', error: bug, attempts: 1 });
      expect(attempts).toEqual([1]);
    });
  });

  describe('when an attempt exceeds timeoutMs', () => {
    it('fails it with HandlerTimeoutError, aborting a context of its own, and retries with a fresh one', async () => {
      const contexts: HandlerContext[] = [];
      const { runner, delivery } = setup((_event, ctx) => {
        contexts.push(ctx);
        return ctx.attempt === 1 ? new Promise(() => {}) : undefined;
      }, { retries: 1, timeoutMs: 20 });
      await expect(runner.run(delivery)).resolves.toEqual({ status: 'handled', attempts: 2 });
      expect(contexts).toHaveLength(2);
      expect(contexts[0]).not.toBe(delivery);
      expect(contexts[0]).not.toBe(contexts[1]);
      expect(contexts.map((ctx) => ctx.attempt)).toEqual([1, 2]);
      expect(contexts[0]!.signal.reason).toBeInstanceOf(HandlerTimeoutError);
      expect(contexts[1]!.signal.aborted).toBe(false);
    });

    it('returns failed (retries-exhausted) with the HandlerTimeoutError once no retry is left', async () => {
      const { runner, delivery } = setup(() => new Promise(() => {}), { retries: 0, timeoutMs: 20 });
      const outcome = await runner.run(delivery);
      expect(outcome).toMatchObject({ status: 'failed', reason: 'retries-exhausted', attempts: 1 });
      expect(outcome.status === 'failed' && outcome.error).toBeInstanceOf(HandlerTimeoutError);
    });
  });

  describe('when shutdown gives up on the delivery (abort at the deadline)', () => {
    it('aborts the running handler\'s signal and returns aborted, without retrying, once the handler gives up', async () => {
      const deadline = new Error('deadline');
      let signal: AbortSignal | undefined;
      const { runner, delivery } = setup((_event, ctx) => {
        signal = ctx.signal;
        return new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('gave up'))));
      }, { retries: 3 });
      const outcome = runner.run(delivery);
      expect(runner.abort(delivery, deadline)).toEqual({ attempts: 1, firstFailedAt: undefined, lastFailedAt: undefined });
      expect(signal?.reason).toBe(deadline);
      await expect(outcome).resolves.toMatchObject({ status: 'aborted', error: { message: 'gave up' }, attempts: 1 });
    });

    it('refuses the retry a delivery was waiting for and returns aborted with the attempts so far', async () => {
      vi.useFakeTimers();
      const first = new Error('down');
      const { handler, attempts } = failingThen(first);
      const { runner, delivery } = setup(handler, { retries: 3, minTimeoutMs: 1_000 });
      const outcome = runner.run(delivery);
      await vi.advanceTimersByTimeAsync(10);
      const record = runner.abort(delivery, new Error('deadline'));
      expect(record).toMatchObject({ attempts: 1, firstFailedAt: expect.any(String) });
      await vi.advanceTimersByTimeAsync(1_000);
      await expect(outcome).resolves.toMatchObject({ status: 'aborted', error: first, attempts: 1 });
      expect(attempts).toEqual([1]);
    });

    it('aborts the context of a timed attempt too', async () => {
      const deadline = new Error('deadline');
      let signal: AbortSignal | undefined;
      const { runner, delivery } = setup((_event, ctx) => {
        signal = ctx.signal;
        return new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
      }, { retries: 0, timeoutMs: 60_000 });
      const outcome = runner.run(delivery);
      await vi.waitFor(() => expect(signal).toBeDefined());
      runner.abort(delivery, deadline);
      expect(signal?.reason).toBe(deadline);
      await expect(outcome).resolves.toMatchObject({ status: 'aborted', error: deadline, attempts: 1 });
    });

    it('still returns handled when the handler succeeds after the deadline', async () => {
      let finish!: () => void;
      const { runner, delivery } = setup(() => new Promise<void>((resolve) => (finish = resolve)));
      const outcome = runner.run(delivery);
      runner.abort(delivery, new Error('deadline'));
      finish();
      await expect(outcome).resolves.toEqual({ status: 'handled', attempts: 1 });
    });
  });
});
