import { describe } from 'vitest';
import { RedisEventBus } from '../../src/index.js';
import { RedisKeys } from '../../src/infrastructure/redis/redis-keys.js';
import type { BusFactory } from './harness.js';
import { deliveryContract } from './delivery.contract.js';
import { failureContract } from './failure.contract.js';
import { lifecycleContract } from './lifecycle.contract.js';
import { useContractRedis } from './redis-admin.js';

const redis = useContractRedis();

const factory: BusFactory = {
  name: 'RedisEventBus',
  capabilities: { fanOutAcrossInstances: true, rawInjection: true, redelivers: false },
  create(prefix, options) {
    return new RedisEventBus({ ...options, prefix, redisUrl: redis.url });
  },
  async injectRaw(prefix, type, raw) {
    await redis.client().publish(new RedisKeys(prefix).channelFor(type), raw);
  },
  deadLetters: redis.deadLetters,
  cleanup: redis.cleanup,
};

describe(RedisEventBus, () => {
  describe('delivery', () => deliveryContract(() => factory));
  describe('failures', () => failureContract(() => factory));
  describe('lifecycle', () => lifecycleContract(() => factory));
});
