/**
 * Scenario 3: 10 % of handler calls fail once (retry backoff 10 ms), producer and consumer in
 * separate processes on both sides. Herald: Pub/Sub, 1 handler, retry options
 * `{ retries: 2, minTimeoutMs: 10, jitter: false }`, run twice: with the bus defaults
 * (concurrency 100) and with concurrency 50 like the BullMQ worker. Peer: BullMQ, concurrency 50,
 * attempts 3, exponential backoff 10 ms.
 */
import { fmt } from './pubsub.js';
import { runTransport, type TransportRun } from './transport.js';
import type { Figures, RunEnv, Scenario, ScenarioOutput, Side } from './types.js';

export const BULLMQ_CONCURRENCY = 50;

function describe(r: TransportRun): string {
  return (
    `sent ${fmt(r.publishPerSec)}/s, completed ${fmt(r.deliveredPerSec)}/s, failed attempts ${r.failedAttempts}, ` +
    `not completed ${r.lost} (${r.seconds.toFixed(1)} s)`
  );
}

function transport(side: Side, env: RunEnv, label: string, concurrency?: number): Promise<TransportRun> {
  return runTransport(
    {
      label,
      publisher: side === 'herald' ? 'herald-pub.ts' : 'bullmq-producer.ts',
      subscriber: side === 'herald' ? 'herald-sub.ts' : 'bullmq-worker.ts',
      n: env.sizes.retryN,
      mode: 'retry',
      ...(concurrency !== undefined ? { concurrency } : {}),
    },
    env,
  );
}

async function runHerald(env: RunEnv): Promise<ScenarioOutput> {
  const defaults = await transport('herald', env, 'retry/herald');
  const c50 = await transport('herald', env, 'retry/herald-c50', BULLMQ_CONCURRENCY);
  const figures: Figures = {
    'retry.publish': defaults.publishPerSec,
    'retry.e2e': defaults.deliveredPerSec,
    'retry.failed': defaults.failedAttempts,
    'retry.lost': defaults.lost,
    'retry.c50.e2e': c50.deliveredPerSec,
    'retry.c50.lost': c50.lost,
  };
  return {
    figures,
    warnings: [...defaults.warnings, ...c50.warnings],
    summary: `default concurrency: ${describe(defaults)}; concurrency 50: ${describe(c50)}`,
  };
}

async function runBullmq(env: RunEnv): Promise<ScenarioOutput> {
  const r = await transport('peer', env, 'retry/bullmq', BULLMQ_CONCURRENCY);
  const figures: Figures = {
    'retry.publish': r.publishPerSec,
    'retry.e2e': r.deliveredPerSec,
    'retry.failed': r.failedAttempts,
    'retry.lost': r.lost,
  };
  return { figures, warnings: r.warnings, summary: describe(r) };
}

export const retryScenario: Scenario = {
  id: 'retry',
  title: '10 % of handler calls failing once',
  run: (side, env) => (side === 'herald' ? runHerald(env) : runBullmq(env)),
};
