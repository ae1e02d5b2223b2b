import type { EventEnvelope } from '../../domain/event-envelope.js';
import type { Receipt } from '../transport/transport.js';
import { AttemptContext, type ContextScope } from './attempt-context.js';
import type { Subscription } from './subscription.js';

/** The failed attempts of a delivery, made at the first failure: most deliveries never fail. */
interface Failures {
  firstFailedAt: string | undefined;
  lastFailedAt: string | undefined;
  lastError: Error | undefined;
}

/**
 * One event on its way through one handler, across all its attempts. It is also
 * the handler's `ctx` (see {@link AttemptContext}), so the hot path makes one
 * object per delivery, and keeps it small: the failure fields live in a record
 * made at the first failure, and what the dispatcher notes while it runs
 * (settled, abandoned) lives on its DeliverySlot. The failure fields are the
 * attempts' record, kept by the HandlerRunner and read back only through its
 * outcomes.
 */
export class Delivery extends AttemptContext {
  #receipt: Receipt | undefined;
  #failures: Failures | undefined;

  constructor(envelope: EventEnvelope, subscription: Subscription, scope: ContextScope, receipt?: Receipt) {
    super(envelope, subscription, scope);
    this.#receipt = receipt;
  }

  get firstFailedAt(): string | undefined {
    return this.#failures?.firstFailedAt;
  }

  set firstFailedAt(at: string | undefined) {
    this.#failuresOf().firstFailedAt = at;
  }

  get lastFailedAt(): string | undefined {
    return this.#failures?.lastFailedAt;
  }

  set lastFailedAt(at: string | undefined) {
    this.#failuresOf().lastFailedAt = at;
  }

  /** Kept as the Error: formatting its stack costs more than the attempt, so it waits for a dead letter. */
  get lastError(): Error | undefined {
    return this.#failures?.lastError;
  }

  set lastError(error: Error | undefined) {
    this.#failuresOf().lastError = error;
  }

  /** True when the transport waits for its outcome (and so bounds how many it hands over). */
  get hasReceipt(): boolean {
    return this.#receipt !== undefined;
  }

  /** Reports the outcome to the transport's receipt, once (later calls do nothing). */
  settleReceipt(done: boolean): void {
    const receipt = this.#receipt;
    this.#receipt = undefined;
    receipt?.settle(done, this.subscription.name);
  }

  #failuresOf(): Failures {
    this.#failures ??= { firstFailedAt: undefined, lastFailedAt: undefined, lastError: undefined };
    return this.#failures;
  }
}
