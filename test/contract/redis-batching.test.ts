import { Redis } from 'ioredis';
import { describe } from 'vitest';
import { RedisEventBus } from '../../src/index.js';
import { RedisKeys } from '../../src/infrastructure/redis/redis-keys.js';
import { batchingContract } from './batching.contract.js';
import type { BusFactory } from './harness.js';
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

describe('RedisEventBus with batching', () => {
  batchingContract(() => factory, {
    // A plain Redis subscriber, as a consumer written in another language would be.
    async record(prefix, type) {
      const subscriber = new Redis(redis.url);
      const frames: string[] = [];
      subscriber.on('message', (_channel: string, message: string) => frames.push(message));
      await subscriber.subscribe(new RedisKeys(prefix).channelFor(type));
      return { frames, stop: async () => void (await subscriber.quit()) };
    },
  });
});
