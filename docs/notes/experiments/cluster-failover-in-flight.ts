// Experiment: writes, SPUBLISH/PUBLISH and a blocked XREADGROUP while a primary is SIGKILLed and failed over.
// Run: npx tsx docs/notes/experiments/cluster-failover-in-flight.ts   (ioredis Cluster options as JSON in OPTS, e.g. OPTS='{"retryDelayOnFailover":300,"retryDelayOnClusterDown":300}')
import { Cluster } from 'ioredis';
import { RedisCluster } from '../../../test/support/redis-cluster.js';
const log = (...a: unknown[]) => console.log(...a);
const topo = await RedisCluster.start();
const opts = JSON.parse(process.env.OPTS ?? '{}');
const c = new Cluster(topo.seeds, opts);
const errs = new Map<string, number>(); c.on('error', (e) => errs.set('event:' + e.message, (errs.get('event:' + e.message) ?? 0) + 1));
const key = '{t0}:k'; const chan = '{t0}:chan'; const stream = '{t0}:s';
await c.set(key, '0');
const victim = await topo.nodeForKey(key);
// sharded subscriber + publisher
const sh = new Cluster(topo.seeds, { shardedSubscribers: true }); sh.on('error', () => {});
await sh.ssubscribe(chan);
let lastMsg = 0; const recv: number[] = []; const recvAt = new Map<number, number>(); sh.on('smessage', (_c: string, m: string) => { recv.push(Number(m)); recvAt.set(Number(m), performance.now()); lastMsg = performance.now(); });
const pubAt = new Map<number, number>();
// classic subscriber forced onto victim? record where
const cs = new Cluster(topo.seeds); cs.on('error', () => {}); await cs.subscribe('classic');
const classicRecv: number[] = []; cs.on('message', (_c: string, m: string) => classicRecv.push(Number(m)));
log('classic subscriber on', (cs as any).subscriber.getInstance().options.port, 'victim', victim.port);
// blocked XREADGROUP
await c.call('XGROUP', 'CREATE', stream, 'g', '$', 'MKSTREAM');
const reader = new Cluster(topo.seeds, opts); reader.on('error', () => {});
const blockStart = performance.now();
const blocked = reader.call('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', stream, '>').then((r) => `resolved ${JSON.stringify(r)?.slice(0, 60)}`, (e: Error) => `rejected: ${e.message}`).then((s) => `${s} after ${Math.round(performance.now() - blockStart)} ms`);
await new Promise(r => setTimeout(r, 100));
// writer loop
type Outcome = { at: number; ms: number; ok: boolean; err?: string };
const outcomes: Outcome[] = [];
let stop = false; let seq = 0;
const writer = (async () => { while (!stop) { const s = performance.now(); const n = ++seq; const p = c.set(key, String(n)).then(() => outcomes.push({ at: s, ms: performance.now() - s, ok: true }), (e: Error) => outcomes.push({ at: s, ms: performance.now() - s, ok: false, err: e.message })); void p; await new Promise(r => setTimeout(r, 20)); } })();
let pseq = 0; const pubber = (async () => { while (!stop) { const n = ++pseq; pubAt.set(n, performance.now()); c.spublish(chan, String(n)).catch(() => {}); c.publish('classic', String(n)).catch(() => {}); await new Promise(r => setTimeout(r, 20)); } })();
await new Promise(r => setTimeout(r, 300));
const kill = await topo.kill(victim);
const fo = await topo.waitForFailover(kill);
log('failover ms', fo.elapsedMs);
// wait until a write started after failover seen succeeds, and messages resume
const t = performance.now();
while (performance.now() - t < 15000) { if (lastMsg > kill.at + fo.elapsedMs && outcomes.some(o => o.ok && o.at > kill.at + 100)) break; await new Promise(r => setTimeout(r, 20)); }
await new Promise(r => setTimeout(r, 1500));
stop = true; await writer; await pubber;
await new Promise(r => setTimeout(r, 12000));
const after = outcomes.filter(o => o.at >= kill.at);
const firstOkStartedAfterKill = after.find(o => o.ok);
log('writes started after kill', after.length, 'ok', after.filter(o => o.ok).length, 'failed', after.filter(o => !o.ok).length);
const byErr = new Map<string, number>(); for (const o of after.filter(o => !o.ok)) byErr.set(o.err!, (byErr.get(o.err!) ?? 0) + 1); log('errors', [...byErr]);
log('max latency of a write started after kill ms', Math.round(Math.max(...after.map(o => o.ms))));
log('first successful write issued after kill: issued +', Math.round(firstOkStartedAfterKill!.at - kill.at), 'completed +', Math.round(firstOkStartedAfterKill!.at + firstOkStartedAfterKill!.ms - kill.at));
const okDone = after.filter(o => o.ok).map(o => o.at + o.ms - kill.at).sort((a, b) => a - b); log('first write completion after kill +', Math.round(okDone[0]));
const missing: number[] = []; const got = new Set(recv); for (let i = 1; i <= pseq; i++) if (!got.has(i)) missing.push(i);
log('sharded: published', pseq, 'received', got.size, 'missing ranges', JSON.stringify(missing.length ? [missing[0], missing[missing.length-1], missing.length] : []));
const cg = new Set(classicRecv); const cm: number[] = []; for (let i = 1; i <= pseq; i++) if (!cg.has(i)) cm.push(i);
if (missing.length) { const last = missing[missing.length-1]; log('sharded: last lost published at +', Math.round(pubAt.get(last)! - kill.at), 'first received after gap: #', last+1, 'published +', Math.round(pubAt.get(last+1)! - kill.at), 'received +', Math.round(recvAt.get(last+1)! - kill.at)); log('sharded: first lost published at +', Math.round(pubAt.get(missing[0])! - kill.at)); }
log('classic: received', cg.size, 'missing', JSON.stringify(cm.length ? [cm[0], cm[cm.length-1], cm.length] : []));
await c.call('XADD', stream, '*', 'f', 'v');
log('blocked XREADGROUP after an XADD post-failover:', await Promise.race([blocked, new Promise(r => setTimeout(() => r('still pending'), 100))]));
log('error events', [...errs]);
await Promise.all([c, sh, cs, reader].map(x => { x.disconnect(); }));
await topo.stop();
