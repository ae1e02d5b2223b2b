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

const SETTLED = 1;
const ABANDONED = 2;

/**
 * One event on its way through one handler, across all its attempts. It is also
 * the handler's `ctx` (see {@link AttemptContext}), so the hot path makes one
 * object per delivery, and keeps it small: the failure fields live in a record
 * made at the first failure, and the two flags share one field. The failure
 * fields are the attempts' record, kept by the HandlerRunner and read back only
 * through its outcomes.
 */
export class Delivery extends AttemptContext {
  #receipt: Receipt | undefined;
  #flags = 0;
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

  /** Set once its attempts ended (or it is a replay, which writes no dead letter). */
  get settled(): boolean {
    return (this.#flags & SETTLED) !== 0;
  }

  set settled(value: boolean) {
    this.#flags = value ? this.#flags | SETTLED : this.#flags & ~SETTLED;
  }

  /** Set when shutdown gave up on it: a late outcome is then only logged. */
  get abandoned(): boolean {
    return (this.#flags & ABANDONED) !== 0;
  }

  set abandoned(value: boolean) {
    this.#flags = value ? this.#flags | ABANDONED : this.#flags & ~ABANDONED;
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
