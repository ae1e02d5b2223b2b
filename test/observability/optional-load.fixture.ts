// Run as a child process by optional-load.test.ts: which optional packages are
// loaded after importing Herald and running a bus without metrics or tracing,
// then with each enabled, then with the DI layer (the controls that show the check sees them).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const OPTIONAL = /node_modules[\\/](prom-client|@opentelemetry[\\/]api|inversify|reflect-metadata)[\\/]/;

// Node loads prom-client, @opentelemetry/api and reflect-metadata as CommonJS (by `import` too),
// and inversify, an ES module, by require(): every module of theirs lands in require.cache.
function loaded(): string[] {
  const names = new Set<string>();
  for (const path of Object.keys(require.cache)) {
    const match = OPTIONAL.exec(path);
    if (match) names.add(match[1]!.replace('\\', '/'));
  }
  return [...names].sort();
}

const report: Record<string, string[]> = { atStart: loaded() };
const { createEventBus, defineEvent } = await import('../../src/index.js');
const Pinged = defineEvent<{ n: number }>('ping.sent');

const plain = createEventBus({ mode: 'memory', logger: false });
let handled = 0;
plain.subscribe(Pinged, () => void handled++, { name: 'count' });
await plain.start();
await plain.publish(Pinged.create({ n: 1 }));
while (handled === 0) await new Promise((resolve) => setImmediate(resolve));
await plain.shutdown();
report.withoutMetricsOrTracing = loaded();

const traced = createEventBus({ mode: 'memory', logger: false, tracing: true });
await traced.shutdown();
report.withTracing = loaded();

// A registry of prom-client's shape that the fixture itself did not load prom-client for.
const registry = { registerMetric() {}, getSingleMetric: () => undefined };
const measured = createEventBus({ mode: 'memory', logger: false, metrics: { registry } });
await measured.shutdown();
report.withMetrics = loaded();

const { eventBusModule } = await import('../../src/index.js');
eventBusModule();
report.withDependencyInjection = loaded();

console.log(`LOADED ${JSON.stringify(report)}`);
