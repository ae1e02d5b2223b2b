import * as client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DurationCounts, durationHistogram } from '../../src/infrastructure/observability/duration-histogram.js';

const BOUNDS = [0.001, 0.01, 0.1, 1];
// Below, on and between the bounds, above the last one, and zero.
const SAMPLES: Record<string, number[]> = {
  fast: [0, 0.0005, 0.001, 0.001, 0.002, 0.05],
  slow: [0.1, 0.5, 1, 1.5, 30],
};

/** The same durations observed one by one into prom-client's own Histogram, on a registry of its own. */
async function reference(): Promise<client.Registry> {
  const registry = new client.Registry();
  const histogram = new client.Histogram({ name: 'herald_handler_duration_seconds', help: 'Duration of each handler attempt, by handler.', labelNames: ['handler'], buckets: BOUNDS, registers: [registry] });
  for (const [handler, values] of Object.entries(SAMPLES)) for (const v of values) histogram.observe({ handler }, v);
  return registry;
}

function counted(values: readonly number[]): DurationCounts {
  const counts = new DurationCounts(BOUNDS);
  for (const v of values) counts.observe(v);
  return counts;
}

describe('the handler duration histogram', () => {
  it('reports what prom-client\'s Histogram reports for the same observations, as text and as JSON', async () => {
    const registry = new client.Registry();
    const bus = new Map(Object.entries(SAMPLES).map(([handler, values]) => [handler, counted(values)]));
    durationHistogram(client, [registry], BOUNDS, () => [bus]);
    const expected = await reference();
    expect(await registry.metrics()).toBe(await expected.metrics());
    expect(await registry.getMetricsAsJSON()).toEqual(await expected.getMetricsAsJSON());
  });

  it('adds up the counts of buses that share a handler name', async () => {
    const registry = new client.Registry();
    const [first, second] = [SAMPLES.fast!.slice(0, 3), SAMPLES.fast!.slice(3)];
    const a = new Map([['fast', counted(first)], ['slow', counted(SAMPLES.slow!)]]);
    const b = new Map([['fast', counted(second)]]);
    durationHistogram(client, [registry], BOUNDS, () => [a, b]);
    expect(await registry.metrics()).toBe(await (await reference()).metrics());
  });

  it('exports a handler with no attempt yet at zero', async () => {
    const registry = new client.Registry();
    durationHistogram(client, [registry], BOUNDS, () => [new Map([['idle', new DurationCounts(BOUNDS)]])]);
    const text = await registry.metrics();
    expect(text).toContain('herald_handler_duration_seconds_bucket{le="+Inf",handler="idle"} 0');
    expect(text).toContain('herald_handler_duration_seconds_count{handler="idle"} 0');
  });

  it('counts a duration equal to a bound in that bound\'s bucket (le)', () => {
    const counts = counted([0.01]);
    expect([...counts.perBucket]).toEqual([0, 1, 0, 0, 0]);
  });
});
