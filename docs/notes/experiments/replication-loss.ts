// Experiment: XADD batches at full speed, SIGKILL the primary, count acknowledged entries missing on the promoted replica.
// Run: MODE=sentinel|cluster npx tsx docs/notes/experiments/replication-loss.ts   (WAIT=1 adds WAIT 1 after each batch; sentinel only)
import { Cluster, Redis } from 'ioredis';
import { RedisCluster } from '../../../test/support/redis-cluster.js';
import { RedisSentinel } from '../../../test/support/redis-sentinel.js';
import { sendToNode } from '../../../test/support/node-command.js';
const log = (...a: unknown[]) => console.log(...a);
const mode = process.env.MODE ?? 'sentinel'; const useWait = process.env.WAIT === '1';
const stream = '{loss}:stream';
let client: Redis | Cluster; let kill: () => Promise<{ at: number }>; let wait: (k: any) => Promise<{ promoted: { port: number }; elapsedMs: number }>; let stop: () => Promise<void>;
if (mode === 'cluster') {
  const topo = await RedisCluster.start(); const c = new Cluster(topo.seeds, { retryDelayOnFailover: 300, retryDelayOnClusterDown: 300 }); c.on('error', () => {}); client = c;
  kill = async () => topo.kill(await topo.nodeForKey(stream)); wait = (k) => topo.waitForFailover(k); stop = () => topo.stop();
} else {
  const topo = await RedisSentinel.start(); const c = new Redis({ sentinels: topo.sentinelAddresses, name: topo.masterName }); c.on('error', () => {}); client = c;
  kill = () => topo.killPrimary(); wait = (k) => topo.waitForFailover(k); stop = () => topo.stop();
}
await client.del(stream);
const acked = new Set<string>(); let failed = 0; let running = true; let sent = 0;
const loop = async () => {
  while (running) {
    const batch = Array.from({ length: 50 }, () => { const n = ++sent; return client.xadd(stream, '*', 'n', String(n)).then((id) => ({ id, n }), () => { failed++; return undefined; }); });
    if (useWait) { await Promise.all(batch); await (client as Redis).call('WAIT', 1, 1000).catch(() => {}); }
    const results = await Promise.all(batch);
    for (const r of results) if (r) acked.add(r.id!);
  }
};
const l = loop();
await new Promise(r => setTimeout(r, 1000));
const k = await kill();
const ackedAtKill = acked.size;
const fo = await wait(k);
await new Promise(r => setTimeout(r, 1000));
running = false; await l;
const ids = new Set<string>(); let cursor = '-';
for (;;) { const page = (await sendToNode(fo.promoted.port, 'XRANGE', [stream, cursor, '+', 'COUNT', 10000])) as [string, string[]][]; if (page.length === 0) break; for (const [id] of page) ids.add(id); const last = page[page.length - 1]![0]; const [ms, seq] = last.split('-'); cursor = `${ms}-${Number(seq) + 1}`; if (page.length < 10000) break; }
const lost = [...acked].filter(id => !ids.has(id));
log(`${mode}${useWait ? ' +WAIT' : ''}: acked ${acked.size} (at kill ${ackedAtKill}), failed ${failed}, on promoted replica ${ids.size}, acked but lost ${lost.length}, failover ${fo.elapsedMs} ms`);
client.disconnect(); await stop();
