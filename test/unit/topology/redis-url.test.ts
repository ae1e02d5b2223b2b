import { describe, expect, it } from 'vitest';
import { RedisEventBus } from '../../../src/index.js';
import { redactUrl } from '../../../src/infrastructure/shared/logging.js';
import { parseRedisUrl } from '../../../src/infrastructure/topology/redis-url.js';

describe(parseRedisUrl, () => {
  it('leaves single-node URLs to ioredis', () => {
    expect(parseRedisUrl('redis://u:p@h:6379/2')).toEqual({ kind: 'single' });
    expect(parseRedisUrl('rediss://h')).toEqual({ kind: 'single' });
  });

  it('reads the seed nodes and credentials of a cluster URL', () => {
    expect(parseRedisUrl('redis+cluster://app:s%3Acret@10.0.0.1:7000,10.0.0.2:7001,[::1]:7002,node-4')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '::1', port: 7002 },
        { host: 'node-4', port: 6379 },
      ],
      username: 'app',
      password: 's:cret',
      tls: false,
    });
    expect(parseRedisUrl('rediss+cluster://h:1/')).toMatchObject({ kind: 'cluster', tls: true });
  });

  it('reads the sentinels, master name and database of a sentinel URL', () => {
    expect(parseRedisUrl('redis+sentinel://:pw@s1:26379,s2/mymaster?db=3')).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26_379 },
        { host: 's2', port: 26_379 },
      ],
      name: 'mymaster',
      password: 'pw',
      db: 3,
      tls: false,
    });
  });

  it('rejects malformed URLs with the expected form and without repeating the password', () => {
    const bad = [
      'redis+sentinel://u:hunter2@s1:26379',
      'redis+sentinel://u:hunter2@s1:26379/',
      'redis+sentinel://u:hunter2@s1/m?db=x',
      'redis+cluster://u:hunter2@h:1/2',
      'redis+cluster://u:hunter2@h:1,,h:2',
      'redis+cluster://u:hunter2@h:99999',
    ];
    for (const url of bad) {
      expect(() => parseRedisUrl(url), url).toThrow(TypeError);
      expect(() => parseRedisUrl(url), url).toThrow(/expected redis\+(cluster|sentinel):\/\//);
      try {
        parseRedisUrl(url);
      } catch (error) {
        expect((error as Error).message).not.toContain('hunter2');
      }
    }
  });

  it('makes a bus refuse a malformed topology URL when constructed', () => {
    expect(() => new RedisEventBus({ redisUrl: 'redis+sentinel://s1:26379', prefix: 'p' })).toThrow(/master name is missing/);
  });
});

describe('redactUrl on multi-host URLs', () => {
  it('masks the credentials', () => {
    expect(redactUrl('redis+cluster://app:hunter2@h1:1,h2:2')).not.toContain('hunter2');
    expect(redactUrl('redis+sentinel://:hunter2@s1:1,s2:2/m')).not.toContain('hunter2');
    expect(redactUrl('redis+cluster://app:hunter2@h1:1')).not.toContain('hunter2');
  });
});
