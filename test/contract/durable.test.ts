import { describe } from 'vitest';
import { DurableEventBus } from '../../src/index.js';
import { RedisKeys } from '../../src/infrastructure/redis/redis-keys.js';
import type { BusFactory } from './harness.js';
import { deliveryContract } from './delivery.contract.js';
import { failureContract } from './failure.contract.js';
import { lifecycleContract } from './lifecycle.contract.js';
import { useContractRedis } from './redis-admin.js';

const redis = useContractRedis();

const factory: BusFactory = {
  name: 'DurableEventBus',
  capabilities: { fanOutAcrossInstances: false, rawInjection: true, redelivers: true },
  create(prefix, options) {
    // A short claim time so that tests of redelivery after a shutdown do not wait 30 s.
    return new DurableEventBus({ claimIdleMs: 300, ...options, prefix, redisUrl: redis.url });
  },
  async injectRaw(prefix, type, raw) {
    await redis.client().xadd(new RedisKeys(prefix).streamOf(type), '*', 'type', type, 'envelope', raw);
  },
  deadLetters: redis.deadLetters,
  cleanup: redis.cleanup,
};

describe(DurableEventBus, () => {
  describe('delivery', () => deliveryContract(() => factory));
  describe('failures', () => failureContract(() => factory));
  describe('lifecycle', () => lifecycleContract(() => factory));
});
