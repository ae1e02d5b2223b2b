import type { DeadLetterInput, DeadLetterQueue, DeadLetterReason } from '../../domain/dead-letter.js';
import { toDeadLetterError } from '../../domain/dead-letter.js';
import { DeliveryAbortedError } from '../../domain/errors/delivery-aborted-error.js';
import { DeliveryLimitError } from '../../domain/errors/delivery-limit-error.js';
import { NonRetryableError } from '../../domain/errors/non-retryable-error.js';
import type { EnvelopeDecodeError } from '../../domain/errors/envelope-decode-error.js';
import type { EventEnvelope } from '../../domain/event-envelope.js';
import type { Logger } from '../../domain/logger.js';
import type { BusCounters } from '../transport/bus-counters.js';
import { DeadLetterWriter } from '../dead-letters/dead-letter-writer.js';
import { Delivery, type DeliveryScope } from './delivery.js';
import type { ContextPublisher } from './delivery-context.js';
import { Fifo } from '../shared/fifo.js';
import { settlesWithin } from '../shared/with-timeout.js';
import { HandlerRunner } from './handler-runner.js';
import type { Subscription } from './subscription.js';
import type { Receipt } from '../transport/transport.js';
import type { BusObserver } from '../observability/bus-observer.js';

/** Settings of a {@link Dispatcher}. */
export interface DispatcherOptions {
  /** Deliveries running or waiting to retry at once. */
  readonly concurrency: number;
  /** Deliveries waiting for a slot; beyond it they are dead-lettered (`buffer-overflow`). */
  readonly maxBufferedDeliveries: number;
  readonly deadLetters: DeadLetterQueue;
  readonly counters: BusCounters;
  readonly logger: Logger;
  /** `<service>/<instance>` recorded in dead letters. */
  readonly instance: string;
  /** Publishes for `ctx.publish`, also while draining. */
  readonly publish: ContextPublisher;
  /**
   * What happens to unfinished deliveries at the shutdown deadline: dead-lettered,
   * or left for the transport to deliver again (Redis Streams leaves them unacknowledged).
   */
  readonly atDeadline: 'dead-letter' | 'redeliver';
  /** Told of every delivery that succeeded and every dead letter, when metrics or tracing is on. */
  readonly observer?: BusObserver | undefined;
}

const MAX_RAW_CHARS = 64 * 1024;

/**
 * Runs every handler of an event concurrently and independently, shared by all
 * transports. A delivery (one event × one handler) holds a concurrency slot
 * from its first attempt until it succeeded or was dead-lettered, so handlers
 * waiting to retry count against the limit; what cannot get a slot waits in a
 * bounded buffer, and what would overflow it is dead-lettered, never dropped.
 */
export class Dispatcher {
  readonly #options: DispatcherOptions;
  readonly #abort = new AbortController();
  readonly #runner: HandlerRunner;
  readonly #scope: DeliveryScope;
  readonly #writer: DeadLetterWriter;
  readonly #buffer = new Fifo<Delivery>();
  readonly #running = new Set<Delivery>();
  #idleWaiters: (() => void)[] = [];

  constructor(options: DispatcherOptions) {
    this.#options = options;
    this.#writer = new DeadLetterWriter(options.deadLetters, options.counters, options.logger, options.observer);
    this.#runner = new HandlerRunner(options.counters, options.logger, options.publish, this.#abort.signal);
    this.#scope = { signal: this.#abort.signal, logger: options.logger, publish: options.publish };
  }

  /** Deliveries running or waiting to retry. */
  get inFlight(): number {
    return this.#running.size;
  }

  /** Deliveries waiting for a concurrency slot. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /**
   * Starts (or buffers) one delivery per subscription. With a receipt, skips
   * the handlers that succeeded on an earlier delivery, and when the message was
   * delivered too often dead-letters it for each remaining handler instead.
   */
  dispatch(envelope: EventEnvelope, subscriptions: readonly Subscription[] | undefined, receipt?: Receipt): void {
    if (!subscriptions || subscriptions.length === 0) {
      this.#options.counters.unhandled++;
      this.#options.logger.debug({ eventId: envelope.id, type: envelope.type }, 'no handler for event');
      receipt?.expect(0);
      return;
    }
    if (receipt === undefined) {
      for (const subscription of subscriptions) this.#enqueue(new Delivery(envelope, subscription, this.#scope));
      return;
    }
    const handled = receipt.handled;
    const pending = handled === undefined ? subscriptions : subscriptions.filter((s) => !handled.includes(s.name));
    receipt.expect(pending.length, pending);
    const exhausted = receipt.exhausted;
    for (const subscription of pending) {
      const delivery = new Delivery(envelope, subscription, this.#scope, receipt);
      if (exhausted === undefined) {
        this.#enqueue(delivery);
      } else {
        const error = new DeliveryLimitError(subscription.name, exhausted.deliveries, exhausted.limit);
        this.#settleWith(delivery, this.#writer.write(this.#input(delivery, 'max-deliveries', toDeadLetterError(error))));
      }
    }
  }

  /**
   * Dead-letters a message that could not be decoded, keeping its text.
   * Resolves to true once written, false when the write was given up.
   */
  rejectRaw(raw: string, channel: string, error: EnvelopeDecodeError): Promise<boolean> {
    const now = new Date().toISOString();
    return this.#writer.write({
      reason: error.reason === 'too-large' ? 'too-large' : 'undecodable',
      raw: raw.length > MAX_RAW_CHARS ? raw.slice(0, MAX_RAW_CHARS) : raw,
      channel,
      error: toDeadLetterError(error),
      attempts: 0,
      firstFailedAt: now,
      lastFailedAt: now,
      instance: this.#options.instance,
    });
  }

  /**
   * Runs one handler once for a dead-letter replay: no retries and no new dead
   * letter (the replayed entry records the outcome through `settle`). In flight
   * until `settle` is done, so drain waits for the handler and the bookkeeping;
   * marked settled from the start so that, at the shutdown deadline, it is
   * aborted through the signal but not dead-lettered a second time.
   */
  async runOnce(envelope: EventEnvelope, subscription: Subscription, settle: (error: Error | undefined) => Promise<void>): Promise<void> {
    const delivery = new Delivery(envelope, { ...subscription, policy: { ...subscription.policy, retries: 0 } }, this.#scope);
    delivery.settled = true;
    this.#running.add(delivery);
    try {
      let failure: Error | undefined;
      try {
        await this.#runner.run(delivery);
        this.#options.counters.handled++;
        this.#options.observer?.handled(envelope, subscription.name);
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
      }
      await settle(failure);
    } finally {
      this.#running.delete(delivery);
      this.#next();
    }
  }

  /**
   * Waits until nothing is running, buffered or being dead-lettered, for at most
   * `timeoutMs`. Then aborts what is left through `ctx.signal`, dead-letters it
   * (`shutdown-timeout`) and waits up to `graceMs` for those writes.
   */
  async drain(timeoutMs: number, graceMs: number): Promise<void> {
    if (!this.#isIdle()) {
      const idle = new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
      if (!(await settlesWithin(idle, timeoutMs))) this.#abandonAll();
    }
    if (!(await settlesWithin(this.#writer.settled(), graceMs))) {
      this.#options.logger.error({ pending: this.#writer.pending }, 'dead-letter writes still pending at shutdown');
    }
    this.#writer.close();
  }

  #enqueue(delivery: Delivery): void {
    if (this.#running.size < this.#options.concurrency) {
      void this.#run(delivery);
    } else if (this.#buffer.length < this.#options.maxBufferedDeliveries || delivery.hasReceipt) {
      // A transport with receipts stops reading while it holds `concurrency` messages, which bounds
      // the buffer already; overflowing it would dead-letter events Redis could simply keep.
      this.#buffer.push(delivery);
    } else {
      this.#settleWith(delivery, this.#writer.write(this.#deadLetterOf(delivery, 'buffer-overflow')));
    }
  }

  /** Settles the delivery's receipt once its dead letter is written (or given up). */
  #settleWith(delivery: Delivery, written: Promise<boolean>): void {
    void written.then((done) => delivery.settleReceipt(done));
  }

  async #run(delivery: Delivery): Promise<void> {
    this.#running.add(delivery);
    const subscription = delivery.subscription;
    try {
      if (subscription.policy.timeoutMs === undefined) {
        // The common case, inline: one await per delivery that succeeds at once.
        try {
          delivery.attempts = 1;
          await subscription.handler(delivery.envelope, delivery);
        } catch (error) {
          await this.#runner.recover(delivery, error);
        }
      } else {
        await this.#runner.run(delivery);
      }
      delivery.settled = true;
      if (!delivery.abandoned) {
        this.#options.counters.handled++;
        this.#options.observer?.handled(delivery.envelope, subscription.name);
        delivery.settleReceipt(true);
      }
    } catch (error) {
      delivery.settled = true;
      if (!delivery.abandoned) delivery.settleReceipt(await this.#writer.write(this.#failureOf(delivery, error)));
    } finally {
      if (delivery.abandoned) this.#logLateOutcome(delivery);
      this.#running.delete(delivery);
      this.#next();
    }
  }

  #next(): void {
    while (this.#running.size < this.#options.concurrency && this.#buffer.length > 0) {
      void this.#run(this.#buffer.shift()!);
    }
    if (this.#idleWaiters.length > 0 && this.#isIdle()) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  #isIdle(): boolean {
    return this.#running.size === 0 && this.#buffer.length === 0;
  }

  #abandonAll(): void {
    this.#abort.abort(new DeliveryAbortedError('shutdown-timeout', 'in flight'));
    for (const delivery of this.#buffer.drain()) this.#abandon(delivery);
    for (const delivery of this.#running) {
      // A settled delivery is only waiting for its own dead-letter write, which drain awaits.
      if (delivery.settled) continue;
      delivery.abandoned = true;
      this.#abandon(delivery);
    }
  }

  #abandon(delivery: Delivery): void {
    if (this.#options.atDeadline === 'redeliver') delivery.settleReceipt(false);
    else this.#settleWith(delivery, this.#writer.write(this.#deadLetterOf(delivery, 'shutdown-timeout')));
  }

  #failureOf(delivery: Delivery, error: unknown): DeadLetterInput {
    const maxAttempts = delivery.subscription.policy.retries + 1;
    const reason: DeadLetterReason =
      NonRetryableError.is(error) || delivery.attempts < maxAttempts ? 'non-retryable' : 'retries-exhausted';
    return this.#input(delivery, reason, toDeadLetterError(error));
  }

  #deadLetterOf(delivery: Delivery, reason: 'buffer-overflow' | 'shutdown-timeout'): DeadLetterInput {
    const aborted = toDeadLetterError(new DeliveryAbortedError(reason, delivery.subscription.name));
    return this.#input(delivery, reason, aborted);
  }

  #input(delivery: Delivery, reason: DeadLetterReason, error: DeadLetterInput['error']): DeadLetterInput {
    const now = new Date().toISOString();
    return {
      reason,
      envelope: delivery.envelope,
      handler: delivery.subscription.name,
      error,
      attempts: delivery.attempts,
      firstFailedAt: delivery.firstFailedAt ?? now,
      lastFailedAt: delivery.lastFailedAt ?? now,
      instance: this.#options.instance,
    };
  }

  #logLateOutcome(delivery: Delivery): void {
    this.#options.logger.warn(
      { eventId: delivery.envelope.id, handler: delivery.subscription.name },
      this.#options.atDeadline === 'redeliver'
        ? 'handler settled after the shutdown deadline; the event stays unacknowledged and will be delivered again'
        : 'handler settled after the shutdown deadline; its dead letter stays, replay only if the handler is idempotent',
    );
  }
}
