import type * as PromClient from 'prom-client';

/**
 * One handler's attempt durations on one bus, as Prometheus histogram counts:
 * a handler attempt bumps a bucket, a sum and a count, with no label hashing
 * and no allocation. prom-client's `observe` hashes the labels on every call,
 * which a bus with three handlers pays three times per event.
 */
export class DurationCounts {
  /** Per bucket, not cumulative; the last one counts what exceeds every bound. */
  readonly perBucket: Float64Array;
  sum = 0;
  count = 0;
  readonly #bounds: readonly number[];

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.perBucket = new Float64Array(bounds.length + 1);
  }

  /** A duration in seconds; it counts in the first bucket whose bound is ≥ it, as Prometheus's `le` says. */
  observe(seconds: number): void {
    const bounds = this.#bounds;
    let i = 0;
    // Handler attempts are mostly short: scanning from the smallest bound ends early.
    while (i < bounds.length && seconds > bounds[i]!) i++;
    this.perBucket[i]! += 1;
    this.sum += seconds;
    this.count += 1;
  }
}

/** Where the histogram reads the counts of every bus on its registry, by handler. */
export type DurationSources = () => Iterable<ReadonlyMap<string, DurationCounts>>;

interface HistogramValue {
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string>;
  value: number;
  metricName: string;
  exemplar: null | undefined;
}

/**
 * `herald_handler_duration_seconds`: a prom-client Histogram whose values are
 * read from the buses' {@link DurationCounts} at each scrape (summed over buses
 * that share a handler name) instead of being observed one by one. Registration,
 * name checks, and the text and JSON output stay prom-client's: only the values
 * it reports come from the counts, in the shape its own Histogram reports them.
 */
export function durationHistogram(
  client: typeof PromClient,
  registers: PromClient.Registry[],
  bounds: readonly number[],
  sources: DurationSources,
): PromClient.Histogram<'handler'> {
  const name = 'herald_handler_duration_seconds';
  const help = 'Duration of each handler attempt, by handler.';
  class HandlerDurationHistogram extends client.Histogram<'handler'> {
    /** What the text endpoint reads: the shape prom-client's Histogram gives it. */
    async getForPromString(): Promise<{ name: string; help: string; type: 'histogram'; values: HistogramValue[]; aggregator: PromClient.Aggregator }> {
      const values: HistogramValue[] = [];
      for (const [handler, counts] of summed(sources, bounds.length + 1)) {
        const sharedLabels = { handler };
        let cumulative = 0;
        for (let i = 0; i < bounds.length; i++) {
          cumulative += counts.perBucket[i]!;
          values.push({ labels: { le: bounds[i]! }, sharedLabels, value: cumulative, metricName: `${name}_bucket`, exemplar: null });
        }
        values.push(
          { labels: { le: '+Inf' }, sharedLabels, value: counts.count, metricName: `${name}_bucket`, exemplar: null },
          { labels: {}, sharedLabels, value: counts.sum, metricName: `${name}_sum`, exemplar: undefined },
          { labels: {}, sharedLabels, value: counts.count, metricName: `${name}_count`, exemplar: undefined },
        );
      }
      return { name, help, type: 'histogram', values, aggregator: 'sum' };
    }

    /** What `getMetricsAsJSON` and cluster aggregation read: the same values, labels merged. */
    override async get(): Promise<PromClient.MetricObjectWithValues<PromClient.MetricValueWithName<'handler'>>> {
      const data = await this.getForPromString();
      const values = data.values.map(({ labels, sharedLabels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } }));
      return { ...data, values } as unknown as PromClient.MetricObjectWithValues<PromClient.MetricValueWithName<'handler'>>;
    }
  }
  return new HandlerDurationHistogram({
    name,
    help,
    labelNames: ['handler'],
    buckets: [...bounds],
    registers,
  });
}

/** Every handler's counts added up over the buses (buses of one registry may share handler names). */
function summed(sources: DurationSources, size: number): Map<string, { perBucket: Float64Array; sum: number; count: number }> {
  const total = new Map<string, { perBucket: Float64Array; sum: number; count: number }>();
  for (const byHandler of sources()) {
    for (const [handler, counts] of byHandler) {
      let entry = total.get(handler);
      if (entry === undefined) total.set(handler, (entry = { perBucket: new Float64Array(size), sum: 0, count: 0 }));
      for (let i = 0; i < size; i++) entry.perBucket[i]! += counts.perBucket[i]!;
      entry.sum += counts.sum;
      entry.count += counts.count;
    }
  }
  return total;
}
