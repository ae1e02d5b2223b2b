import type * as Otel from '@opentelemetry/api';
import type * as PromClient from 'prom-client';
import type { DeadLetterInput } from '../../domain/dead-letters/dead-letter.js';
import type { EventEnvelope } from '../../domain/event-envelope.js';
import type { EventHandlerFn } from '../../domain/handler-context.js';
import type { BusObserver, OutgoingEnvelope, SendEnvelope } from './bus-observer.js';

export type { BusObserver } from './bus-observer.js';
import type { BusStats } from '../../domain/event-bus.js';
import type { Transport } from '../transport/transport.js';
import { heraldMetricsOn } from './herald-metrics.js';
import { type MetricsOptions, resolveMetricsOptions } from './metrics-options.js';
import { MetricsObserver } from './metrics-observer.js';
import { loadOptional } from './optional-module.js';
import { TraceObserver } from './trace-observer.js';
import { type TracingOptions, resolveTracingOptions } from './tracing-options.js';

/** The options of a bus that turn exporters on. */
export interface ObservabilityOptions {
  readonly metrics?: MetricsOptions;
  readonly tracing?: boolean | TracingOptions;
}

/** Name of the tracer (instrumentation scope) Herald's spans come from. */
export const TRACER_NAME = 'herald';

/**
 * The observer of a bus, or undefined when neither metrics nor tracing is on:
 * prom-client and @opentelemetry/api are loaded here, and only for the option
 * that needs them.
 *
 * @throws TypeError naming an invalid option.
 * @throws MissingDependencyError when the package an option needs is not installed.
 */
export function createBusObserver(options: ObservabilityOptions, transport: Transport, prefix: string, stats: () => BusStats): BusObserver | undefined {
  if (options.metrics === undefined && (options.tracing === undefined || options.tracing === false)) return undefined;
  const probe = {
    transport: transport.kind,
    prefix,
    stats,
    deadLetters: transport.deadLetters,
    ...(transport.backlog ? { backlog: () => transport.backlog!() } : {}),
  };
  const metrics = options.metrics === undefined ? undefined : resolveMetricsOptions(options.metrics);
  const tracing = resolveTracingOptions(options.tracing);
  const observers: BusObserver[] = [];
  if (tracing !== undefined) {
    const api = loadOptional<typeof Otel>('@opentelemetry/api', 'tracing');
    const tracer = (tracing.tracerProvider ?? api.trace).getTracer(TRACER_NAME) as Otel.Tracer;
    observers.push(new TraceObserver(api, tracer, probe.transport, tracing.unsampledParents, tracing.tracerProvider ? undefined : globalProviderIsNoop(api)));
  }
  if (metrics !== undefined) {
    const client = loadOptional<typeof PromClient>('prom-client', 'metrics');
    const shared = heraldMetricsOn(client, metrics.registry, metrics.durationBuckets);
    observers.push(new MetricsObserver(shared, probe, metrics.refreshIntervalMs));
  }
  if (observers.length < 2) return observers[0];
  return new BothObservers(observers[0]!, observers[1]!);
}

/** Tracing outside, metrics inside: an attempt's span covers the time its metrics measure. */
class BothObservers implements BusObserver {
  readonly #outer: BusObserver;
  readonly #inner: BusObserver;

  constructor(outer: BusObserver, inner: BusObserver) {
    this.#outer = outer;
    this.#inner = inner;
  }

  observeHandler(name: string, handler: EventHandlerFn): EventHandlerFn {
    return this.#outer.observeHandler(name, this.#inner.observeHandler(name, handler));
  }

  publish(envelope: OutgoingEnvelope, send: SendEnvelope): Promise<EventEnvelope> {
    return this.#outer.publish(envelope, (traced) => this.#inner.publish(traced, send));
  }

  handled(envelope: EventEnvelope, handler: string): void {
    this.#outer.handled(envelope, handler);
    this.#inner.handled(envelope, handler);
  }

  deadLettering(input: DeadLetterInput): void {
    this.#outer.deadLettering(input);
    this.#inner.deadLettering(input);
  }

  close(): void {
    this.#outer.close();
    this.#inner.close();
  }
}

/**
 * True while the global tracer provider has no SDK behind it, asked per event because an SDK
 * may register after the bus is made. The API's global provider is a proxy whose delegate is
 * the API's no-op provider until an SDK registers; a fresh proxy's delegate is that no-op
 * provider, which gives something to compare with through public API only. A global provider
 * of another copy of the API never compares equal: the bus then takes the usual path.
 */
function globalProviderIsNoop(api: typeof Otel): () => boolean {
  const global = api.trace.getTracerProvider() as Partial<Otel.ProxyTracerProvider>;
  if (typeof global.getDelegate !== 'function') return () => false;
  const noop = new api.ProxyTracerProvider().getDelegate();
  return () => global.getDelegate!() === noop;
}

