// Experiment: SENTINEL FAILOVER (old primary stays up and is demoted) with ioredis failoverDetector off and on.
// Run: npx tsx docs/notes/experiments/sentinel-manual-failover.ts
import { Redis } from 'ioredis';
import { RedisSentinel } from '../../../test/support/redis-sentinel.js';
import { sendToNode } from '../../../test/support/node-command.js';
const log = (...a: unknown[]) => console.log(...a);
const topo = await RedisSentinel.start();
for (const fd of [false, true]) {
  const c = new Redis({ sentinels: topo.sentinelAddresses, name: topo.masterName, failoverDetector: fd });
  c.on('error', () => {});
  await c.set('k', '0');
  const before = await topo.primary();
  const outcomes: { at: number; ms: number; ok: boolean; err?: string }[] = []; let stop = false;
  const writer = (async () => { while (!stop) { const s = performance.now(); c.set('k', String(s)).then(() => outcomes.push({ at: s, ms: performance.now() - s, ok: true }), (e: Error) => outcomes.push({ at: s, ms: performance.now() - s, ok: false, err: e.message })); await new Promise(r => setTimeout(r, 20)); } })();
  await new Promise(r => setTimeout(r, 200));
  const at = performance.now();
  await sendToNode(topo.sentinels[0]!.port, 'SENTINEL', ['FAILOVER', topo.masterName]);
  const fo = await topo.waitForFailover({ server: before, at });
  await new Promise(r => setTimeout(r, 3000)); stop = true; await writer; await new Promise(r => setTimeout(r, 500));
  const failed = outcomes.filter(o => !o.ok);
  const byErr = new Map<string, number>(); for (const o of failed) byErr.set(o.err!.slice(0, 70), (byErr.get(o.err!.slice(0, 70)) ?? 0) + 1);
  const lastFail = failed.length ? Math.round(Math.max(...failed.map(o => o.at + o.ms)) - at) : undefined;
  log(`failoverDetector=${fd}: manual failover seen +${fo.elapsedMs} ms; writes ${outcomes.length}, failed ${failed.length}`, [...byErr], 'last failure completed +', lastFail, 'max latency', Math.round(Math.max(...outcomes.map(o => o.ms))));
  c.disconnect();
  await topo.waitUntilHealthy(20000);
}
await topo.stop();
