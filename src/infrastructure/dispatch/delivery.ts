import type { EventEnvelope } from '../../domain/event-envelope.js';
import type { Receipt } from '../transport/transport.js';
import { AttemptContext, type ContextScope } from './attempt-context.js';
import type { Subscription } from './subscription.js';

/**
 * One event on its way through one handler, across all its attempts. It is also
 * the handler's `ctx` (see {@link AttemptContext}), so the hot path makes one
 * object per delivery. The failure fields are the attempts' record, kept by the
 * HandlerRunner and read back only through its outcomes.
 */
export class Delivery extends AttemptContext {
  firstFailedAt: string | undefined;
  lastFailedAt: string | undefined;
  /** Kept as the Error: formatting its stack costs more than the attempt, so it waits for a dead letter. */
  lastError: Error | undefined;
  /** Set once its attempts ended (or it is a replay, which writes no dead letter). */
  settled = false;
  /** Set when shutdown gave up on it: a late outcome is then only logged. */
  abandoned = false;
  /** Its neighbours while in flight (the dispatcher's RunningDeliveries). */
  previous: Delivery | undefined = undefined;
  next: Delivery | undefined = undefined;
  #receipt: Receipt | undefined;

  constructor(envelope: EventEnvelope, subscription: Subscription, scope: ContextScope, receipt?: Receipt) {
    super(envelope, subscription, scope);
    this.#receipt = receipt;
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
}
