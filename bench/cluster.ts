/**
 * `npm run bench -- --only cluster`: Pub/Sub throughput of one Herald publisher and one
 * subscriber on a local 3-primary Redis Cluster (no replicas) against a single node, in the
 * same run, and how a 12-type workload spreads over the shards (SPUBLISH calls per primary,
 * from INFO commandstats). Not part of the default or --quick runs: it starts its own servers.
 *
 * What 2 shared cores can show is limited: both buses run in this one Node process, which is
 * the bottleneck on either topology (docs/benchmarks.md, "Redis Cluster").
 */
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { RedisEventBus } from '../src/index.js';
import { keySlot } from '../src/infrastructure/topology/key-slot.js';
import { RedisCluster } from '../test/support/redis-cluster.js';
import { startPrivateRedis } from './redis.js';

const TYPES = Array.from({ length: 12 }, (_, i) => `bench.type-${String(i).padStart(2, '0')}`);
const IN_FLIGHT = 1_000;

interface Run {
  readonly perSec: number;
  readonly seconds: number;
  readonly lost: number;
}

/** Publishes `n` events round-robin over TYPES with IN_FLIGHT outstanding; resolves once all arrived (or 10 s of silence). */
async function throughput(redisUrl: string, prefix: string, n: number): Promise<Run> {
  const subscriber = new RedisEventBus({ redisUrl, prefix, logger: false });
  const publisher = new RedisEventBus({ redisUrl, prefix, logger: false });
  let received = 0;
  let lastAt = performance.now();
  for (const type of TYPES) {
    subscriber.subscribe(type, () => {
      received++;
      lastAt = performance.now();
    }, { name: `count-${type}` });
  }
  await Promise.all([subscriber.start(), publisher.start()]);
  // Warm-up: every type once, so pattern-free subscriptions and node connections exist.
  await Promise.all(TYPES.map((type) => publisher.publish({ type, payload: { warm: true } })));
  while (received < TYPES.length) await new Promise((resolve) => setTimeout(resolve, 10));
  received = 0;
  const started = performance.now();
  let sent = 0;
  const inFlight = new Set<Promise<unknown>>();
  while (sent < n) {
    const type = TYPES[sent % TYPES.length]!;
    const p = publisher.publish({ type, payload: { n: sent, note: 'x'.repeat(100) } });
    sent++;
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.allSettled([...inFlight]);
  while (received < n && performance.now() - lastAt < 10_000) await new Promise((resolve) => setTimeout(resolve, 5));
  const seconds = (lastAt - started) / 1_000;
  await Promise.all([publisher.shutdown(), subscriber.shutdown()]);
  return { perSec: Math.round(received / seconds), seconds, lost: n - received };
}

/** SPUBLISH calls per primary port since the cluster started. */
async function spublishCalls(cluster: RedisCluster): Promise<Map<number, number>> {
  const calls = new Map<number, number>();
  for (const node of await cluster.primaries()) {
    const admin = new Redis(node.port, '127.0.0.1');
    const stats = await admin.info('commandstats');
    admin.disconnect();
    calls.set(node.port, Number(/cmdstat_spublish:calls=(\d+)/.exec(stats)?.[1] ?? 0));
  }
  return calls;
}

/** Runs the scenario and returns the report lines. */
export async function clusterBench(options: { n: number; reps: number; log: (line: string) => void }): Promise<string[]> {
  const { n, reps, log } = options;
  const single = await startPrivateRedis();
  const cluster = await RedisCluster.start({ replicasPerPrimary: 0 });
  try {
    const url = `redis+cluster://${cluster.seeds.map(({ host, port }) => `${host}:${port}`).join(',')}`;
    const singleRuns: Run[] = [];
    const clusterRuns: Run[] = [];
    const before = await spublishCalls(cluster);
    for (let rep = 1; rep <= reps; rep++) {
      // Alternate which topology goes first, as the other scenarios alternate sides.
      const order = rep % 2 === 1 ? (['single', 'cluster'] as const) : (['cluster', 'single'] as const);
      for (const which of order) {
        const run = await throughput(which === 'single' ? single.url : url, 'bench', n);
        (which === 'single' ? singleRuns : clusterRuns).push(run);
        log(`[rep ${rep}] cluster/${which}: delivered ${run.perSec.toLocaleString('en-US')}/s, lost ${run.lost} (${run.seconds.toFixed(1)} s)`);
      }
    }
    const after = await spublishCalls(cluster);
    const ranges = await cluster.slotRanges();
    const primaryOf = (channel: string) => ranges.find((r) => keySlot(channel) >= r.from && keySlot(channel) <= r.to)!.primaryPort;
    const lines = [
      `| Topology | Delivered events/s (median of ${reps}) | min–max | lost |`,
      '| --- | ---: | ---: | ---: |',
      row('single node', singleRuns),
      row('cluster, 3 primaries', clusterRuns),
      '',
      '| Primary | Event types (of 12) | SPUBLISH calls | Share |',
      '| --- | ---: | ---: | ---: |',
    ];
    const total = [...after].reduce((sum, [port, calls]) => sum + calls - (before.get(port) ?? 0), 0);
    for (const [port, calls] of after) {
      const types = TYPES.filter((type) => primaryOf(`bench:events|${type}`) === port).length;
      const delta = calls - (before.get(port) ?? 0);
      lines.push(`| :${port} | ${types} | ${delta.toLocaleString('en-US')} | ${((100 * delta) / Math.max(1, total)).toFixed(1)} % |`);
    }
    return lines;
  } finally {
    await Promise.all([single.stop(), cluster.stop()]);
  }
}

function row(label: string, runs: readonly Run[]): string {
  const rates = runs.map((r) => r.perSec).sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)]!;
  const lost = runs.reduce((sum, r) => sum + r.lost, 0);
  return `| ${label} | ${median.toLocaleString('en-US')} | ${rates[0]!.toLocaleString('en-US')}–${rates.at(-1)!.toLocaleString('en-US')} | ${lost} |`;
}
