/**
 * Scenarios 1 and 5: Pub/Sub throughput with 3 handlers, publisher and subscriber in separate
 * processes; Herald vs raw ioredis (auto-pipelining, 1000 in flight). The subscriber's peak RSS
 * from the same runs is scenario 5. Herald's side then runs again with metrics, tracing, and
 * both on, each compared with its own default run, and with the same spans made by hand around
 * a bus whose tracing is off (the SDK's floor under the traced rows).
 */
import type { Observe } from '../workers/protocol.js';
import { runTransport } from './transport.js';
import type { Figures, RunEnv, Scenario } from './types.js';

const OBSERVED: readonly Observe[] = ['metrics', 'tracing', 'both', 'hand-made', 'sampled', 'hand-made-sampled', 'api'];

export const pubsubScenario: Scenario = {
  id: 'pubsub',
  title: 'Pub/Sub throughput + subscriber peak RSS',
  async run(side, env) {
    const r = await runTransport(
      {
        label: `pubsub/${side}`,
        publisher: side === 'herald' ? 'herald-pub.ts' : 'peer-pub.ts',
        subscriber: side === 'herald' ? 'herald-sub.ts' : 'peer-sub.ts',
        n: env.sizes.pubsubN,
        mode: 'fanout',
      },
      env,
    );
    const figures: Figures = {
        'pubsub.publish': r.publishPerSec,
        'pubsub.e2e': r.deliveredPerSec,
        'pubsub.lost': r.lost,
        'rss.sub': r.subMaxRssMiB,
        'rss.ready': r.subRssReadyMiB,
        'rss.growth': r.subMaxRssMiB - r.subRssReadyMiB,
        'rss.pub': r.pubMaxRssMiB,
    };
    const warnings = [...r.warnings];
    let summary =
      `published ${fmt(r.publishPerSec)}/s, delivered ${fmt(r.deliveredPerSec)}/s, lost ${r.lost}, ` +
      `sub peak RSS ${r.subMaxRssMiB.toFixed(1)} MiB (${r.seconds.toFixed(1)} s)`;
    if (side === 'herald') {
      // Herald again with opt-in micro-batching, against the same peer run (per-message publishing).
      const batched = await runTransport(
        { label: 'pubsub/herald batching', publisher: 'herald-pub.ts', subscriber: 'herald-sub.ts', n: env.sizes.pubsubN, mode: 'fanout', batching: true },
        env,
      );
      Object.assign(figures, { 'pubsub.batch.e2e': batched.deliveredPerSec, 'pubsub.batch.publish': batched.publishPerSec, 'pubsub.batch.lost': batched.lost });
      warnings.push(...batched.warnings);
      summary += `; batching: published ${fmt(batched.publishPerSec)}/s, delivered ${fmt(batched.deliveredPerSec)}/s, lost ${batched.lost}`;
      // Herald again with signing on the publisher and verification on the subscriber (issue 10's cost row).
      await env.flush();
      const signed = await runTransport(
        { label: 'pubsub/herald signed', publisher: 'herald-pub.ts', subscriber: 'herald-sub.ts', n: env.sizes.pubsubN, mode: 'fanout', signed: true },
        env,
      );
      Object.assign(figures, { 'pubsub.e2e.signed': signed.deliveredPerSec, 'pubsub.publish.signed': signed.publishPerSec, 'pubsub.lost.signed': signed.lost });
      warnings.push(...signed.warnings);
      summary += `; signed and verified: delivered ${fmt(signed.deliveredPerSec)}/s, lost ${signed.lost}`;
      for (const observe of OBSERVED) {
        const o = await runObserved(observe, env);
        Object.assign(figures, { [`pubsub.e2e.${observe}`]: o.deliveredPerSec, [`pubsub.publish.${observe}`]: o.publishPerSec, [`pubsub.lost.${observe}`]: o.lost });
        warnings.push(...o.warnings);
        summary += `; ${observe} on: delivered ${fmt(o.deliveredPerSec)}/s, lost ${o.lost}`;
      }
    }
    return { figures, warnings, summary };
  },
};

async function runObserved(observe: Observe, env: RunEnv) {
  await env.flush();
  return runTransport(
    { label: `pubsub/herald+${observe}`, publisher: 'herald-pub.ts', subscriber: 'herald-sub.ts', n: env.sizes.pubsubN, mode: 'fanout', observe },
    env,
  );
}

export function fmt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
