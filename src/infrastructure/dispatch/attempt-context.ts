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

/** What few contexts need: an abort, a signal, a logger, a parent. Made when first needed. */
interface Extras {
  parent: AttemptContext | undefined;
  abortReason: Error | undefined;
  controller: AbortController | undefined;
  signal: AbortSignal | undefined;
  logger: Logger | undefined;
  loggerAttempt: number;
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
 * timers from piling their listeners onto one shared signal. What only an abort,
 * a signal, a logger or a parent needs lives in a side record made on first use,
 * so a context that needs none of them is five fields (this object is allocated
 * once per handler per event, and a flood is paid for in young-generation bytes).
 */
export class AttemptContext implements HandlerContext {
  readonly #scope: ContextScope;
  #attempt: number;
  #extras: Extras | undefined;

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
    if (parent !== undefined) this.#extrasOf().parent = parent;
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
    const extras = this.#extrasOf();
    extras.signal ??= this.#makeSignal(extras);
    return extras.signal;
  }

  /** Why this context was aborted, once it was (by itself or through its delivery). */
  get abortReason(): Error | undefined {
    const extras = this.#extras;
    return extras === undefined ? undefined : (extras.abortReason ?? extras.parent?.abortReason);
  }

  /** Aborts `signal` with `reason`, now or as soon as it is read. The first reason stays. */
  abort(reason: Error): void {
    const extras = this.#extrasOf();
    if (extras.abortReason !== undefined) return;
    extras.abortReason = reason;
    extras.controller?.abort(reason);
  }

  get logger(): Logger {
    const extras = this.#extrasOf();
    if (!extras.logger || extras.loggerAttempt !== this.#attempt) {
      extras.loggerAttempt = this.#attempt;
      extras.logger = this.#scope.logger.child({
        eventId: this.envelope.id,
        type: this.envelope.type,
        correlationId: this.envelope.correlationId,
        handler: this.subscription.name,
        attempt: this.#attempt,
      });
    }
    return extras.logger;
  }

  publish<P>(event: DomainEvent<P>, options?: Pick<PublishOptions, 'headers'>): Promise<EventEnvelope<P>> {
    const cause = this.envelope;
    return this.#scope.publish(event, {
      ...(options?.headers ? { headers: options.headers } : {}),
      correlationId: cause.correlationId,
      causationId: cause.id,
    }) as Promise<EventEnvelope<P>>;
  }

  #extrasOf(): Extras {
    this.#extras ??= { parent: undefined, abortReason: undefined, controller: undefined, signal: undefined, logger: undefined, loggerAttempt: 0 };
    return this.#extras;
  }

  #makeSignal(extras: Extras): AbortSignal {
    extras.controller = new AbortController();
    if (extras.abortReason !== undefined) extras.controller.abort(extras.abortReason);
    // Own signal first: an attempt that timed out reports its timeout even if shutdown came too.
    const parent = extras.parent;
    return parent === undefined ? extras.controller.signal : AbortSignal.any([extras.controller.signal, parent.signal]);
  }
}
