import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { type EventEnvelope, RedisDeadLetterQueue, RedisEventBus } from '../../src/index.js';
import { anOrder, OrderPlaced, OrderShipped } from '../fixtures/shop.js';
import { useRedisServer } from '../support/redis-server.js';
import { uniquePrefix, waitFor } from '../support/wait-for.js';

const redis = useRedisServer();
const buses: RedisEventBus[] = [];
let exporter: InMemorySpanExporter;
let provider: BasicTracerProvider;

afterEach(async () => {
  await Promise.allSettled(buses.splice(0).map((bus) => bus.shutdown({ timeoutMs: 1_000 })));
  await provider?.shutdown();
  context.disable();
});

function tracedBuses(count: number): RedisEventBus[] {
  exporter = new InMemorySpanExporter();
  provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const prefix = uniquePrefix();
  const made = Array.from({ length: count }, (_, i) =>
    new RedisEventBus({ redisUrl: redis.url, prefix, service: `svc-${i}`, logger: false, tracing: { tracerProvider: provider } }),
  );
  buses.push(...made);
  return made;
}

function spans(): ReadableSpan[] {
  return exporter.getFinishedSpans();
}

function only(name: string, where: (span: ReadableSpan) => boolean = () => true): ReadableSpan {
  const found = spans().filter((s) => s.name === name && where(s));
  expect(found.map((s) => s.name), `spans named ${name}; all: ${spans().map((s) => s.name).join(', ')}`).toHaveLength(1);
  return found[0]!;
}

function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

const fast = { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 1, jitter: false } as const;

describe('OpenTelemetry tracing', () => {
  describe('when service A publishes, B handles it and publishes with ctx.publish, and C handles that', () => {
    it('makes one trace: publish → process → publish → process, each span the child of the one before', async () => {
      const [a, b, c] = tracedBuses(3) as [RedisEventBus, RedisEventBus, RedisEventBus];
      b.subscribe(OrderPlaced, async (event, ctx) => {
        await ctx.publish(OrderShipped.create({ orderId: event.payload.orderId }));
      }, { name: 'ship' });
      const received: EventEnvelope[] = [];
      c.subscribe(OrderShipped, (event) => void received.push(event), { name: 'notify' });
      await Promise.all([a.start(), b.start(), c.start()]);

      const published = await a.publish(anOrder(1), { correlationId: 'req-1' });
      await waitFor(() => spans().length === 4, { message: () => spans().map((s) => s.name).join(', ') });

      const publishA = only('publish order.placed');
      const processB = only('process order.placed');
      const publishB = only('publish order.shipped');
      const processC = only('process order.shipped');
      const traceId = publishA.spanContext().traceId;
      for (const span of [processB, publishB, processC]) expect(span.spanContext().traceId).toBe(traceId);
      expect(parentOf(publishA)).toBeUndefined();
      expect(parentOf(processB)).toBe(publishA.spanContext().spanId);
      expect(parentOf(publishB)).toBe(processB.spanContext().spanId);
      expect(parentOf(processC)).toBe(publishB.spanContext().spanId);

      expect(publishA.kind).toBe(SpanKind.PRODUCER);
      expect(processB.kind).toBe(SpanKind.CONSUMER);
      expect(publishA.attributes).toMatchObject({
        'messaging.system': 'redis',
        'messaging.operation.type': 'send',
        'messaging.destination.name': 'order.placed',
        'messaging.message.id': published.id,
        'messaging.message.conversation_id': 'req-1',
      });
      expect(processB.attributes).toMatchObject({
        'messaging.operation.type': 'process',
        'messaging.destination.name': 'order.placed',
        'messaging.message.id': published.id,
        'herald.handler': 'ship',
        'herald.attempt': 1,
      });
      expect(published.headers?.traceparent).toBe(`00-${traceId}-${publishA.spanContext().spanId}-01`);
      expect(received[0]!.headers?.traceparent).toBe(`00-${traceId}-${publishB.spanContext().spanId}-01`);
      expect(received[0]!.correlationId).toBe('req-1');
    });
  });

  describe('with a context manager registered', () => {
    it('parents a publish under the active span, and makes the attempt span active inside the handler', async () => {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      const [bus] = tracedBuses(1) as [RedisEventBus];
      const activeInHandler: (string | undefined)[] = [];
      bus.subscribe(OrderPlaced, () => void activeInHandler.push(trace.getActiveSpan()?.spanContext().spanId), { name: 'record' });
      await bus.start();

      const tracer = provider.getTracer('app');
      await tracer.startActiveSpan('POST /orders', async (request) => {
        await bus.publish(anOrder(1));
        request.end();
      });
      await waitFor(() => spans().length === 3);

      const request = only('POST /orders');
      const publish = only('publish order.placed');
      const process = only('process order.placed');
      expect(parentOf(publish)).toBe(request.spanContext().spanId);
      expect(activeInHandler).toEqual([process.spanContext().spanId]);
    });
  });

  describe('when a handler fails twice and its event is dead-lettered', () => {
    it('ends both attempt spans in error, marks the retry, and adds a dead-letter span under the last attempt', async () => {
      const [bus] = tracedBuses(1) as [RedisEventBus];
      bus.subscribe(OrderPlaced, () => {
        throw new Error('mail server down');
      }, { name: 'send-receipt', ...fast });
      await bus.start();
      await bus.publish(anOrder(1));
      await waitFor(() => spans().some((s) => s.name === 'dead-letter order.placed'));

      const attempts = spans().filter((s) => s.name === 'process order.placed').sort((x, y) => Number(x.attributes['herald.attempt']) - Number(y.attributes['herald.attempt']));
      expect(attempts.map((s) => s.attributes['herald.attempt'])).toEqual([1, 2]);
      for (const attempt of attempts) {
        expect(attempt.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Error: mail server down' });
        expect(attempt.events.map((e) => e.name)).toContain('exception');
      }
      expect(attempts[0]!.events.map((e) => e.name)).not.toContain('herald.retry');
      expect(attempts[1]!.events.map((e) => e.name)).toContain('herald.retry');
      const deadLetter = only('dead-letter order.placed');
      expect(parentOf(deadLetter)).toBe(attempts[1]!.spanContext().spanId);
      expect(deadLetter.status.code).toBe(SpanStatusCode.ERROR);
      expect(deadLetter.attributes).toMatchObject({ 'herald.dead_letter.reason': 'retries-exhausted', 'herald.attempts': 2, 'herald.handler': 'send-receipt' });
    });
  });

  describe('when a dead letter is replayed', () => {
    it('runs the replay in a trace of its own whose span links to the original publish', async () => {
      const [bus] = tracedBuses(1) as [RedisEventBus];
      let failing = true;
      bus.subscribe(OrderPlaced, () => {
        if (failing) throw new Error('mail server down');
      }, { name: 'send-receipt', ...fast });
      await bus.start();
      await bus.publish(anOrder(1));
      const queue = bus.deadLetters as RedisDeadLetterQueue;
      await waitFor(async () => (await queue.count()) === 1);
      const original = only('publish order.placed');
      const [entry] = (await queue.list()).entries;
      expect(entry!.envelope?.headers?.traceparent).toBe(`00-${original.spanContext().traceId}-${original.spanContext().spanId}-01`);
      failing = false;

      expect(await queue.replay(entry!.id)).toMatchObject({ status: 'replayed' });
      await waitFor(() => spans().filter((s) => s.name === 'process order.placed').length === 3);

      const replay = only('process order.placed', (s) => s.attributes['herald.dead_letter.id'] !== undefined);
      expect(replay.spanContext().traceId).not.toBe(original.spanContext().traceId);
      expect(parentOf(replay)).toBeUndefined();
      expect(replay.links).toHaveLength(1);
      expect(replay.links[0]!.context).toMatchObject({ traceId: original.spanContext().traceId, spanId: original.spanContext().spanId });
      expect(replay.attributes).toMatchObject({ 'herald.dead_letter.id': entry!.id, 'herald.replay': 1 });
      expect(replay.status.code).not.toBe(SpanStatusCode.ERROR);
    });
  });
});
