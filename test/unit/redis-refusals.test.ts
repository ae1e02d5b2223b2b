import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { RedisAuthError, RedisDatabaseError } from '../../src/index.js';
import { refusalOf, safeCause } from '../../src/infrastructure/redis/redis-refusals.js';

/** An error as ioredis makes them: the reply, with the failed command attached. */
function reply(message: string, command: { name: string; args: string[] }): Error {
  return Object.assign(new Error(message), { name: 'ReplyError', command });
}

describe('Redis refusals', () => {
  it('keeps name, message and code of a cause, never the command arguments', () => {
    const error = Object.assign(reply('WRONGPASS invalid username-password pair', { name: 'auth', args: ['s3cret-pw'] }), { code: 'E1' });
    const cause = safeCause(error)!;
    expect(cause).toMatchObject({ name: 'ReplyError', message: 'WRONGPASS invalid username-password pair', code: 'E1' });
    expect(cause).not.toHaveProperty('command');
    expect(inspect(new Error('wrapped', { cause }), { depth: Infinity, showHidden: true })).not.toContain('s3cret-pw');
  });

  it.each([
    ['WRONGPASS invalid username-password pair or user is disabled.', 'wrong-password', undefined],
    ['ERR invalid password', 'wrong-password', undefined],
    ['Ready check failed: NOAUTH Authentication required.', 'no-password', undefined],
    ["NOPERM this user has no permissions to run the 'xgroup|create' command", 'no-permission', 'xgroup|create'],
    ['EXECABORT Transaction discarded because of: NOPERM this user has no permissions to run the \'exec\' command', 'no-permission', 'exec'],
    ['NOPERM this user has no permissions to access one of the channels used as arguments', 'no-permission', 'subscribe'],
  ])('reads "%s" as %s', (message, reason, command) => {
    const refused = refusalOf(reply(message, { name: 'subscribe', args: ['secret'] }), 'redis://***:***@h:6379');
    expect(refused).toBeInstanceOf(RedisAuthError);
    expect(refused).toMatchObject({ reason, command, url: 'redis://***:***@h:6379' });
    expect(inspect(refused, { depth: Infinity })).not.toContain('secret');
  });

  it('reads a refused SELECT as RedisDatabaseError, naming the database', () => {
    const refused = refusalOf(reply('ERR DB index is out of range', { name: 'select', args: ['99'] }), 'redis://h:6379/99', 99);
    expect(refused).toBeInstanceOf(RedisDatabaseError);
    expect(refused?.message).toContain('database 99');
  });

  it('leaves outages to the retries', () => {
    expect(refusalOf(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }), 'u')).toBeUndefined();
    expect(refusalOf(new Error('Connection is closed.'), 'u')).toBeUndefined();
  });
});
