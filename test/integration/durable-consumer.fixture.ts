/**
 * A durable-mode service instance for the crash tests, run as its own process:
 *
 *   node --import tsx durable-consumer.fixture.ts <redisUrl> <prefix> <instanceId>
 *
 * Group `shop`, claimIdleMs 300. Its `bill` handler of order.placed records
 * each call in the list `<prefix>:test:calls` and then never returns, so the
 * event stays pending on this consumer until the test SIGKILLs the process.
 * Prints `ready` once started.
 */
import { Redis } from 'ioredis';
import { DurableEventBus } from '../../src/index.js';

const [redisUrl, prefix, instanceId] = process.argv.slice(2) as [string, string, string];
const redis = new Redis(redisUrl);
const bus = new DurableEventBus({ redisUrl, prefix, instanceId, group: 'shop', claimIdleMs: 300, logger: false });

bus.subscribe('order.placed', async (envelope) => {
  await redis.rpush(`${prefix}:test:calls`, JSON.stringify({ instance: instanceId, eventId: envelope.id }));
  await new Promise(() => {});
}, { name: 'bill' });

await bus.start();
process.stdout.write('ready\n');
