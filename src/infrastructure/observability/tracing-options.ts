/**
 * An OpenTelemetry `TracerProvider` (from an SDK, or `trace` of
 * @opentelemetry/api). Typed by the one method Herald calls, so that Herald's
 * types do not require @opentelemetry/api to be installed.
 */
export interface TracerProviderLike {
  getTracer(name: string, version?: string): unknown;
}

/** What a bus does with an event or a publish whose parent's trace is not sampled. */
export type UnsampledParents = 'no-span' | 'ask-sampler';

/** OpenTelemetry tracing of a bus. */
export interface TracingOptions {
  /**
   * Where the spans go.
   * @default the global provider of @opentelemetry/api: the one your SDK registered, a no-op without one
   */
  readonly tracerProvider?: TracerProviderLike;
  /**
   * When the parent of a span Herald would start is valid and its trace is not sampled (the
   * `traceparent` flags say so, or the active span is such a span): `'no-span'` starts no span and
   * passes the parent's trace context on unchanged (to the handler's context and to the headers of
   * what it publishes), as the SDK's default `ParentBasedSampler` would record nothing for it and
   * starting spans it drops is most of tracing's cost; `'ask-sampler'` starts the span anyway, so
   * that a sampler which may sample a child of a trace not sampled is asked about every span.
   * @default 'no-span'
   */
  readonly unsampledParents?: UnsampledParents;
}

/** @throws TypeError when `tracing` is neither a boolean nor options with a provider. */
export function resolveTracingOptions(tracing: boolean | TracingOptions | undefined): TracingOptions | undefined {
  if (tracing === undefined || tracing === false) return undefined;
  if (tracing === true) return {};
  if (typeof tracing !== 'object' || tracing === null) {
    throw new TypeError(`Expected \`tracing\` to be true, false or { tracerProvider }, got ${JSON.stringify(tracing)}.`);
  }
  const provider = tracing.tracerProvider;
  if (provider !== undefined && typeof provider?.getTracer !== 'function') {
    throw new TypeError('Expected `tracing.tracerProvider` to be an OpenTelemetry TracerProvider (with getTracer).');
  }
  const unsampled = tracing.unsampledParents;
  if (unsampled !== undefined && unsampled !== 'no-span' && unsampled !== 'ask-sampler') {
    throw new TypeError(`Expected \`tracing.unsampledParents\` to be 'no-span' or 'ask-sampler', got ${JSON.stringify(unsampled)}.`);
  }
  return tracing;
}
