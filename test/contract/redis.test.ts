import { Redis } from 'ioredis';
import { afterAll, describe } from 'vitest';
import { RedisDeadLetterQueue, RedisEventBus } from '../../src/index.js';
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
  name: 'RedisEventBus',
  capabilities: { fanOutAcrossInstances: true, rawInjection: true, redelivers: false },
  create(prefix, options) {
    return new RedisEventBus({ ...options, prefix, redisUrl: redis.url });
  },
  async injectRaw(prefix, type, raw) {
    await client().publish(new Channels(prefix).forKey(type), raw);
  },
  deadLetters(prefix) {
    return new RedisDeadLetterQueue(client(), prefix);
  },
  async cleanup(prefix) {
    const keys = await client().keys(`${prefix}:*`);
    if (keys.length > 0) await client().del(...keys);
  },
};

describe(RedisEventBus, () => {
  describe('delivery', () => deliveryContract(() => factory));
  describe('failures', () => failureContract(() => factory));
  describe('lifecycle', () => lifecycleContract(() => factory));
});
