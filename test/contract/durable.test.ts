import { Redis } from 'ioredis';
import { afterAll, describe } from 'vitest';
import { DurableEventBus, RedisDeadLetterQueue } from '../../src/index.js';
import { Channels } from '../../src/infrastructure/eventbus/channels.js';
import { useRedisServer } from '../support/redis-server.js';
import type { BusFactory } from './harness.js';
import { deliveryContract } from './delivery.contract.js';
import { failureContract } from './failure.contract.js';
import { lifecycleContract } from './lifecycle.contract.js';

const redis = useRedisServer();
let admin: Redis | undefined;
const client = () => (admin ??= new Redis(redis.url, { lazyConnect: false }));
afterAll(async () => {
  await admin?.quit();
});

const factory: BusFactory = {
  name: 'DurableEventBus',
  capabilities: { fanOutAcrossInstances: false, rawInjection: true, redelivers: true },
  create(prefix, options) {
    // A short claim time so that tests of redelivery after a shutdown do not wait 30 s.
    return new DurableEventBus({ claimIdleMs: 300, ...options, prefix, redisUrl: redis.url });
  },
  async injectRaw(prefix, type, raw) {
    await client().xadd(new Channels(prefix).streamOf(type), '*', 'type', type, 'envelope', raw);
  },
  deadLetters(prefix) {
    return new RedisDeadLetterQueue(client(), prefix);
  },
  async cleanup(prefix) {
    const keys = await client().keys(`${prefix}:*`);
    if (keys.length > 0) await client().del(...keys);
  },
};

describe(DurableEventBus, () => {
  describe('delivery', () => deliveryContract(() => factory));
  describe('failures', () => failureContract(() => factory));
  describe('lifecycle', () => lifecycleContract(() => factory));
});
