/**
 * A refused password on a Redis Cluster fails fast with RedisAuthError, as on a
 * single node (issue 10, item 5; issue 15): ioredis reports it wrapped in
 * "Failed to refresh slots cache", and retrying cannot fix it.
 */
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { RedisAuthError, RedisEventBus } from '../../src/index.js';
import { clusterUnavailable, useRedisCluster } from '../support/redis-cluster.js';
import { uniquePrefix } from '../support/wait-for.js';
import { heraldJson } from './cli-harness.js';

const PASSWORD = 'cluster-secret-0123456789';
const topology = useRedisCluster({ replicasPerPrimary: 0 });

const urlWith = (password: string) =>
  `redis+cluster://:${password}@${topology.cluster.seeds.map(({ host, port }) => `${host}:${port}`).join(',')}`;

describe.skipIf(clusterUnavailable)('a Redis Cluster that requires a password', () => {
  beforeAll(async () => {
    for (const node of topology.cluster.nodes) {
      const admin = new Redis(node.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await admin.connect();
      await admin.config('SET', 'requirepass', PASSWORD);
      admin.disconnect();
    }
  });

  it('refuses a wrong password at once with RedisAuthError, without the password in the error', async () => {
    const bus = new RedisEventBus({ redisUrl: urlWith('not-the-password'), prefix: uniquePrefix(), logger: false, connectTimeoutMs: 15_000 });
    const t0 = performance.now();
    const error = await bus.start().then(() => undefined, (e: unknown) => e);
    const elapsedMs = performance.now() - t0;
    await bus.shutdown({ timeoutMs: 1_000 }).catch(() => {});

    expect(error).toBeInstanceOf(RedisAuthError);
    expect(error).toMatchObject({ reason: 'wrong-password' });
    expect(elapsedMs).toBeLessThan(10_000);
    const { inspect } = await import('node:util');
    expect(inspect(error, { depth: 10 })).not.toContain('not-the-password');
  });

  it('makes `herald dlq count` fail fast with code redis-auth', async () => {
    const t0 = performance.now();
    const { run, doc } = await heraldJson(['dlq', 'count', '--json', '--redis-url', urlWith('not-the-password'), '--prefix', uniquePrefix()]);
    expect(run.code).toBe(1);
    expect(doc).toMatchObject({ error: { code: 'redis-auth' } });
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(run.stdout + run.stderr).not.toContain('not-the-password');
  });

  it('starts with the right password (the control)', async () => {
    const bus = new RedisEventBus({ redisUrl: urlWith(PASSWORD), prefix: uniquePrefix(), logger: false });
    await bus.start();
    expect((await bus.health()).status).toBe('ready');
    await bus.shutdown({ timeoutMs: 1_000 });
  });
});
