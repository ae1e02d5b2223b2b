import { describe, expect, it } from 'vitest';
import { InMemoryEventBus } from '../../src/index.js';
import { formatTraceParent, parseTraceParent } from '../../src/infrastructure/observability/trace-parent.js';
import { anOrder, OrderPlaced } from '../fixtures/shop.js';
import { waitFor } from '../support/wait-for.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('the traceparent header', () => {
  it('reads version 00 and writes it back unchanged', () => {
    const header = `00-${TRACE}-${SPAN}-01`;
    expect(parseTraceParent(header)).toEqual({ traceId: TRACE, spanId: SPAN, traceFlags: 1 });
    expect(formatTraceParent(parseTraceParent(header)!)).toBe(header);
  });

  it('reads the first four fields of a later version', () => {
    expect(parseTraceParent(`cc-${TRACE}-${SPAN}-00-more`)).toEqual({ traceId: TRACE, spanId: SPAN, traceFlags: 0 });
  });

  it.each([
    ['absent', undefined],
    ['the forbidden version ff', `ff-${TRACE}-${SPAN}-01`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['an all-zero span id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['upper case', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['extra fields on version 00', `00-${TRACE}-${SPAN}-01-x`],
    ['a g in the trace id', `00-${TRACE.slice(0, -1)}g-${SPAN}-01`],
    ['a non-ASCII letter in the span id', `00-${TRACE}-${SPAN.slice(0, -1)}\u00e1-01`],
    ['a colon in the flags', `00-${TRACE}-${SPAN}-0:`],
  ])('ignores a header that is %s', (_, header) => {
    expect(parseTraceParent(header)).toBeUndefined();
  });
});

describe('tracing with no OpenTelemetry SDK registered', () => {
  it('adds no headers of its own and passes a traceparent given to publish on to the handler', async () => {
    const bus = new InMemoryEventBus({ logger: false, tracing: true });
    const seen: (Readonly<Record<string, string>> | undefined)[] = [];
    bus.subscribe(OrderPlaced, (event, ctx) => {
      seen.push(event.headers);
      if (event.payload.orderId === 'o-1') return ctx.publish(anOrder(2)).then(() => {});
    }, { name: 'record' });
    await bus.start();

    const plain = await bus.publish(anOrder(1));
    const given = `00-${TRACE}-${SPAN}-01`;
    const carried = await bus.publish(anOrder(3), { headers: { traceparent: given } });
    await waitFor(() => seen.length === 3);
    await bus.shutdown();

    expect(plain.headers).toBeUndefined();
    expect(carried.headers).toEqual({ traceparent: given });
    expect(seen).toContainEqual({ traceparent: given });
    expect(seen.filter((headers) => headers === undefined)).toHaveLength(2);
  });
});
