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
import type { Observe } from './protocol.js';

class DiscardingExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    done({ code: 0 }); // ExportResultCode.SUCCESS
  }

  async shutdown(): Promise<void> {}
}

export function observability(observe: Observe): Pick<CreateEventBusOptions, 'metrics' | 'tracing'> {
  const options: { metrics?: CreateEventBusOptions['metrics']; tracing?: CreateEventBusOptions['tracing'] } = {};
  if (observe === 'metrics' || observe === 'both' || observe === 'sampled') options.metrics = { registry: new Registry() };
  if (observe === 'tracing' || observe === 'both' || observe === 'sampled') {
    // The SDK's defaults (an export every 512 spans, or 5 s), with a queue large enough that the
    // run's spans are exported, not dropped for a full queue: dropped spans would cost nothing.
    const processor = new BatchSpanProcessor(new DiscardingExporter(), { maxQueueSize: 65_536 });
    // A publisher's decision travels in the traceparent: its subscriber keeps the same traces.
    const sampler = observe === 'sampled' ? new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) }) : undefined;
    options.tracing = { tracerProvider: new BasicTracerProvider({ spanProcessors: [processor], ...(sampler ? { sampler } : {}) }) };
  }
  // The global provider of @opentelemetry/api, with no SDK registered: its spans are no-ops.
  if (observe === 'api') options.tracing = true;
  return options;
}
