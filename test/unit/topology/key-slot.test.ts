import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { keySlot } from '../../../src/infrastructure/topology/key-slot.js';

// ioredis's own slot function (a dependency of ioredis, untyped).
const clusterKeySlot = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number;

describe(keySlot, () => {
  it('matches the slots Redis documents', () => {
    expect(keySlot('foo')).toBe(12_182);
    expect(keySlot('somekey')).toBe(11_058);
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
  });

  it('agrees with the implementation ioredis routes by, hash tags and UTF-8 included', () => {
    for (const key of ['a', '{a}:x', 'foo{}bar', 'x{y', '{shop}:dlq', 'shop:stream|order.created', 'ümlaut{ö}', '']) {
      expect(keySlot(key), key).toBe(clusterKeySlot(key));
    }
  });
});
