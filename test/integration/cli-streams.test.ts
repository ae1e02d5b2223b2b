import { describe, expect, it } from 'vitest';
import { DurableEventBus } from '../../src/index.js';
import { useRedisServer } from '../support/redis-server.js';
import { useTestBuses } from '../support/test-buses.js';
import { deferred, waitFor } from '../support/wait-for.js';
import { herald, heraldJson } from './cli-harness.js';

const redis = useRedisServer();
const bed = useTestBuses(redis, { shutdownTimeoutMs: 500 });

describe('herald streams', () => {
  it('shows each stream with its length, and per group the pending count, lag and consumers', async () => {
    const held = deferred();
    const started: string[] = [];
    const billing = bed.track(new DurableEventBus({ redisUrl: redis.url, prefix: bed.prefix, group: 'billing', consumer: 'billing-1', logger: false, startFrom: 'earliest' }));
    billing.subscribe('order.placed', async (event) => {
      started.push(event.id);
      await held.promise;
    }, { name: 'charge' });
    await billing.start();
    for (let n = 0; n < 3; n++) await billing.publish({ type: 'order.placed', payload: { n } });
    await billing.publish({ type: 'order.shipped', payload: {} });
    await waitFor(() => started.length === 3, { message: () => `billing started ${started.length} of 3` });

    const { run, doc } = await heraldJson(['streams', '--redis-url', redis.url, '--prefix', bed.prefix]);
    const text = await herald(['streams', '--redis-url', redis.url, '--prefix', bed.prefix]);
    held.resolve();

    expect(run.code).toBe(0);
    expect(doc).toEqual({
      prefix: bed.prefix,
      streams: [
        {
          type: 'order.placed',
          stream: `${bed.prefix}:stream|order.placed`,
          length: 3,
          groups: [{ name: 'billing', pending: 3, lag: 0, lastDeliveredId: expect.any(String), consumers: [{ name: 'billing-1', pending: 3, idleMs: expect.any(Number) }] }],
        },
        { type: 'order.shipped', stream: `${bed.prefix}:stream|order.shipped`, length: 1, groups: [] },
      ],
    });
    expect(text.stdout).toMatch(/^order\.placed: 3 entries \(.*:stream\|order\.placed\)\n {2}GROUP\s+PENDING\s+LAG\s+CONSUMERS\s+LAST READ\n {2}billing\s+3\s+0\s+1\s+\d+-\d+\n {4}billing-1\s+3\s+idle \d/);
    expect(text.stdout).toContain('order.shipped: 1 entry');
    expect(text.stdout).toContain('no consumer group reads it');
  });

  it('says so when the prefix has no streams', async () => {
    const { code, stdout } = await herald(['streams', '--redis-url', redis.url, '--prefix', bed.prefix]);
    expect(code).toBe(0);
    expect(stdout).toBe(`No event streams under prefix "${bed.prefix}". Durable mode creates one per event type on its first publish.\n`);
  });

  it('exits 1 when Redis is unreachable, without printing the password', async () => {
    const { code, stdout, stderr } = await herald(['streams', '--redis-url', 'redis://ops:s3cret@127.0.0.1:1/0']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/Cannot reach Redis at redis:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:1/);
    expect(stdout + stderr).not.toContain('s3cret');
  });
});
