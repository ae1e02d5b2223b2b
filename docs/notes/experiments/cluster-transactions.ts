// Experiment: ssubscribe before ready, MULTI vs pipeline on one node across slots, duplicate ssubscribe bookkeeping.
// Run: npx tsx docs/notes/experiments/cluster-transactions.ts
import { Cluster } from 'ioredis';
import { RedisCluster } from '../../../test/support/redis-cluster.js';
const log = (...a: unknown[]) => console.log(...a);
const topo = await RedisCluster.start();
const sh0 = new Cluster(topo.seeds, { shardedSubscribers: true }); sh0.on('error', (e) => log('sh0 error', e.message));
try { log('ssubscribe right after construction ->', await Promise.race([sh0.ssubscribe('{t0}:chan'), new Promise(r => setTimeout(() => r('no answer in 3 s'), 3000))])); } catch (e) { log('ssubscribe right after construction:', (e as Error).message); }
const c = new Cluster(topo.seeds); await c.get('warm');
// same node, different slots in MULTI
const a = '{t0}x'; let b = ''; const an = (await topo.nodeForKey(a)).port; const as = await topo.slotOf(a);
for (let i = 0; ; i++) { b = `k${i}`; if ((await topo.nodeForKey(b)).port === an && (await topo.slotOf(b)) !== as) break; }
try { log('MULTI same node other slots', await c.multi().set(a, '1').set(b, '2').exec()); } catch (e) { log('MULTI same node other slots:', (e as Error).message, (e as any).previousErrors?.map((x: Error) => x.message)); }
try { log('pipeline same node other slots', await c.pipeline().set(a, '1').set(b, '2').exec()); } catch (e) { log('pipeline same node other slots:', (e as Error).message); }
// duplicate ssubscribe
const sh = new Cluster(topo.seeds, { shardedSubscribers: true }); sh.on('error', () => {}); await sh.get('warm');
log('ssubscribe twice', await sh.ssubscribe('{t1}:c'), await sh.ssubscribe('{t1}:c'), 'group channels', JSON.stringify([...(sh as any).shardedSubscribers.channels.entries()]));
log('sunsubscribe', await sh.sunsubscribe('{t1}:c'), 'group channels', JSON.stringify([...(sh as any).shardedSubscribers.channels.entries()]));
// keyPrefix + hash tags
await Promise.all([sh0, c, sh].map(x => x.disconnect()));
await topo.stop();
