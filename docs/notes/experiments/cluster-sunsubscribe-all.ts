// Experiment: SUNSUBSCRIBE without channels on an ioredis 5.11.1 Cluster with shardedSubscribers.
// Run: npx tsx docs/notes/experiments/cluster-sunsubscribe-all.ts
// Observed: the process dies with "TypeError: Cannot read properties of undefined (reading '0')"
// thrown from ClusterSubscriberGroup.getResponsibleSubscriber (no slot for a command without channels; ioredis#2133).
import { Cluster } from 'ioredis';
import { RedisCluster } from '../../../test/support/redis-cluster.js';
const topo = await RedisCluster.start();
const sh = new Cluster(topo.seeds, { shardedSubscribers: true });
sh.on('error', (e) => console.log('error event', e.message));
await sh.ssubscribe('{a}:c');
await sh.ssubscribe('{b}:c');
console.log('sunsubscribe() with channels:', await sh.sunsubscribe('{a}:c'));
console.log('quit():', await sh.quit());
const again = new Cluster(topo.seeds, { shardedSubscribers: true });
await again.ssubscribe('{a}:c');
console.log('now sunsubscribe() without channels…');
await again.sunsubscribe().catch((error: Error) => console.log('rejected:', error.message));
console.log('not reached when the process crashed');
await topo.stop();
