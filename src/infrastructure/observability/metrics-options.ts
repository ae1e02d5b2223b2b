import { integer } from '../shared/options.js';

/**
 * A prom-client `Registry`. Typed by the two methods Herald calls, so that
 * Herald's types do not require prom-client to be installed.
 */
export interface MetricsRegistry {
  registerMetric(metric: any): void;
  getSingleMetric(name: string): unknown;
}

/** Prometheus metrics of a bus, registered on a prom-client registry you pass. */
export interface MetricsOptions {
  /**
   * The prom-client `Registry` Herald registers its metrics on, and nowhere
   * else (never the global one). Several buses may share one registry: their
   * counts add up, and the first bus's settings (buckets) apply.
   */
  readonly registry: MetricsRegistry;
  /**
   * Upper bounds of `herald_handler_duration_seconds`, in seconds.
   * @default [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
   */
  readonly durationBuckets?: readonly number[];
  /**
   * How long a scrape reuses the dead-letter queue size and (durable mode) the
   * streams' pending entries and lag before it reads them from Redis again.
   * @default 15_000
   */
  readonly refreshIntervalMs?: number;
}

export const DEFAULT_DURATION_BUCKETS: readonly number[] = Object.freeze([0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);

/** Metrics options after defaults and validation. */
export interface ResolvedMetricsOptions {
  readonly registry: MetricsRegistry;
  readonly durationBuckets: readonly number[];
  readonly refreshIntervalMs: number;
}

/** @throws TypeError naming the first invalid option. */
export function resolveMetricsOptions(options: MetricsOptions): ResolvedMetricsOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('Expected `metrics` to be an object such as { registry: new Registry() } (prom-client).');
  }
  const registry = options.registry;
  if (typeof registry?.registerMetric !== 'function' || typeof registry.getSingleMetric !== 'function') {
    throw new TypeError('Expected `metrics.registry` to be a prom-client Registry, e.g. { registry: new Registry() } or { registry: register }.');
  }
  const buckets = options.durationBuckets ?? DEFAULT_DURATION_BUCKETS;
  if (!Array.isArray(buckets) || buckets.length === 0 || !buckets.every((b, i) => typeof b === 'number' && b > 0 && Number.isFinite(b) && (i === 0 || b > buckets[i - 1]!))) {
    throw new TypeError(`Expected \`metrics.durationBuckets\` to be increasing positive numbers of seconds, got ${JSON.stringify(buckets)}.`);
  }
  return {
    registry,
    durationBuckets: buckets,
    refreshIntervalMs: integer(options.refreshIntervalMs, 15_000, 'metrics.refreshIntervalMs', 0),
  };
}
