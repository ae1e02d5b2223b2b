import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { type EventEnvelope, RedisEventBus, type UnsampledParents } from '../../src/index.js';
import { anOrder, OrderPlaced, OrderShipped } from '../fixtures/shop.js';
import { useRedisServer } from '../support/redis-server.js';
import { uniquePrefix, waitFor } from '../support/wait-for.js';

const redis = useRedisServer();
const buses: RedisEventBus[] = [];
let exporter: InMemorySpanExporter;
let provider: BasicTracerProvider;

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const NOT_SAMPLED = `00-${TRACE}-${SPAN}-00`;

afterEach(async () => {
  await Promise.allSettled(buses.splice(0).map((bus) => bus.shutdown({ timeoutMs: 1_000 })));
  await provider?.shutdown();
  context.disable();
});

function tracedBuses(sampler: Sampler, unsampledParents?: UnsampledParents): [RedisEventBus, RedisEventBus, RedisEventBus] {
  exporter = new InMemorySpanExporter();
  provider = new BasicTracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const prefix = uniquePrefix();
  const tracing = { tracerProvider: provider, ...(unsampledParents ? { unsampledParents } : {}) };
  const made = [0, 1, 2].map((i) => new RedisEventBus({ redisUrl: redis.url, prefix, service: `svc-${i}`, logger: false, tracing }));
  buses.push(...made);
  return made as [RedisEventBus, RedisEventBus, RedisEventBus];
}

/** A publishes with a traceparent whose trace is not sampled, B handles it and publishes with ctx.publish, C receives that. */
async function runChain(sampler: Sampler, unsampledParents?: UnsampledParents): Promise<EventEnvelope> {
  const [a, b, c] = tracedBuses(sampler, unsampledParents);
  b.subscribe(OrderPlaced, async (event, ctx) => {
    await ctx.publish(OrderShipped.create({ orderId: event.payload.orderId }));
  }, { name: 'ship' });
  const received: EventEnvelope[] = [];
  c.subscribe(OrderShipped, (event) => void received.push(event), { name: 'notify' });
  await Promise.all([a.start(), b.start(), c.start()]);
  await a.publish(anOrder(1), { headers: { traceparent: NOT_SAMPLED, tracestate: 'vendor=a' } });
  await waitFor(() => received.length === 1, { message: 'C did not receive the event B published' });
  return received[0]!;
}

describe('tracing of events whose trace is not sampled', () => {
  it("by default ('no-span') starts no span, and the trace context still travels through ctx.publish", async () => {
    const shipped = await runChain(new ParentBasedSampler({ root: new AlwaysOnSampler() }));
    expect(shipped.headers?.traceparent).toBe(NOT_SAMPLED);
    expect(shipped.headers?.tracestate).toBe('vendor=a');
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual([]);
  });

  it("with 'ask-sampler' asks the sampler about every span, so one that ignores the parent's flag records them", async () => {
    const shipped = await runChain(new AlwaysOnSampler(), 'ask-sampler');
    await waitFor(() => exporter.getFinishedSpans().length === 4, { message: () => exporter.getFinishedSpans().map((s) => s.name).join(', ') });
    for (const span of exporter.getFinishedSpans()) expect(span.spanContext().traceId).toBe(TRACE);
    const publishB = exporter.getFinishedSpans().find((s) => s.name === 'publish order.shipped')!;
    expect(shipped.headers?.traceparent).toBe(`00-${TRACE}-${publishB.spanContext().spanId}-01`);
  });

  it("by default a publish inside an active span that is not sampled starts no span and carries that span's context", async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const [a] = tracedBuses(new ParentBasedSampler({ root: new AlwaysOnSampler() }));
    await a.start();
    const active = trace.wrapSpanContext({ traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.NONE });
    const published = await context.with(trace.setSpan(context.active(), active), () => a.publish(anOrder(2)));
    expect(published.headers?.traceparent).toBe(NOT_SAMPLED);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
