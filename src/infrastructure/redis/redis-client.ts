import { Redis, type RedisOptions } from 'ioredis';
import { type ClusterSettings, clusterClient } from '../topology/cluster-client.js';
import { parseRedisUrl } from '../topology/redis-url.js';
import { isDatabaseRefusal } from './redis-refusals.js';

// The reply of a server without a password for the user a client authenticates as
// (Redis < 6: "no password is set"; 6 and later: "… without any password configured …").
const NO_PASSWORD_NEEDED = /no password is set|without any password configured/;

type Callback = (error: Error | null, result?: unknown) => void;
type Auth = (...args: unknown[]) => unknown;

/**
 * An ioredis client as Herald uses it, with two of ioredis's behaviours changed:
 *
 * - A password the server does not need makes ioredis `console.warn` on every
 *   connect, into a CLI's output and past the application's logger. The client
 *   reports it to `onUnneededPassword` instead; the connection works (the
 *   server ignores the password).
 * - A SELECT that Redis refuses (`redis://host/99` on a 16-database server) only
 *   makes ioredis emit an error and carry on in database 0. The client
 *   disconnects instead, before the ready event, so nothing is ever written to
 *   the wrong database; `whenReady` turns the error into a RedisDatabaseError.
 *
 * Duplicates (`redis.duplicate()`) behave the same.
 *
 * `redis+sentinel://` URLs make a client that asks the sentinels for the
 * primary on every connect; `redis+cluster://` URLs an ioredis Cluster, with
 * `cluster` for its settings (see docs/deployment.md).
 *
 * @throws TypeError when a cluster or sentinel URL is malformed.
 */
export function redisClient(url: string, settings: RedisOptions, onUnneededPassword: () => void, cluster: ClusterSettings = {}): Redis {
  const topology = parseRedisUrl(url);
  if (topology.kind === 'single') return guard(new Redis(url, settings), onUnneededPassword);
  if (topology.kind === 'cluster') return clusterClient(topology, settings, cluster);
  const { sentinels, name, username, password, db, tls } = topology;
  return guard(
    new Redis({
      ...settings,
      sentinels: sentinels.map(({ host, port }) => ({ host, port })),
      name,
      db,
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      ...(tls ? { tls: settings.tls ?? {} } : {}),
    }),
    onUnneededPassword,
  );
}

function guard(redis: Redis, onUnneededPassword: () => void): Redis {
  // ioredis authenticates on every connect through the client's own auth(args, callback), and warns from that callback.
  const auth = redis.auth.bind(redis) as Auth;
  const quietAuth: Auth = (...args) => {
    const callback = args.at(-1);
    if (typeof callback !== 'function') return auth(...args);
    return auth(...args.slice(0, -1), (error: Error | null, result?: unknown) => {
      if (error && NO_PASSWORD_NEEDED.test(error.message)) {
        onUnneededPassword();
        (callback as Callback)(null, 'OK');
        return;
      }
      (callback as Callback)(error, result);
    });
  };
  const duplicate = redis.duplicate.bind(redis);
  Object.assign(redis, {
    auth: quietAuth,
    duplicate: (override?: Partial<RedisOptions>) => guard(duplicate(override), onUnneededPassword),
  });
  redis.on('error', (error: unknown) => {
    if (isDatabaseRefusal(error)) redis.disconnect();
  });
  return redis;
}
