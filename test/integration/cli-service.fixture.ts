/**
 * A service instance for the CLI tests, run as its own process:
 *
 *   node --import tsx cli-service.fixture.ts <redisUrl> <prefix> <instanceId>
 *
 * It subscribes `send-receipt` and `audit` to order.placed, prints `ready`
 * once started, and shuts down on SIGTERM. `send-receipt` does what the Redis
 * key `<prefix>:test:mode` says when it runs — `fail`, `ok`, `slow` (500 ms)
 * or `hang` (never returns) — and every call of either handler is recorded in
 * the list `<prefix>:test:calls` as JSON, so tests see calls across processes.
 */
import { Redis } from 'ioredis';
import { simulateWork } from '../support/wait-for.js';
import { RedisEventBus } from '../../src/index.js';

const [redisUrl, prefix, instanceId] = process.argv.slice(2) as [string, string, string];
const redis = new Redis(redisUrl);
const bus = new RedisEventBus({ redisUrl, prefix, instanceId, service: 'shop', logger: false, retry: { retries: 0 } });

async function record(handler: string, envelope: { id: string; correlationId: string; headers?: Record<string, string> }, phase: string) {
  const call = { instance: instanceId, handler, phase, eventId: envelope.id, correlationId: envelope.correlationId, headers: envelope.headers ?? {} };
  await redis.rpush(`${prefix}:test:calls`, JSON.stringify(call));
}

bus.subscribe('order.placed', async (envelope) => {
  const mode = (await redis.get(`${prefix}:test:mode`)) ?? 'fail';
  await record('send-receipt', envelope, 'started');
  if (mode === 'fail') throw new Error('mail server down');
  if (mode === 'hang') await new Promise(() => {});
  if (mode === 'slow') await simulateWork(500);
  await record('send-receipt', envelope, 'done');
}, { name: 'send-receipt' });

bus.subscribe('order.placed', (envelope) => record('audit', envelope, 'done'), { name: 'audit' });

process.on('SIGTERM', () => {
  void bus.shutdown({ timeoutMs: 1_000 }).finally(() => {
    redis.disconnect();
    process.exit(0);
  });
});

await bus.start();
process.stdout.write('ready\n');
