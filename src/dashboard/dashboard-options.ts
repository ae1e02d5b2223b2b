import type { DeadLetterQueue } from '../domain/dead-letters/dead-letter.js';
import type { ReplayOptions } from '../domain/dead-letters/dead-letter-replay.js';

/** Options of {@link createDashboardHandler}. */
export interface DashboardOptions {
  /** The queue to show: `bus.deadLetters`, or the `queue` of `openRedisDeadLetterQueue`. */
  readonly deadLetters: DeadLetterQueue;
  /**
   * Hide replay, remove and purge on the page, and refuse them (403) on the server.
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * Require HTTP Basic auth: `'user:password'`, or `{ username, password }`.
   * @default none: anyone who reaches the handler can use it
   */
  readonly auth?: string | { readonly username: string; readonly password: string };
  /**
   * The path the handler serves under on a plain `node:http` server, e.g. `'/dlq'`;
   * requests outside it go to `next` (or get 404). Leave it out under Express's
   * `app.use('/dlq', handler)`, which strips the mount path itself.
   * @default ''
   */
  readonly basePath?: string;
  /**
   * `Host` header values to serve (e.g. `['127.0.0.1:8080', 'localhost:8080']`); other
   * hosts get 403, so a web page that rebinds its DNS name to your loopback address
   * cannot reach the dashboard.
   * @default any host
   */
  readonly allowedHosts?: readonly string[];
  /** Timing of the replays started from the page, as for `queue.replay()`. @default the queue's defaults */
  readonly replay?: ReplayOptions;
  /** Shown in the page's heading, e.g. the prefix. @default none */
  readonly title?: string;
  /**
   * Asked before remove and purge: when it resolves false, the keys may be another
   * application's, and both are refused (409, code `not-herald-keys`) as `herald dlq`
   * refuses them. Pass the `ownedByHerald` of `openRedisDeadLetterQueue`; `herald dashboard`
   * does. @default no check
   */
  readonly ownedByHerald?: () => Promise<boolean>;
}

/** Options checked and filled in. */
export interface DashboardConfig {
  readonly deadLetters: DeadLetterQueue;
  readonly readOnly: boolean;
  readonly credentials: { readonly username: string; readonly password: string } | undefined;
  readonly basePath: string;
  readonly allowedHosts: ReadonlySet<string> | undefined;
  readonly replay: ReplayOptions;
  readonly title: string;
  readonly ownedByHerald: (() => Promise<boolean>) | undefined;
}

/**
 * Validates the options.
 * @throws TypeError naming the option.
 */
export function resolveDashboardOptions(options: DashboardOptions): DashboardConfig {
  const queue = options?.deadLetters as Partial<DeadLetterQueue> | undefined;
  if (!queue || typeof queue.list !== 'function' || typeof queue.remove !== 'function') {
    throw new TypeError('Expected `deadLetters` to be a dead-letter queue (bus.deadLetters, or the queue of openRedisDeadLetterQueue).');
  }
  const basePath = options.basePath ?? '';
  if (typeof basePath !== 'string' || !/^(\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*$/.test(basePath)) {
    throw new TypeError(`Expected \`basePath\` to be '' or a path like '/dlq' (no trailing slash); got ${JSON.stringify(basePath)}.`);
  }
  if (options.allowedHosts !== undefined && (!Array.isArray(options.allowedHosts) || options.allowedHosts.some((h) => typeof h !== 'string'))) {
    throw new TypeError('Expected `allowedHosts` to be an array of Host header values such as "127.0.0.1:8080".');
  }
  if (options.ownedByHerald !== undefined && typeof options.ownedByHerald !== 'function') {
    throw new TypeError('Expected `ownedByHerald` to be a function, such as the one openRedisDeadLetterQueue returns.');
  }
  return {
    deadLetters: options.deadLetters,
    readOnly: options.readOnly === true,
    credentials: parseAuth(options.auth),
    basePath,
    allowedHosts: options.allowedHosts && new Set(options.allowedHosts.map((host) => host.toLowerCase())),
    replay: options.replay ?? {},
    title: typeof options.title === 'string' ? options.title : '',
    ownedByHerald: options.ownedByHerald,
  };
}

/**
 * Reads `user:password` (the password may contain `:`).
 * @throws TypeError naming the option.
 */
export function parseAuth(auth: DashboardOptions['auth']): DashboardConfig['credentials'] {
  if (auth === undefined) return undefined;
  const [username, password] =
    typeof auth === 'string' ? [auth.slice(0, Math.max(0, auth.indexOf(':'))), auth.slice(auth.indexOf(':') + 1)] : [auth?.username, auth?.password];
  if (typeof auth === 'string' && !auth.includes(':')) throw new TypeError('Expected `auth` to be "user:password" (a colon between them).');
  if (typeof username !== 'string' || typeof password !== 'string' || username === '' || password === '') {
    throw new TypeError('Expected `auth` to be "user:password" or { username, password }, both non-empty.');
  }
  return { username, password };
}
