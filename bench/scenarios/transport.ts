/**
 * Producer/consumer throughput in two separate child processes: start the consumer, wait until
 * it is subscribed, start the producer, tell the consumer when the producer is done, collect.
 * Used by the Pub/Sub scenario (Herald vs raw ioredis) and the retry scenario (Herald vs BullMQ).
 */
import { BenchChild } from '../child.js';
import type {
  PublishArgs,
  PublishResult,
  SubscribeArgs,
  SubscribeReady,
  SubscribeResult,
} from '../workers/protocol.js';
import type { RunEnv } from './types.js';

export interface TransportRun {
  publishPerSec: number;
  deliveredPerSec: number;
  lost: number;
  failedAttempts: number;
  subMaxRssMiB: number;
  subRssReadyMiB: number;
  pubMaxRssMiB: number;
  seconds: number;
  warnings: string[];
}

export interface TransportPlan {
  label: string;
  publisher: string;
  subscriber: string;
  n: number;
  mode: SubscribeArgs['mode'];
  concurrency?: number;
}

export async function runTransport(plan: TransportPlan, env: RunEnv): Promise<TransportRun> {
  const deadlineMs = env.sizes.childTimeoutMs;
  const subArgs: SubscribeArgs = {
    redisUrl: env.redisUrl,
    deadlineMs,
    n: plan.n,
    mode: plan.mode,
    stallMs: env.sizes.stallMs,
    ...(plan.concurrency !== undefined ? { concurrency: plan.concurrency } : {}),
  };
  // The parent's own limit sits a little above the child's deadline so the child can report first.
  const sub = new BenchChild(`${plan.label} subscriber`, plan.subscriber, subArgs, deadlineMs + 5000);
  let pub: BenchChild | undefined;
  try {
    await sub.expect<SubscribeReady>('ready');
    const pubArgs: PublishArgs = { redisUrl: env.redisUrl, deadlineMs, n: plan.n, batch: 1000 };
    pub = new BenchChild(`${plan.label} publisher`, plan.publisher, pubArgs, deadlineMs + 5000);
    const published = await pub.expect<PublishResult>('result');
    sub.send({ type: 'published' });
    const handled = await sub.expect<SubscribeResult>('result');
    await Promise.all([pub.closed(), sub.closed()]);
    const e2eMs = handled.tLast - published.t0;
    const warnings = [...pub.warnings, ...sub.warnings];
    const lost = plan.n - handled.handled;
    if (lost > 0) {
      const s = handled.busStats;
      const stats = s === undefined ? '' : `; subscriber bus.stats(): received ${s.received}, handled ${s.handled}, retried ${s.retried}, deadLettered ${s.deadLettered}, buffered ${s.buffered}, inFlight ${s.inFlight}`;
      warnings.push(`${plan.label}: ${lost} of ${plan.n} events were not fully handled${stats}`);
    }
    return {
      publishPerSec: published.published / ((published.t1 - published.t0) / 1000),
      deliveredPerSec: handled.handled > 0 ? handled.handled / (e2eMs / 1000) : 0,
      lost,
      failedAttempts: handled.failedAttempts,
      subMaxRssMiB: handled.maxRssMiB,
      subRssReadyMiB: handled.rssReadyMiB,
      pubMaxRssMiB: published.maxRssMiB,
      seconds: e2eMs / 1000,
      warnings,
    };
  } finally {
    pub?.kill();
    sub.kill();
  }
}
