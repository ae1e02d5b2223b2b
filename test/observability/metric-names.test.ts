import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { InMemoryEventBus } from '../../src/index.js';

const docs = (path: string) => readFileSync(new URL(`../../docs/${path}`, import.meta.url), 'utf8');

/** The metrics table of docs/operations.md: name → type. */
function documented(): Map<string, string> {
  const rows = docs('operations.md').split('\n').filter((line) => line.startsWith('| `herald_'));
  return new Map(rows.map((row) => {
    const [, name, type] = /^\| `([a-z_]+)` \| (\w+) \|/.exec(row)!;
    return [name!, type!];
  }));
}

describe('the documented metrics', () => {
  it('are exactly the metrics a bus registers, with their types', async () => {
    const registry = new Registry();
    const bus = new InMemoryEventBus({ logger: false, metrics: { registry } });
    const exported = new Map((await registry.getMetricsAsJSON()).map((m) => [m.name, String(m.type)]));
    await bus.shutdown();

    expect(Object.fromEntries(exported)).toEqual(Object.fromEntries(documented()));
  });

  it('are the only ones the Grafana dashboard queries', () => {
    const dashboard = docs('grafana-dashboard.json');
    const queried = new Set<string>();
    for (const [, expr] of dashboard.matchAll(/"(?:expr|definition)": "([^"\\]*(?:\\.[^"\\]*)*)"/g)) {
      for (const [name] of expr!.matchAll(/herald_[a-z_]+/g)) queried.add(name.replace(/_(bucket|count|sum)$/, ''));
    }
    expect(queried.size).toBeGreaterThan(10);
    const names = documented();
    expect([...queried].filter((name) => !names.has(name))).toEqual([]);
  });
});
