// Experiment: cluster-bus messages per PUBLISH vs SPUBLISH; sharded subscriber events during a failover.
// Run: npx tsx docs/notes/experiments/cluster-bus-and-subscriber-churn.ts
import { Cluster } from 'ioredis';
import { RedisCluster } from '../../../test/support/redis-cluster.js';
import { sendToNode, parseInfo } from '../../../test/support/node-command.js';
const log = (...a: unknown[]) => console.log(...a);
const topo = await RedisCluster.start();
const c = new Cluster(topo.seeds);
await c.get('warm');
const stats = async () => { const out: Record<string, number> = {}; for (const n of topo.nodes) { const i = parseInfo(await sendToNode(n.port, 'CLUSTER', ['INFO'])); for (const k of ['cluster_stats_messages_publish_sent', 'cluster_stats_messages_publishshard_sent']) out[k] = (out[k] ?? 0) + Number(i.get(k) ?? 0); } return out; };
const N = 1000;
let s0 = await stats();
for (let i = 0; i < N; i++) await c.publish('{t0}:classic', 'x');
let s1 = await stats();
log(`classic PUBLISH x${N} (no subscribers): cluster-bus publish messages sent`, s1.cluster_stats_messages_publish_sent - s0.cluster_stats_messages_publish_sent, 'shard', s1.cluster_stats_messages_publishshard_sent - s0.cluster_stats_messages_publishshard_sent);
s0 = s1;
for (let i = 0; i < N; i++) await c.spublish('{t0}:sharded', 'x');
s1 = await stats();
log(`SPUBLISH x${N} (no subscribers): cluster-bus publish messages sent`, s1.cluster_stats_messages_publish_sent - s0.cluster_stats_messages_publish_sent, 'shard', s1.cluster_stats_messages_publishshard_sent - s0.cluster_stats_messages_publishshard_sent);
// sharded subscriber events during failover
const sh = new Cluster(topo.seeds, { shardedSubscribers: true }); sh.on('error', () => {});
await sh.ssubscribe('{t0}:chan');
let kat = 0; const ev: string[] = [];
for (const e of ['-node', '+node', '+subscriber', '-subscriber', 'subscribersReady', 'refresh', 'nodeError']) sh.on(e, () => ev.push(`${e}@${kat ? Math.round(performance.now() - kat) : 'pre'}`));
let first = 0; sh.on('smessage', () => { if (kat && !first) first = performance.now() - kat; });
const victim = await topo.nodeForKey('{t0}:chan');
let stop = false; const pub = (async () => { while (!stop) { c.spublish('{t0}:chan', 'x').catch(() => {}); await new Promise(r => setTimeout(r, 20)); } })();
await new Promise(r => setTimeout(r, 200));
const k = await topo.kill(victim); kat = k.at;
const fo = await topo.waitForFailover(k);
const t = performance.now(); while (!first && performance.now() - t < 10000) await new Promise(r => setTimeout(r, 10));
stop = true; await pub;
log('failover', fo.elapsedMs, 'first smessage after kill +', Math.round(first), 'numsub on new primary', await sendToNode(fo.promoted.port, 'PUBSUB', ['SHARDNUMSUB', '{t0}:chan']));
log('events', ev.join(' '));
c.disconnect(); sh.disconnect(); await topo.stop();
