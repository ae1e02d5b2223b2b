import type { DomainEvent, EventEnvelope, PublishOptions } from '../../domain/event-envelope.js';
import type { HandlerContext } from '../../domain/handler-context.js';
import type { Logger } from '../../domain/logger.js';
import { type TraceHeaderSource, traceHeaders } from './trace-parent.js';

/**
 * The `ctx` a traced attempt hands its handler: the bus's own context, whose
 * `publish` also carries the attempt span's trace context, so the event a
 * handler publishes continues the trace of the event it handles, with or
 * without a context manager registered. The headers are made at each
 * publish, from the span context kept here: most handlers publish nothing, and
 * an attempt should cost one object, not a closure besides.
 */
export class TracedContext implements HandlerContext {
  readonly #inner: HandlerContext;
  readonly #trace: TraceHeaderSource;

  constructor(inner: HandlerContext, trace: TraceHeaderSource) {
    this.#inner = inner;
    this.#trace = trace;
  }

  get envelope(): EventEnvelope {
    return this.#inner.envelope;
  }

  get handler(): string {
    return this.#inner.handler;
  }

  get attempt(): number {
    return this.#inner.attempt;
  }

  get signal(): AbortSignal {
    return this.#inner.signal;
  }

  get logger(): Logger {
    return this.#inner.logger;
  }

  publish<P>(event: DomainEvent<P>, options?: Pick<PublishOptions, 'headers'>): Promise<EventEnvelope<P>> {
    return this.#inner.publish(event, { headers: { ...options?.headers, ...traceHeaders(this.#trace) } });
  }
}
