/**
 * An OpenTelemetry `TracerProvider` (from an SDK, or `trace` of
 * @opentelemetry/api). Typed by the one method Herald calls, so that Herald's
 * types do not require @opentelemetry/api to be installed.
 */
export interface TracerProviderLike {
  getTracer(name: string, version?: string): unknown;
}

/** OpenTelemetry tracing of a bus. */
export interface TracingOptions {
  /**
   * Where the spans go.
   * @default the global provider of @opentelemetry/api: the one your SDK registered, a no-op without one
   */
  readonly tracerProvider?: TracerProviderLike;
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
  return tracing;
}
