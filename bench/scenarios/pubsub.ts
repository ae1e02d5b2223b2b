/**
 * Scenarios 1 and 5: Pub/Sub throughput with 3 handlers, publisher and subscriber in separate
 * processes; Herald vs raw ioredis (auto-pipelining, 1000 in flight). The subscriber's peak RSS
 * from the same runs is scenario 5.
 */
import { runTransport } from './transport.js';
import type { Scenario } from './types.js';

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
    // Herald again with opt-in micro-batching, against the same peer run (per-message publishing).
    const batched =
      side === 'herald'
        ? await runTransport({ label: 'pubsub/herald batching', publisher: 'herald-pub.ts', subscriber: 'herald-sub.ts', n: env.sizes.pubsubN, mode: 'fanout', batching: true }, env)
        : undefined;
    return {
      figures: {
        ...(batched ? { 'pubsub.batch.e2e': batched.deliveredPerSec, 'pubsub.batch.publish': batched.publishPerSec, 'pubsub.batch.lost': batched.lost } : {}),
        'pubsub.publish': r.publishPerSec,
        'pubsub.e2e': r.deliveredPerSec,
        'pubsub.lost': r.lost,
        'rss.sub': r.subMaxRssMiB,
        'rss.ready': r.subRssReadyMiB,
        'rss.growth': r.subMaxRssMiB - r.subRssReadyMiB,
        'rss.pub': r.pubMaxRssMiB,
      },
      warnings: [...r.warnings, ...(batched?.warnings ?? [])],
      summary:
        `published ${fmt(r.publishPerSec)}/s, delivered ${fmt(r.deliveredPerSec)}/s, lost ${r.lost}, ` +
        `sub peak RSS ${r.subMaxRssMiB.toFixed(1)} MiB (${r.seconds.toFixed(1)} s)` +
        (batched ? `; batching: published ${fmt(batched.publishPerSec)}/s, delivered ${fmt(batched.deliveredPerSec)}/s, lost ${batched.lost}` : ''),
    };
  },
};

export function fmt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
