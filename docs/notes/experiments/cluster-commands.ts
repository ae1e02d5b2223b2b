// Experiment (docs/notes/cluster-design.md): cross-slot rules for Lua, classic vs sharded Pub/Sub on ioredis Cluster.
// Run: npx tsx docs/notes/experiments/cluster-commands.ts
import { Cluster, Redis } from 'ioredis';
import { RedisCluster } from '../../../test/support/redis-cluster.js';
const log = (...a: unknown[]) => console.log(...a);
const withTimeout = <T,>(p: Promise<T>, ms = 3000) => Promise.race([p, new Promise<string>(r => setTimeout(() => r(`(no answer within ${ms} ms)`), ms))]);
const topo = await RedisCluster.start();
const c = new Cluster(topo.seeds);
c.on('error', (e) => log('cluster error event', e.message));
// pick tags on distinct nodes
const byNode = new Map<number, string>();
for (let i = 0; byNode.size < 3; i++) { const tag = `{t${i}}`; const n = (await topo.nodeForKey(tag)).port; if (!byNode.has(n)) byNode.set(n, tag); }
const [A, B, C] = [...byNode.values()];
log('tags on distinct nodes', [...byNode.entries()]);
try { log('eval GET undeclared key on other node', await c.eval("return redis.call('GET', ARGV[1])", 1, `${A}:a`, `${B}:a`)); } catch (e) { log('eval GET undeclared key other node:', (e as Error).message); }
try { log('eval SPUBLISH channel on other node', await c.eval("return redis.call('SPUBLISH', ARGV[1], 'hi')", 1, `${A}:a`, `${B}:chan`)); } catch (e) { log('eval SPUBLISH other node:', (e as Error).message); }
try { log('eval SPUBLISH channel same node other slot', await c.eval("return redis.call('SPUBLISH', ARGV[1], 'hi')", 1, `${A}:a`, `${A}x:chan`)); } catch (e) { log('eval SPUBLISH same node other slot:', (e as Error).message); }
try { log('eval SPUBLISH channel same slot', await c.eval("return redis.call('SPUBLISH', ARGV[1], 'hi')", 1, `${A}:a`, `${A}:chan`)); } catch (e) { log('eval SPUBLISH same slot:', (e as Error).message); }
try { log('eval PUBLISH', await c.eval("return redis.call('PUBLISH', ARGV[1], 'hi')", 1, `${A}:a`, `any`)); } catch (e) { log('eval PUBLISH:', (e as Error).message); }
// classic pub/sub counts
const sub = new Cluster(topo.seeds); await sub.subscribe('classic'); await sub.psubscribe('cla*');
let got = 0, pgot = 0; sub.on('message', () => got++); sub.on('pmessage', () => pgot++);
log('cluster client PUBLISH reply', await c.publish('classic', 'y'));
await new Promise(r => setTimeout(r, 200)); log('one classic publish -> message', got, 'pmessage', pgot);
// ssubscribe without shardedSubscribers
const noShard = new Cluster(topo.seeds); noShard.on('error', (e) => log('noShard error', e.message));
await noShard.get('warm');
const subPort = (noShard as any).subscriber.getInstance()?.options.port;
for (const t of [A, B, C]) {
  const ch = `${t}:chan`; const owner = (await topo.nodeForKey(ch)).port;
  log('no-option ssubscribe', ch, 'owner', owner, 'subscriber conn', subPort, '->', await withTimeout(noShard.ssubscribe(ch).then(String, (e: Error) => 'error ' + e.message)));
}
const nm: string[] = []; noShard.on('smessage', (ch: string) => nm.push(ch));
for (const t of [A, B, C]) await c.spublish(`${t}:chan`, 'm');
await new Promise(r => setTimeout(r, 200)); log('no-option smessages', nm);
// sharded
const sh = new Cluster(topo.seeds, { shardedSubscribers: true });
sh.on('error', (e) => log('sh error', e.message));
await sh.get('warm');
try { await sh.ssubscribe(`${A}:chan`, `${B}:chan`); log('sharded 2 slots ok'); } catch (e) { log('sharded ssubscribe 2 slots:', (e as Error).message); }
for (const t of [A, B, C]) log('sharded ssubscribe', `${t}:chan`, await withTimeout(sh.ssubscribe(`${t}:chan`).then(String, (e: Error) => 'error ' + e.message)));
const smsgs: string[] = []; sh.on('smessage', (ch: string, m: string) => smsgs.push(`${ch}=${m}`));
for (const t of [A, B, C]) log('spublish', `${t}:chan`, '->', await c.spublish(`${t}:chan`, 'hello'));
await new Promise(r => setTimeout(r, 200)); log('smessages', smsgs.join(' '));
log('sh: sharded subscriber connections', (sh as any).shardedSubscribers.shardedSubscribers.size);
await Promise.all([c, sub, noShard, sh].map(x => x.quit().catch(() => {})));
await topo.stop();
