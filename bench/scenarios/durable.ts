/**
 * Scenario 6: durable mode. Herald's DurableEventBus (one consumer group, 3 handlers, default
 * options) on the Herald side; two peers on the peer side: raw Redis Streams with a consumer
 * group, and BullMQ at concurrency 50. Each of the three runs the same measurements, each on an
 * emptied Redis: end to end (publisher and consumer running together, separate processes),
 * backlog (publisher alone first, then the consumer drains the stream or queue), and latency
 * publish → every handler started at 1,000/s.
 */
import { BenchChild } from '../child.js';
import type { LatencyArgs, LatencyResult, RateLatency } from '../workers/protocol.js';
import { fmt } from './pubsub.js';
import { BULLMQ_CONCURRENCY } from './retry.js';
import { runTransport, type TransportRun } from './transport.js';
import type { RunEnv, Scenario, ScenarioOutput } from './types.js';

export const DURABLE_LATENCY_RATE = 1_000;

interface Contender {
  /** Figure ids start with this (see table.ts); raw Streams shares Herald's, being the main peer. */
  prefix: string;
  label: string;
  publisher: string;
  subscriber: string;
  latency: string;
  durable?: boolean;
  concurrency?: number;
  batching?: boolean;
}

const HERALD: Contender = {
  prefix: 'durable',
  label: 'durable/herald',
  publisher: 'herald-pub.ts',
  subscriber: 'herald-sub.ts',
  latency: 'herald-latency.ts',
  durable: true,
};

const RAW_STREAMS: Contender = {
  prefix: 'durable',
  label: 'durable/raw-streams',
  publisher: 'peer-streams-pub.ts',
  subscriber: 'peer-streams-sub.ts',
  latency: 'peer-streams-latency.ts',
};

const BULLMQ: Contender = {
  prefix: 'durable.bullmq',
  label: 'durable/bullmq',
  publisher: 'bullmq-producer.ts',
  subscriber: 'bullmq-worker.ts',
  latency: 'bullmq-latency.ts',
  concurrency: BULLMQ_CONCURRENCY,
};

function throughput(c: Contender, env: RunEnv, backlog: boolean): Promise<TransportRun> {
  return runTransport(
    {
      label: `${c.label}${backlog ? ' backlog' : ''}`,
      publisher: c.publisher,
      subscriber: c.subscriber,
      n: env.sizes.durableN,
      mode: 'fanout',
      backlog,
      ...(c.durable !== undefined ? { durable: c.durable } : {}),
      ...(c.concurrency !== undefined ? { concurrency: c.concurrency } : {}),
      ...(c.batching !== undefined ? { batching: c.batching } : {}),
    },
    env,
  );
}

async function latency(c: Contender, env: RunEnv): Promise<{ rate: RateLatency; warnings: string[] }> {
  const { sizes } = env;
  const args: LatencyArgs = {
    redisUrl: env.redisUrl,
    deadlineMs: sizes.childTimeoutMs,
    rates: [DURABLE_LATENCY_RATE],
    warmupMs: sizes.durableLatencyWarmupMs,
    durationMs: sizes.durableLatencyDurationMs,
    drainMs: 1000,
    ...(c.durable !== undefined ? { durable: c.durable } : {}),
  };
  const label = `${c.label} latency`;
  const child = new BenchChild(label, c.latency, args, sizes.childTimeoutMs + 5000);
  try {
    const result = await child.expect<LatencyResult>('result');
    await child.closed();
    const rate = result.rates[0];
    if (rate === undefined) throw new Error(`${label}: no figures for ${DURABLE_LATENCY_RATE}/s`);
    const warnings = [...child.warnings];
    if (rate.missing + rate.publishErrors > 0) {
      warnings.push(`${label} @${rate.rate}/s: ${rate.missing} samples missing, ${rate.publishErrors} publish errors`);
    }
    return { rate, warnings };
  } finally {
    child.kill();
  }
}

async function measure(c: Contender, env: RunEnv): Promise<ScenarioOutput> {
  await env.flush();
  const e2e = await throughput(c, env, false);
  await env.flush();
  const drain = await throughput(c, env, true);
  await env.flush();
  const lat = await latency(c, env);
  const r = lat.rate;
  const p = c.prefix;
  // Herald again with opt-in micro-batching (end to end and backlog), against the same raw Streams runs.
  let batched: { e2e: TransportRun; drain: TransportRun } | undefined;
  if (c === HERALD) {
    const b = { ...HERALD, label: 'durable/herald batching', batching: true };
    await env.flush();
    const be2e = await throughput(b, env, false);
    await env.flush();
    batched = { e2e: be2e, drain: await throughput(b, env, true) };
  }
  return {
    figures: {
      ...(batched
        ? {
            'durable.batch.e2e': batched.e2e.deliveredPerSec,
            'durable.batch.drain': batched.drain.deliveredPerSec,
            'durable.batch.lost': batched.e2e.lost + batched.drain.lost,
          }
        : {}),
      [`${p}.e2e`]: e2e.deliveredPerSec,
      [`${p}.e2e.lost`]: e2e.lost,
      [`${p}.publish`]: e2e.publishPerSec,
      [`${p}.drain`]: drain.deliveredPerSec,
      [`${p}.drain.lost`]: drain.lost,
      [`${p}.lost`]: e2e.lost + drain.lost,
      [`${p}.p50`]: r.p50,
      [`${p}.p99`]: r.p99,
      [`${p}.missing`]: r.missing + r.publishErrors,
    },
    warnings: [...e2e.warnings, ...drain.warnings, ...lat.warnings, ...(batched ? [...batched.e2e.warnings, ...batched.drain.warnings] : [])],
    summary:
      `end to end: sent ${fmt(e2e.publishPerSec)}/s, delivered ${fmt(e2e.deliveredPerSec)}/s, not handled ${e2e.lost} (${e2e.seconds.toFixed(1)} s); ` +
      `backlog: drained ${fmt(drain.deliveredPerSec)}/s, not handled ${drain.lost} (${drain.seconds.toFixed(1)} s); ` +
      `@${r.rate}/s p50 ${r.p50.toFixed(3)} p99 ${r.p99.toFixed(3)} ms (${r.samples} samples, ${r.missing} missing)` +
      (batched
        ? `; batching: delivered ${fmt(batched.e2e.deliveredPerSec)}/s end to end, drained ${fmt(batched.drain.deliveredPerSec)}/s, not handled ${batched.e2e.lost + batched.drain.lost}`
        : ''),
  };
}

async function measurePeers(env: RunEnv): Promise<ScenarioOutput> {
  const streams = await measure(RAW_STREAMS, env);
  const bullmq = await measure(BULLMQ, env);
  return {
    figures: { ...streams.figures, ...bullmq.figures },
    warnings: [...streams.warnings, ...bullmq.warnings],
    summary: `raw Streams: ${streams.summary}\n         BullMQ: ${bullmq.summary}`,
  };
}

export const durableScenario: Scenario = {
  id: 'durable',
  title: 'Durable mode vs raw Redis Streams vs BullMQ',
  run: (side, env) => (side === 'herald' ? measure(HERALD, env) : measurePeers(env)),
};
