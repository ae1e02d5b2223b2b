// Experiment: publishes and a subscriber through Sentinel while the primary is SIGKILLed and failed over.
// Run: npx tsx docs/notes/experiments/sentinel-failover-in-flight.ts   (extra ioredis options as JSON in OPTS)
import { Redis } from 'ioredis';
import { RedisSentinel } from '../../../test/support/redis-sentinel.js';
const log = (...a: unknown[]) => console.log(...a);
const t0 = performance.now();
const topo = await RedisSentinel.start();
log('start ms', Math.round(performance.now() - t0));
const extra = JSON.parse(process.env.OPTS ?? '{}');
const base = { sentinels: topo.sentinelAddresses, name: topo.masterName, ...extra };
const c = new Redis(base);
const events: string[] = []; for (const ev of ['close', 'reconnecting', 'ready', 'end', '+switch-master', 'failoverSubscribed']) c.on(ev, () => events.push(`${ev}@${Math.round(performance.now() - (kill?.at ?? 0))}`));
c.on('error', (e) => events.push(`error:${e.message.slice(0, 60)}@${Math.round(performance.now() - (kill?.at ?? 0))}`));
let kill: Awaited<ReturnType<typeof topo.killPrimary>> | undefined;
await c.set('k', '0'); log('connected to', c.options.port);
const sub = new Redis(base); sub.on('error', () => {});
await sub.subscribe('chan');
const recv = new Map<number, number>(); sub.on('message', (_ch: string, m: string) => recv.set(Number(m), performance.now()));
type Outcome = { at: number; ms: number; ok: boolean; err?: string };
const outcomes: Outcome[] = []; let stop = false; let seq = 0; const pubAt = new Map<number, number>();
const writer = (async () => { while (!stop) { const s = performance.now(); const n = ++seq; pubAt.set(n, s); c.publish('chan', String(n)).then(() => outcomes.push({ at: s, ms: performance.now() - s, ok: true }), (e: Error) => outcomes.push({ at: s, ms: performance.now() - s, ok: false, err: e.message })); await new Promise(r => setTimeout(r, 20)); } })();
await new Promise(r => setTimeout(r, 300));
kill = await topo.killPrimary();
const fo = await topo.waitForFailover(kill);
log('failover ms', fo.elapsedMs, 'promoted', fo.promoted.port);
const t = performance.now();
while (performance.now() - t < 20000) { if ([...recv.values()].some(v => v > kill!.at + fo.elapsedMs)) break; await new Promise(r => setTimeout(r, 20)); }
await new Promise(r => setTimeout(r, 1000)); stop = true; await writer; await new Promise(r => setTimeout(r, 3000));
const after = outcomes.filter(o => o.at >= kill!.at);
log('publishes after kill', after.length, 'ok', after.filter(o => o.ok).length, 'failed', after.filter(o => !o.ok).length);
const byErr = new Map<string, number>(); for (const o of after.filter(o => !o.ok)) byErr.set(o.err!, (byErr.get(o.err!) ?? 0) + 1); log('errors', [...byErr]);
log('max latency ms', Math.round(Math.max(...after.map(o => o.ms))));
const okDone = after.filter(o => o.ok).map(o => o.at + o.ms - kill!.at).sort((a, b) => a - b); log('first publish completion after kill +', Math.round(okDone[0]));
const missing: number[] = []; for (let i = 1; i <= seq; i++) if (!recv.has(i)) missing.push(i);
log('pubsub published', seq, 'received', recv.size, 'missing', JSON.stringify(missing.length ? [missing[0], missing[missing.length - 1], missing.length] : []));
if (missing.length) { const last = missing[missing.length - 1]; log('first lost published +', Math.round(pubAt.get(missing[0])! - kill.at), 'last lost published +', Math.round(pubAt.get(last)! - kill.at), 'first received after gap received +', Math.round(recv.get(last + 1)! - kill.at)); }
log('client now on', (c as any).stream?.remotePort, 'status', c.status);
log('events', events.join(' '));
c.disconnect(); sub.disconnect();
await topo.stop();
