import { describe } from 'vitest';
import { DurableEventBus } from '../../src/index.js';
import { RedisKeys } from '../../src/infrastructure/redis/redis-keys.js';
import { batchingContract } from './batching.contract.js';
import type { BusFactory } from './harness.js';
import { useContractRedis } from './redis-admin.js';

const redis = useContractRedis();

const factory: BusFactory = {
  name: 'DurableEventBus',
  capabilities: { fanOutAcrossInstances: false, rawInjection: true, redelivers: true },
  create(prefix, options) {
    return new DurableEventBus({ claimIdleMs: 300, ...options, prefix, redisUrl: redis.url });
  },
  async injectRaw(prefix, type, raw) {
    await redis.client().xadd(new RedisKeys(prefix).streamOf(type), '*', 'type', type, 'envelope', raw);
  },
  deadLetters: redis.deadLetters,
  cleanup: redis.cleanup,
};

describe('DurableEventBus with batching', () => {
  batchingContract(() => factory, {
    // XRANGE, as a consumer written in another language would read the stream.
    async record(prefix, type) {
      const stream = new RedisKeys(prefix).streamOf(type);
      const frames: string[] = [];
      let after = '-';
      const tail = await redis.client().xrevrange(stream, '+', '-', 'COUNT', 1);
      if (tail[0]) after = `(${tail[0][0]}`;
      let reading: Promise<void> = Promise.resolve();
      const read = async () => {
        const entries = await redis.client().xrange(stream, after, '+');
        for (const [id, fields] of entries) {
          after = `(${id}`;
          frames.push(fields[fields.indexOf('envelope') + 1]!);
        }
      };
      const timer = setInterval(() => (reading = reading.then(read)), 20);
      return {
        frames,
        stop: async () => {
          clearInterval(timer);
          await reading;
        },
      };
    },
  });
});
