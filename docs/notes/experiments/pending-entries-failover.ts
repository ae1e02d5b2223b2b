// Experiment: a consumer group's pending entries (read, not acknowledged) after a failover, Sentinel and Cluster.
// Run: npx tsx docs/notes/experiments/pending-entries-failover.ts
import { Cluster, Redis } from 'ioredis';
import { RedisCluster } from '../../../test/support/redis-cluster.js';
import { RedisSentinel } from '../../../test/support/redis-sentinel.js';
const log = (...a: unknown[]) => console.log(...a);
for (const mode of ['sentinel', 'cluster']) {
  const stream = '{pel}:stream';
  let client: Redis | Cluster; let kill: () => Promise<{ at: number }>; let wait: (k: any) => Promise<{ elapsedMs: number }>; let stop: () => Promise<void>; let writerConn: () => Redis;
  if (mode === 'cluster') {
    const topo = await RedisCluster.start(); const c = new Cluster(topo.seeds, { retryDelayOnFailover: 300, retryDelayOnClusterDown: 300 }); c.on('error', () => {}); client = c;
    const node = await topo.nodeForKey(stream);
    kill = () => topo.kill(node); wait = (k) => topo.waitForFailover(k); stop = () => topo.stop();
    writerConn = () => c.nodes('master').find((n) => n.options.port === node.port)!;
  } else {
    const topo = await RedisSentinel.start(); const c = new Redis({ sentinels: topo.sentinelAddresses, name: topo.masterName }); c.on('error', () => {}); client = c;
    kill = () => topo.killPrimary(); wait = (k) => topo.waitForFailover(k); stop = () => topo.stop(); writerConn = () => c;
  }
  await client.call('XGROUP', 'CREATE', stream, 'g', '$', 'MKSTREAM');
  for (let i = 0; i < 10; i++) await client.xadd(stream, '*', 'n', String(i));
  const read = (await client.call('XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', 10, 'STREAMS', stream, '>')) as [string, [string, string[]][]][];
  const ids = read[0]![1].map(([id]) => id);
  await client.call('XACK', stream, 'g', ...ids.slice(0, 4));
  log(mode, 'WAIT ->', await writerConn().call('WAIT', 1, 2000));
  const k = await kill(); const fo = await wait(k);
  const pending = (await client.call('XPENDING', stream, 'g', '-', '+', 100)) as [string, string, number, number][];
  log(mode, `failover ${fo.elapsedMs} ms; read 10, acked 4; pending on promoted primary: ${pending.length} (owner ${[...new Set(pending.map(p => p[1]))]}, deliveries ${[...new Set(pending.map(p => p[3]))]}); group last-delivered ok: ${((await client.call('XINFO', 'GROUPS', stream)) as any[])[0]?.[7]}`);
  const again = (await client.call('XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', 10, 'STREAMS', stream, '0')) as [string, [string, string[]][]][];
  log(mode, 'c1 re-reads its own pending (id 0):', again[0]![1].length);
  client.disconnect(); await stop();
}
