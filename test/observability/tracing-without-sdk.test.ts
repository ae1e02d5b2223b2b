import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { type EventEnvelope, RedisEventBus } from '../../src/index.js';
import { anOrder, OrderPlaced } from '../fixtures/shop.js';
import { useRedisServer } from '../support/redis-server.js';
import { uniquePrefix, waitFor } from '../support/wait-for.js';

const redis = useRedisServer();
const buses: RedisEventBus[] = [];
let provider: BasicTracerProvider | undefined;

afterEach(async () => {
  await Promise.allSettled(buses.splice(0).map((bus) => bus.shutdown({ timeoutMs: 1_000 })));
  await provider?.shutdown();
  trace.disable();
});

describe('tracing: true with the global provider', () => {
  it('adds nothing while no SDK is registered, traces once one registers, and passes a trace context on either way', async () => {
    trace.disable();
    const bus = new RedisEventBus({ redisUrl: redis.url, prefix: uniquePrefix(), logger: false, tracing: true });
    buses.push(bus);
    const received: EventEnvelope[] = [];
    const forwarded: (string | undefined)[] = [];
    bus.subscribe(OrderPlaced, async (event, ctx) => {
      received.push(event);
      // What ctx.publish would carry on: the trace context of the attempt, if any.
      forwarded.push((await ctx.publish({ type: 'order.audited', payload: {} })).headers?.traceparent);
    }, { name: 'audit' });
    await bus.start();

    await bus.publish(anOrder(1));
    await waitFor(() => forwarded.length === 1);
    expect(received[0]!.headers?.traceparent).toBeUndefined();
    expect(forwarded[0]).toBeUndefined();

    // An upstream service's trace context travels on even without an SDK here.
    const upstream = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await bus.publish(anOrder(2), { headers: { traceparent: upstream } });
    await waitFor(() => forwarded.length === 2);
    expect(forwarded[1]).toBe(upstream);

    // The SDK registers after the bus was made: the next events are traced.
    const exporter = new InMemorySpanExporter();
    provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    trace.setGlobalTracerProvider(provider);
    await bus.publish(anOrder(3));
    await waitFor(() => forwarded.length === 3);
    expect(received[2]!.headers?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    await waitFor(() => exporter.getFinishedSpans().some((span) => span.name === 'process order.placed'));
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(expect.arrayContaining(['publish order.placed', 'process order.placed']));
  });
});
