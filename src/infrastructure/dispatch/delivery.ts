import type { DomainEvent, EventEnvelope, PublishOptions } from '../../domain/event-envelope.js';
import type { HandlerContext } from '../../domain/handler-context.js';
import type { Logger } from '../../domain/logger.js';
import type { ContextPublisher } from './delivery-context.js';
import type { Subscription } from './subscription.js';
import type { Receipt } from '../transport/transport.js';

/** What every delivery of a bus shares. */
export interface DeliveryScope {
  /** Fires when shutdown gives up on in-flight work. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly publish: ContextPublisher;
}

/**
 * One event on its way through one handler, across all its attempts. It is
 * also the handler's `ctx` (unless the subscription has a per-attempt timeout,
 * which needs a signal of its own): one object per delivery instead of two on
 * the hot path. The bookkeeping fields are not part of `HandlerContext`.
 */
export class Delivery implements HandlerContext {
  attempts = 0;
  firstFailedAt: string | undefined;
  lastFailedAt: string | undefined;
  /** Kept as the Error: formatting its stack costs more than the attempt, so it waits for a dead letter. */
  lastError: Error | undefined;
  /** Set when shutdown gave up on it: a late outcome is then only logged. */
  abandoned = false;
  /** Set once the handler succeeded or its dead letter is being written. */
  settled = false;
  readonly #scope: DeliveryScope;
  #logger: Logger | undefined;
  #loggerAttempt = 0;

  #receipt: Receipt | undefined;

  constructor(
    readonly envelope: EventEnvelope,
    readonly subscription: Subscription,
    scope: DeliveryScope,
    receipt?: Receipt,
  ) {
    this.#scope = scope;
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

  get handler(): string {
    return this.subscription.name;
  }

  get attempt(): number {
    return this.attempts;
  }

  get signal(): AbortSignal {
    return this.#scope.signal;
  }

  get logger(): Logger {
    if (!this.#logger || this.#loggerAttempt !== this.attempts) {
      this.#loggerAttempt = this.attempts;
      this.#logger = childLogger(this.#scope.logger, this.envelope, this.subscription.name, this.attempts);
    }
    return this.#logger;
  }

  publish<P>(event: DomainEvent<P>, options?: Pick<PublishOptions, 'headers'>): Promise<EventEnvelope<P>> {
    return followUp(this.#scope.publish, this.envelope, event, options) as Promise<EventEnvelope<P>>;
  }

  recordFailure(error: Error): void {
    const now = new Date().toISOString();
    this.firstFailedAt ??= now;
    this.lastFailedAt = now;
    this.lastError = error;
  }
}

/** A logger bound to the event, handler and attempt. */
export function childLogger(logger: Logger, envelope: EventEnvelope, handler: string, attempt: number): Logger {
  return logger.child({
    eventId: envelope.id,
    type: envelope.type,
    correlationId: envelope.correlationId,
    handler,
    attempt,
  });
}

/** Publishes an event caused by `cause`: same correlationId, causationId = the cause's id. */
export function followUp(
  publish: ContextPublisher,
  cause: EventEnvelope,
  event: DomainEvent,
  options: Pick<PublishOptions, 'headers'> | undefined,
): Promise<EventEnvelope> {
  return publish(event, {
    ...(options?.headers ? { headers: options.headers } : {}),
    correlationId: cause.correlationId,
    causationId: cause.id,
  });
}
