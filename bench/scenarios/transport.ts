/**
 * Producer/consumer throughput in two separate child processes: start both, wait until the
 * consumer is subscribed, let the producer go, tell the consumer when the producer is done,
 * collect. Used by the Pub/Sub scenario (Herald vs raw ioredis), the retry scenario (Herald vs
 * BullMQ) and the durable scenario, which also runs it in backlog order: the producer first and
 * alone, then the consumer drains what waits for it. Both children are forked together (the
 * second one waits at its gate) so their start-ups overlap outside the measured window.
 */
import { BenchChild } from '../child.js';
import type {
  Observe,
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
  /** Herald workers: durable mode instead of Pub/Sub. */
  durable?: boolean;
  /** Herald workers: metrics and/or tracing on, in publisher and subscriber alike. */
  observe?: Observe;
  /**
   * Publish everything before the consumer starts (durable transports only); the rate is then
   * taken from the consumer's start to its last handled event.
   */
  backlog?: boolean;
  /** Herald publisher: opt-in micro-batching. */
  batching?: boolean;
  /** Herald workers: signing on the publisher, verification on the subscriber. */
  signed?: boolean;
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
    ...(plan.durable !== undefined ? { durable: plan.durable } : {}),
    ...(plan.backlog !== undefined ? { backlog: plan.backlog } : {}),
    ...(plan.observe !== undefined ? { observe: plan.observe } : {}),
    ...(plan.signed !== undefined ? { signed: plan.signed } : {}),
  };
  const pubArgs: PublishArgs = {
    redisUrl: env.redisUrl,
    deadlineMs,
    n: plan.n,
    batch: 1000,
    ...(plan.durable !== undefined ? { durable: plan.durable } : {}),
    ...(plan.batching !== undefined ? { batching: plan.batching } : {}),
    ...(plan.observe !== undefined ? { observe: plan.observe } : {}),
    ...(plan.signed !== undefined ? { signed: plan.signed } : {}),
  };
  // The parent's own limit sits a little above the child's deadline so the child can report first.
  const sub = new BenchChild(`${plan.label} subscriber`, plan.subscriber, subArgs, deadlineMs + 5000);
  const pub = new BenchChild(`${plan.label} publisher`, plan.publisher, pubArgs, deadlineMs + 5000);
  const go = async (child: BenchChild): Promise<void> => {
    await child.expect('waiting');
    child.send({ type: 'go' });
  };
  try {
    let published: PublishResult;
    if (plan.backlog === true) {
      await go(pub);
      published = await pub.expect<PublishResult>('result');
      // Its shutdown must not share the CPU with the drain.
      await pub.closed();
      await go(sub);
      await sub.expect<SubscribeReady>('ready');
    } else {
      await sub.expect<SubscribeReady>('ready');
      await go(pub);
      published = await pub.expect<PublishResult>('result');
    }
    sub.send({ type: 'published' });
    const handled = await sub.expect<SubscribeResult>('result');
    await Promise.all([pub.closed(), sub.closed()]);
    const from = plan.backlog === true ? handled.tStart : published.t0;
    if (from === undefined) throw new Error(`${plan.label}: the subscriber did not report when it started consuming`);
    const e2eMs = handled.tLast - from;
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
    pub.kill();
    sub.kill();
  }
}
