import type { DomainEvent, EventEnvelope, PublishOptions } from '../../domain/event-envelope.js';
import type { HandlerContext } from '../../domain/handler-context.js';
import type { Logger } from '../../domain/logger.js';

/**
 * The `ctx` a traced attempt hands its handler: the bus's own context, whose
 * `publish` also carries the attempt span's trace context, so the event a
 * handler publishes continues the trace of the event it handles, with or
 * without a context manager registered. The headers are made on the first
 * publish: most handlers publish nothing.
 */
export class TracedContext implements HandlerContext {
  readonly #inner: HandlerContext;
  readonly #traceHeaders: () => Readonly<Record<string, string>>;

  constructor(inner: HandlerContext, traceHeaders: () => Readonly<Record<string, string>>) {
    this.#inner = inner;
    this.#traceHeaders = traceHeaders;
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
    return this.#inner.publish(event, { headers: { ...options?.headers, ...this.#traceHeaders() } });
  }
}
