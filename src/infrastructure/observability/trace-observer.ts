import type * as Otel from '@opentelemetry/api';
import type { DeadLetterInput } from '../../domain/dead-letters/dead-letter.js';
import { REPLAY_COUNT_HEADER, REPLAY_ENTRY_HEADER } from '../../domain/dead-letters/dead-letter-replay.js';
import type { EventEnvelope } from '../../domain/event-envelope.js';
import type { EventHandlerFn } from '../../domain/handler-context.js';
import type { BusObserver, OutgoingEnvelope, SendEnvelope } from './bus-observer.js';
import { TRACEPARENT_HEADER, TRACESTATE_HEADER, parseTraceParent, traceHeaders } from './trace-parent.js';
import { TracedContext } from './traced-context.js';
import type { UnsampledParents } from './tracing-options.js';

type Headers = Readonly<Record<string, string>> | undefined;

// The envelope's ids as span attributes (messaging semantic conventions).
const MESSAGE_ID = 'messaging.message.id';
const CONVERSATION_ID = 'messaging.message.conversation_id';

/**
 * OpenTelemetry spans of a bus, after the messaging semantic conventions: a
 * producer span per publish, whose W3C trace context travels in the envelope's
 * `traceparent` and `tracestate` headers; a consumer span per handler attempt,
 * child of the producer span (a replayed dead letter starts a trace of its own,
 * linked to the original); a failed attempt ends in error status, a retry is an
 * event on the next attempt's span, and a dead letter is a span of its own
 * under the last failed attempt.
 *
 * With `unsampledParents: 'no-span'`, a publish or an attempt whose parent is
 * valid and not sampled starts no span and passes the parent's context on.
 */
export class TraceObserver implements BusObserver {
  readonly #api: typeof Otel;
  readonly #tracer: Otel.Tracer;
  readonly #system: string;
  readonly #skipUnsampled: boolean;
  readonly #noSdk: () => boolean;
  // The last failed attempt of each handler of an event, to parent its dead-letter span.
  readonly #failedAttempts = new WeakMap<EventEnvelope, Map<string, Otel.SpanContext>>();
  // The handlers of one event run back to back: its headers are parsed, and its parent context
  // made (a copied map in the API), once for all of them.
  #lastHeader: string | undefined;
  #lastState: string | undefined;
  #lastRemote: Otel.SpanContext | undefined;
  #lastParent: Otel.Context | undefined;

  /**
   * @param noSdk - true while the tracer can only make no-op spans (the global provider with no
   *   SDK registered): an event or publish without a trace context then skips the span machinery.
   */
  constructor(api: typeof Otel, tracer: Otel.Tracer, transport: string, unsampledParents: UnsampledParents = 'no-span', noSdk: () => boolean = () => false) {
    this.#api = api;
    this.#tracer = tracer;
    this.#system = transport === 'memory' ? 'memory' : 'redis';
    this.#skipUnsampled = unsampledParents === 'no-span';
    this.#noSdk = noSdk;
  }

  publish(envelope: OutgoingEnvelope, send: SendEnvelope): Promise<EventEnvelope> {
    const api = this.#api;
    // No SDK, no trace to continue: the no-op span would carry nothing.
    if (envelope.headers?.[TRACEPARENT_HEADER] === undefined && this.#noSdk() && api.trace.getSpan(api.context.active()) === undefined) {
      return send(envelope);
    }
    const remote = this.#remoteContext(envelope.headers);
    // A traceparent header given to publish (ctx.publish passes its attempt's) is the parent; else the active span.
    // The remote parent's context is made only for a span: most of a sampled-down service's publishes start none.
    const active = remote ? undefined : api.context.active();
    if (this.#skipUnsampled) {
      const from = remote ?? api.trace.getSpanContext(active!);
      if (from !== undefined && (from.traceFlags & api.TraceFlags.SAMPLED) === 0 && (remote !== undefined || api.isSpanContextValid(from))) {
        // A trace not sampled: no span, the parent's context goes on (a header given is already there).
        if (remote === undefined) envelope.headers = withTraceHeaders(envelope.headers, from);
        return send(envelope);
      }
    }
    const parent = active ?? this.#remoteParent(remote!);
    // The attributes a sampler may decide on go to startSpan; the ids only to a span that records
    // (a trace not sampled would have the SDK validate and copy them for nothing, on every publish).
    const span = this.#tracer.startSpan(
      `publish ${envelope.type}`,
      { kind: api.SpanKind.PRODUCER, attributes: this.#operation(envelope, 'send', 'publish') },
      parent,
    );
    if (span.isRecording()) span.setAttribute(MESSAGE_ID, envelope.id).setAttribute(CONVERSATION_ID, envelope.correlationId);
    const context = span.spanContext();
    if (this.#valid(context)) envelope.headers = withTraceHeaders(envelope.headers, context);
    // A span that records nothing (no SDK, or its trace not sampled) has nothing to end: no wrapper promise.
    if (!span.isRecording()) return send(envelope);
    return send(envelope).then(
      (sent) => {
        span.end();
        return sent;
      },
      (error: unknown) => {
        this.#fail(span, error);
        throw error;
      },
    );
  }

  observeHandler(name: string, handler: EventHandlerFn): EventHandlerFn {
    return (event, ctx) => {
      const api = this.#api;
      const headers = event.headers;
      // No SDK and no trace context to pass on: nothing to start, activate or carry.
      if (headers?.[TRACEPARENT_HEADER] === undefined && this.#noSdk()) return handler(event, ctx);
      const remote = this.#remoteContext(headers);
      const replayOf = headers?.[REPLAY_ENTRY_HEADER];
      if (replayOf === undefined && remote !== undefined && this.#skipUnsampled && (remote.traceFlags & api.TraceFlags.SAMPLED) === 0) {
        // A trace not sampled: no span; the handler runs in the producer's context and publishes into it.
        const handlerCtx = new TracedContext(ctx, remote);
        return api.context.with(this.#remoteParent(remote), handler, undefined, event, handlerCtx);
      }
      const attributes = this.#attributes(event, 'process', 'process');
      attributes['herald.handler'] = name;
      attributes['herald.attempt'] = ctx.attempt;
      const options: Otel.SpanOptions = { kind: api.SpanKind.CONSUMER, attributes };
      let parent = api.ROOT_CONTEXT;
      if (replayOf !== undefined) {
        // A replay is a new run, started by an operator: its own trace, linked to the event's original one.
        attributes['herald.dead_letter.id'] = replayOf;
        attributes['herald.replay'] = Number(headers?.[REPLAY_COUNT_HEADER] ?? 1);
        if (remote) options.links = [{ context: remote, attributes: { 'herald.link': 'replayed-dead-letter' } }];
      } else if (remote) {
        parent = this.#remoteParent(remote);
      }
      const span = this.#tracer.startSpan(`process ${event.type}`, options, parent);
      if (ctx.attempt > 1) span.addEvent('herald.retry', { 'herald.attempt': ctx.attempt });
      const context = span.spanContext();
      // No SDK and no parent: the span is an invalid no-op, so there is no context to activate or carry.
      if (!this.#valid(context)) return handler(event, ctx);
      const handlerCtx = new TracedContext(ctx, context);
      const active = api.trace.setSpan(parent, span);
      // A span of a trace not sampled stays active for the spans of the handler's own calls, which then
      // follow the same decision, but records nothing: no wrapper promise to end it.
      if (!span.isRecording()) return api.context.with(active, handler, undefined, event, handlerCtx);
      let result: unknown;
      try {
        result = api.context.with(active, handler, undefined, event, handlerCtx);
      } catch (error) {
        this.#attemptFailed(span, event, name, error);
        throw error;
      }
      if (!isPromiseLike(result)) {
        span.end();
        return result;
      }
      return result.then(
        (value) => {
          span.end();
          return value;
        },
        (error: unknown) => {
          this.#attemptFailed(span, event, name, error);
          throw error;
        },
      );
    };
  }

  handled(): void {}

  deadLettering(input: DeadLetterInput): void {
    const envelope = input.envelope;
    if (envelope === undefined) return;
    const api = this.#api;
    const failed = input.handler === undefined ? undefined : this.#failedAttempts.get(envelope)?.get(input.handler);
    const cause = failed ?? this.#remoteContext(envelope.headers);
    const parent = cause ? this.#remoteParent(cause) : api.ROOT_CONTEXT;
    const attributes = this.#attributes(envelope, 'process', 'dead-letter');
    attributes['herald.dead_letter.reason'] = input.reason;
    attributes['herald.attempts'] = input.attempts;
    if (input.handler !== undefined) attributes['herald.handler'] = input.handler;
    const span = this.#tracer.startSpan(`dead-letter ${envelope.type}`, { kind: api.SpanKind.INTERNAL, attributes }, parent);
    span.setStatus({ code: api.SpanStatusCode.ERROR, message: `${input.error.name}: ${input.error.message}` });
    span.end();
  }

  close(): void {}

  #attemptFailed(span: Otel.Span, envelope: EventEnvelope, handler: string, error: unknown): void {
    let byHandler = this.#failedAttempts.get(envelope);
    if (byHandler === undefined) this.#failedAttempts.set(envelope, (byHandler = new Map()));
    byHandler.set(handler, span.spanContext());
    this.#fail(span, error);
  }

  #fail(span: Otel.Span, error: unknown): void {
    const exception = error instanceof Error ? error : new Error(String(error));
    span.recordException(exception);
    span.setStatus({ code: this.#api.SpanStatusCode.ERROR, message: `${exception.name}: ${exception.message}` });
    span.end();
  }

  #attributes(envelope: EventEnvelope, type: string, name: string): Otel.Attributes {
    const attributes = this.#operation(envelope, type, name);
    attributes[MESSAGE_ID] = envelope.id;
    attributes[CONVERSATION_ID] = envelope.correlationId;
    return attributes;
  }

  /** The attributes of the messaging conventions that a sampler may decide on. */
  #operation(envelope: EventEnvelope, type: string, name: string): Otel.Attributes {
    return {
      'messaging.system': this.#system,
      'messaging.operation.type': type,
      'messaging.operation.name': name,
      'messaging.destination.name': envelope.type,
    };
  }

  /** The trace context of the headers, as a remote parent; undefined when there is none. */
  #remoteContext(headers: Headers): Otel.SpanContext | undefined {
    const header = headers?.[TRACEPARENT_HEADER];
    if (header === undefined) return undefined;
    const state = headers?.[TRACESTATE_HEADER];
    if (header === this.#lastHeader && state === this.#lastState) return this.#lastRemote;
    const parsed = parseTraceParent(header);
    let context: Otel.SpanContext | undefined;
    if (parsed !== undefined) {
      context = { traceId: parsed.traceId, spanId: parsed.spanId, traceFlags: parsed.traceFlags, isRemote: true };
      if (state) context.traceState = this.#api.createTraceState(state);
    }
    this.#lastHeader = header;
    this.#lastState = state;
    this.#lastRemote = context;
    this.#lastParent = undefined;
    return context;
  }

  /** A root context whose span is `remote`: made once per event, with the header parse above. */
  #remoteParent(remote: Otel.SpanContext): Otel.Context {
    if (remote === this.#lastRemote) return (this.#lastParent ??= this.#api.trace.setSpanContext(this.#api.ROOT_CONTEXT, remote));
    return this.#api.trace.setSpanContext(this.#api.ROOT_CONTEXT, remote);
  }

  /**
   * False for the context of a no-op tracer's span without a parent. Every other
   * context comes from an SDK or from a header parsed and checked above, so a
   * comparison does what isSpanContextValid's regular expressions would.
   */
  #valid(context: Otel.SpanContext): boolean {
    return context.traceId !== this.#api.INVALID_TRACEID;
  }
}

/** `headers` with those that carry `context` added (replacing any given): a new object. */
function withTraceHeaders(headers: Headers, context: Otel.SpanContext): Record<string, string> {
  const trace = traceHeaders(context);
  return headers === undefined ? trace : { ...headers, ...trace };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
