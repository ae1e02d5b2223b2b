import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { RedisDeadLetterQueue } from '../../src/index.js';
import { useRedisServer } from '../support/redis-server.js';

/**
 * A private redis-server for a contract suite, with one admin client for
 * injecting messages, reading dead letters and cleaning prefixes. Call at the
 * top level of a test file.
 */
export function useContractRedis() {
  const redis = useRedisServer();
  let admin: Redis | undefined;
  afterAll(async () => {
    await admin?.quit();
  });
  const client = () => (admin ??= new Redis(redis.url, { lazyConnect: false }));
  return {
    get url() {
      return redis.url;
    },
    client,
    deadLetters: (prefix: string) => new RedisDeadLetterQueue(client(), prefix),
    async cleanup(prefix: string): Promise<void> {
      const keys = await client().keys(`${prefix}:*`);
      if (keys.length > 0) await client().del(...keys);
    },
  };
}
