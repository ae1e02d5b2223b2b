import type { DomainEvent, EventEnvelope, PublishOptions } from '../../domain/event-envelope.js';
import type { HandlerContext } from '../../domain/handler-context.js';
import type { Logger } from '../../domain/logger.js';
import type { Subscription } from './subscription.js';

/** How a context publishes follow-up events (bypasses the closed check while draining). */
export type ContextPublisher = (event: DomainEvent, options: PublishOptions) => Promise<EventEnvelope>;

/** What every context of a bus shares. */
export interface ContextScope {
  readonly logger: Logger;
  readonly publish: ContextPublisher;
}

/**
 * The handler's `ctx`, the one implementation of `HandlerContext`. A delivery is
 * the context of its own attempts (one object per delivery on the hot path). A
 * subscription with `timeoutMs` gets a fresh context per attempt, bound to its
 * delivery, so that an attempt which timed out and keeps running still sees its
 * own aborted signal, attempt number and logger.
 *
 * The signal is made when a handler first reads it: most never do, and a signal
 * per delivery instead of one per bus keeps hundreds of handlers that pass it to
 * timers from piling their listeners onto one shared signal.
 */
export class AttemptContext implements HandlerContext {
  readonly #scope: ContextScope;
  readonly #parent: AttemptContext | undefined;
  #attempt: number;
  #abortReason: Error | undefined;
  #controller: AbortController | undefined;
  #signal: AbortSignal | undefined;
  #logger: Logger | undefined;
  #loggerAttempt = 0;

  /** @param parent the delivery of a per-attempt context: aborting it aborts this one too. */
  constructor(
    readonly envelope: EventEnvelope,
    readonly subscription: Subscription,
    scope: ContextScope,
    attempt = 0,
    parent?: AttemptContext,
  ) {
    this.#scope = scope;
    this.#attempt = attempt;
    this.#parent = parent;
  }

  get handler(): string {
    return this.subscription.name;
  }

  get attempt(): number {
    return this.#attempt;
  }

  /** Makes this the context of attempt number `attempt`. */
  begin(attempt: number): void {
    this.#attempt = attempt;
  }

  get signal(): AbortSignal {
    this.#signal ??= this.#makeSignal();
    return this.#signal;
  }

  /** Why this context was aborted, once it was (by itself or through its delivery). */
  get abortReason(): Error | undefined {
    return this.#abortReason ?? this.#parent?.abortReason;
  }

  /** Aborts `signal` with `reason`, now or as soon as it is read. The first reason stays. */
  abort(reason: Error): void {
    if (this.#abortReason !== undefined) return;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }

  get logger(): Logger {
    if (!this.#logger || this.#loggerAttempt !== this.#attempt) {
      this.#loggerAttempt = this.#attempt;
      this.#logger = this.#scope.logger.child({
        eventId: this.envelope.id,
        type: this.envelope.type,
        correlationId: this.envelope.correlationId,
        handler: this.subscription.name,
        attempt: this.#attempt,
      });
    }
    return this.#logger;
  }

  publish<P>(event: DomainEvent<P>, options?: Pick<PublishOptions, 'headers'>): Promise<EventEnvelope<P>> {
    const cause = this.envelope;
    return this.#scope.publish(event, {
      ...(options?.headers ? { headers: options.headers } : {}),
      correlationId: cause.correlationId,
      causationId: cause.id,
    }) as Promise<EventEnvelope<P>>;
  }

  #makeSignal(): AbortSignal {
    this.#controller = new AbortController();
    if (this.#abortReason !== undefined) this.#controller.abort(this.#abortReason);
    // Own signal first: an attempt that timed out reports its timeout even if shutdown came too.
    return this.#parent === undefined ? this.#controller.signal : AbortSignal.any([this.#controller.signal, this.#parent.signal]);
  }
}
