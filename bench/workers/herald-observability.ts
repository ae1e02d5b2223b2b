/**
 * Bus options that turn Herald's exporters on, as a production service would: metrics on a
 * prom-client registry (never scraped during the run: a scrape every few seconds costs nothing
 * per event), spans recorded by the OpenTelemetry SDK (every span sampled, or 10 % of traces)
 * through a BatchSpanProcessor with the SDK's default batching into an exporter that discards them. The figures include span creation,
 * context propagation and batching, not serialisation or the network of a real exporter.
 */
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import type { CreateEventBusOptions } from '../../src/index.js';
import { HandMadeSpans } from './hand-made-spans.js';
import type { Observe } from './protocol.js';

class DiscardingExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    done({ code: 0 }); // ExportResultCode.SUCCESS
  }

  async shutdown(): Promise<void> {}
}

const WITH_METRICS: readonly Observe[] = ['metrics', 'both', 'sampled', 'hand-made', 'hand-made-sampled'];
const SAMPLED: readonly Observe[] = ['sampled', 'hand-made-sampled'];
// Herald's tracing on an SDK, and the same spans made by hand instead.
const HERALD_TRACED: readonly Observe[] = ['tracing', 'both', 'sampled'];
const HAND_MADE: readonly Observe[] = ['hand-made', 'hand-made-sampled'];

/** The SDK every traced row records with; `sampled`: 10 % of traces, else every span. */
function tracerProvider(sampled: boolean): BasicTracerProvider {
  // The SDK's defaults (an export every 512 spans, or 5 s), with a queue large enough that the
  // run's spans are exported, not dropped for a full queue: dropped spans would cost nothing.
  const processor = new BatchSpanProcessor(new DiscardingExporter(), { maxQueueSize: 65_536 });
  // A publisher's decision travels in the traceparent: its subscriber keeps the same traces.
  const sampler = sampled ? new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) }) : undefined;
  return new BasicTracerProvider({ spanProcessors: [processor], ...(sampler ? { sampler } : {}) });
}

export function observability(observe: Observe): Pick<CreateEventBusOptions, 'metrics' | 'tracing'> {
  const options: { metrics?: CreateEventBusOptions['metrics']; tracing?: CreateEventBusOptions['tracing'] } = {};
  if (WITH_METRICS.includes(observe)) options.metrics = { registry: new Registry() };
  if (HERALD_TRACED.includes(observe)) options.tracing = { tracerProvider: tracerProvider(SAMPLED.includes(observe)) };
  // The global provider of @opentelemetry/api, with no SDK registered: its spans are no-ops.
  if (observe === 'api') options.tracing = true;
  return options;
}

/** The spans a hand-made row makes around its bus, on the same SDK setup as Herald's rows; undefined for the others. */
export function handMadeSpans(observe: Observe): HandMadeSpans | undefined {
  if (!HAND_MADE.includes(observe)) return undefined;
  return new HandMadeSpans(tracerProvider(SAMPLED.includes(observe)).getTracer('bench'));
}
