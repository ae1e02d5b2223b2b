/**
 * The floor under Herald's tracing rows: the spans Herald makes, made by hand with the
 * OpenTelemetry API around a bus whose own tracing is off, and recorded by the same SDK setup.
 * The same spans means a producer span per publish and a consumer span per handler attempt,
 * with Herald's names, kinds and attributes, the trace context carried in a `traceparent`
 * header, and a handler run inside its span's context. A handler whose trace is not sampled
 * runs in its parent's context with no span, as Herald's default `unsampledParents: 'no-span'`
 * does. Nothing here checks a header or handles a failure: it is the least that any code making
 * these spans pays, so the hand-made rows measure the SDK, and the gap between them and
 * Herald's rows is what Herald's tracing adds.
 */
import { ROOT_CONTEXT, SpanKind, context, trace, type Attributes, type Tracer } from '@opentelemetry/api';
import type { EventEnvelope, EventHandlerFn } from '../../src/index.js';

const SAMPLED = 1;

export class HandMadeSpans {
  readonly #tracer: Tracer;

  constructor(tracer: Tracer) {
    this.#tracer = tracer;
  }

  /** Publishes through `publish` under a producer span whose context goes in the headers it is given. */
  publish(type: string, publish: (headers: Record<string, string>) => Promise<EventEnvelope>): Promise<unknown> {
    const span = this.#tracer.startSpan(`publish ${type}`, { kind: SpanKind.PRODUCER, attributes: operation(type, 'send', 'publish') }, ROOT_CONTEXT);
    const { traceId, spanId, traceFlags } = span.spanContext();
    const sent = publish({ traceparent: `00-${traceId}-${spanId}-0${traceFlags & SAMPLED}` });
    if (!span.isRecording()) return sent;
    return sent.then((envelope) => {
      span.setAttribute('messaging.message.id', envelope.id).setAttribute('messaging.message.conversation_id', envelope.correlationId);
      span.end();
    });
  }

  /** `handler` under a consumer span per attempt, child of the span in the event's traceparent. */
  handler<E extends EventEnvelope>(name: string, handler: EventHandlerFn<E>): EventHandlerFn<E> {
    return (event, ctx) => {
      const header = event.headers!.traceparent!;
      const traceFlags = header.charCodeAt(54) === 0x31 ? SAMPLED : 0;
      const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: header.slice(3, 35), spanId: header.slice(36, 52), traceFlags, isRemote: true });
      if (traceFlags === 0) return context.with(parent, handler, undefined, event, ctx);
      const attributes = operation(event.type, 'process', 'process');
      attributes['messaging.message.id'] = event.id;
      attributes['messaging.message.conversation_id'] = event.correlationId;
      attributes['herald.handler'] = name;
      attributes['herald.attempt'] = ctx.attempt;
      const span = this.#tracer.startSpan(`process ${event.type}`, { kind: SpanKind.CONSUMER, attributes }, parent);
      const result = context.with(trace.setSpan(parent, span), handler, undefined, event, ctx) as Promise<unknown>;
      return result.then((value) => {
        span.end();
        return value;
      });
    };
  }
}

function operation(type: string, operationType: string, operationName: string): Attributes {
  return {
    'messaging.system': 'redis',
    'messaging.operation.type': operationType,
    'messaging.operation.name': operationName,
    'messaging.destination.name': type,
  };
}
