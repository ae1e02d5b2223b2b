import type { Registry } from 'prom-client';

/** One scrape of a registry: values by metric name and labels. */
export interface Scrape {
  /** The value of the sample of `name` with exactly `labels` (a histogram's `_count`, `_sum`, `_bucket` included). */
  value(name: string, labels?: Record<string, string | number>): number | undefined;
  /** Every sample of `name`, as `labels → value` lines, for failure messages. */
  describe(name: string): string;
}

/** Scrapes `registry` as Prometheus would (through `getMetricsAsJSON`, which `metrics()` formats). */
export async function scrape(registry: Registry): Promise<Scrape> {
  const samples = new Map<string, { labels: Record<string, string | number>; value: number }[]>();
  for (const metric of await registry.getMetricsAsJSON()) {
    for (const sample of metric.values as { labels: Record<string, string | number>; value: number; metricName?: string }[]) {
      const name = sample.metricName ?? metric.name;
      const list = samples.get(name) ?? [];
      list.push({ labels: sample.labels, value: sample.value });
      samples.set(name, list);
    }
  }
  const same = (a: Record<string, string | number>, b: Record<string, string | number>) =>
    Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => String(a[k]) === String(v));
  return {
    value: (name, labels = {}) => samples.get(name)?.find((s) => same(s.labels, labels))?.value,
    describe: (name) => (samples.get(name) ?? []).map((s) => `${JSON.stringify(s.labels)} ${s.value}`).join('\n') || '(no samples)',
  };
}
