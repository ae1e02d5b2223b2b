import type { DeadLetterQueue, DeadLetterReason } from '../../domain/dead-letters/dead-letter.js';
import { toDeadLetterError } from '../../domain/dead-letters/dead-letter.js';
import { DeliveryAbortedError } from '../../domain/errors/delivery-aborted-error.js';
import { DeliveryLimitError } from '../../domain/errors/delivery-limit-error.js';
import { SignatureError } from '../../domain/errors/signature-error.js';
import type { EnvelopeDecodeError } from '../../domain/errors/envelope-decode-error.js';
import type { ReceiveRejected } from '../../domain/contracts/receive-preparation.js';
import type { EventEnvelope } from '../../domain/event-envelope.js';
import type { Logger } from '../../domain/logger.js';
import type { BusCounters } from '../transport/bus-counters.js';
import { DeadLetterWriter } from '../dead-letters/dead-letter-writer.js';
import { deliveryInput, rawInput, rejectedEventInput } from './dead-letter-inputs.js';
import type { ContextPublisher, ContextScope } from './attempt-context.js';
import { Delivery } from './delivery.js';
import { type DeliverySlot, DeliverySlots } from './delivery-slot.js';
import { Fifo } from '../shared/fifo.js';
import { settlesWithin } from '../shared/with-timeout.js';
import { nextTurn } from '../shared/next-turn.js';
import { type AttemptRecord, HandlerRunner } from './handler-runner.js';
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

/**
 * Runs every handler of an event concurrently and independently, shared by all
 * transports. A delivery (one event × one handler) holds a concurrency slot
 * from its first attempt until it succeeded or was dead-lettered, so handlers
 * waiting to retry count against the limit; what cannot get a slot waits in a
 * bounded buffer, and what would overflow it is dead-lettered, never dropped.
 */
export class Dispatcher {
  readonly #options: DispatcherOptions;
  readonly #runner: HandlerRunner;
  readonly #scope: ContextScope;
  readonly #writer: DeadLetterWriter;
  readonly #buffer = new Fifo<Delivery>();
  readonly #running = new DeliverySlots((slot) => this.#handledAtOnce(slot), (slot, thrown) => void this.#recover(slot, thrown));
  #idleWaiters: (() => void)[] = [];

  constructor(options: DispatcherOptions) {
    this.#options = options;
    this.#writer = new DeadLetterWriter(options.deadLetters, options.counters, options.logger, options.observer);
    this.#scope = { logger: options.logger, publish: options.publish };
    this.#runner = new HandlerRunner(options.counters, this.#scope);
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
        this.#settleWith(delivery, this.#deadLetter(delivery, 'max-deliveries', error));
      }
    }
  }

  /**
   * Dead-letters a message that could not be decoded, keeping its text.
   * Resolves to true once written, false when the write was given up.
   */
  rejectRaw(raw: string, channel: string, error: EnvelopeDecodeError | SignatureError): Promise<boolean> {
    return this.#writer.write(rawInput(raw, channel, error, this.#options.instance), error);
  }

  /**
   * Dead-letters an event that fails its contract (schema or version), once for
   * the event rather than once per handler: no handler sees it. Resolves to
   * true once written, false when the write was given up.
   */
  rejectEvent(envelope: EventEnvelope, rejected: ReceiveRejected): Promise<boolean> {
    return this.#writer.write(rejectedEventInput(envelope, rejected, this.#options.instance), rejected.error);
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
    const slot = this.#running.acquire(delivery);
    slot.settled = true;
    try {
      const outcome = await this.#runner.run(delivery);
      if (outcome.status === 'handled') {
        this.#options.counters.handled++;
        this.#options.observer?.handled(envelope, subscription.name);
      }
      await settle(outcome.status === 'handled' ? undefined : outcome.error);
    } finally {
      this.#running.release(slot);
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
      const overflow = new DeliveryAbortedError('buffer-overflow', delivery.handler);
      this.#settleWith(delivery, this.#deadLetter(delivery, 'buffer-overflow', overflow));
    }
  }

  /** Settles the delivery's receipt once its dead letter is written (or given up). */
  #settleWith(delivery: Delivery, written: Promise<boolean>): void {
    void written.then((done) => delivery.settleReceipt(done));
  }

  /**
   * Starts the first attempt. Success at once costs one reaction on the handler's promise, no
   * async frame (an async #run allocated ~1 KB more per event with 3 handlers), and no closure:
   * the reactions are the slot's own, made once (two closures per delivery were ~150 bytes). A
   * result that is no promise finishes on a microtask (nextTurn), as an await would, so #next
   * never recurses.
   */
  #run(delivery: Delivery): void {
    const slot = this.#running.acquire(delivery);
    let result: unknown;
    try {
      result = this.#runner.first(delivery);
    } catch (thrown) {
      void this.#recover(slot, thrown);
      return;
    }
    const thenable = (typeof result === 'object' && result !== null) || typeof result === 'function';
    // Promise.resolve wraps any other thenable, so each slot reaction runs once per delivery whatever it does.
    if (thenable && typeof (result as PromiseLike<unknown>).then === 'function') Promise.resolve(result).then(slot.handled, slot.failed);
    else nextTurn(slot.handled);
  }

  #handledAtOnce(slot: DeliverySlot): void {
    const delivery = slot.delivery!;
    try {
      slot.settled = true;
      if (slot.abandoned) this.#logLateOutcome(delivery);
      else this.#handled(delivery);
    } finally {
      this.#running.release(slot);
      this.#next();
    }
  }

  #handled(delivery: Delivery): void {
    this.#options.counters.handled++;
    this.#options.observer?.handled(delivery.envelope, delivery.handler);
    delivery.settleReceipt(true);
  }

  /** After a failed first attempt: retries as the policy says, then settles the outcome. */
  async #recover(slot: DeliverySlot, thrown: unknown): Promise<void> {
    const delivery = slot.delivery!;
    try {
      const outcome = await this.#runner.recover(delivery, thrown);
      slot.settled = true;
      if (slot.abandoned) {
        // Its dead letter is written (or it is left for redelivery); an abort it honoured needs no word.
        if (outcome.status !== 'aborted') this.#logLateOutcome(delivery);
      } else if (outcome.status === 'handled') {
        this.#handled(delivery);
      } else {
        const reason = outcome.status === 'failed' ? outcome.reason : 'shutdown-timeout';
        delivery.settleReceipt(await this.#deadLetter(delivery, reason, outcome.error, outcome));
      }
    } finally {
      this.#running.release(slot);
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
    for (const delivery of this.#buffer.drain()) this.#abandon(delivery);
    for (const slot of this.#running.taken()) {
      const delivery = slot.delivery!;
      if (slot.settled) {
        // Waiting for its own dead-letter write, which drain awaits, or a replay, whose entry stays in the queue.
        this.#runner.abort(delivery, new DeliveryAbortedError('shutdown-timeout', delivery.handler));
        continue;
      }
      slot.abandoned = true;
      this.#abandon(delivery);
    }
  }

  /** Aborts the delivery and dead-letters it (`shutdown-timeout`) or leaves it for the transport to deliver again. */
  #abandon(delivery: Delivery): void {
    if (this.#options.atDeadline === 'redeliver') {
      this.#runner.abort(delivery, new DeliveryAbortedError('shutdown-timeout', delivery.handler, 'redelivered'));
      delivery.settleReceipt(false);
      return;
    }
    const error = new DeliveryAbortedError('shutdown-timeout', delivery.handler);
    const record = this.#runner.abort(delivery, error);
    this.#settleWith(delivery, this.#deadLetter(delivery, 'shutdown-timeout', error, record));
  }

  #deadLetter(delivery: Delivery, reason: DeadLetterReason, error: Error, record?: AttemptRecord): Promise<boolean> {
    return this.#writer.write(deliveryInput(delivery, reason, toDeadLetterError(error), this.#options.instance, record), error);
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
