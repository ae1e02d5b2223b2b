import { HeraldError } from '../herald-error.js';

/**
 * Why Redis refused the client: a wrong user name or password (`WRONGPASS`),
 * no password where one is required (`NOAUTH`), or a command or key this ACL
 * user may not use (`NOPERM`).
 */
export type RedisAuthFailure = 'wrong-password' | 'no-password' | 'no-permission';

/**
 * Redis refused Herald's credentials or one of its commands. Retrying cannot
 * help, so `start()` fails at once instead of waiting out `connectTimeoutMs`.
 * The `cause` holds Redis's reply (name, message, code), never the command's
 * arguments, which for `AUTH` would be the password.
 */
export class RedisAuthError extends HeraldError {
  readonly code = 'HERALD_REDIS_AUTH';

  constructor(
    readonly reason: RedisAuthFailure,
    /** The URL with credentials masked. */
    readonly url: string,
    /** The refused command, for `no-permission`, e.g. `xreadgroup`. */
    readonly command?: string,
    options?: ErrorOptions,
  ) {
    super(message(reason, url, command), options);
  }
}

function message(reason: RedisAuthFailure, url: string, command: string | undefined): string {
  switch (reason) {
    case 'wrong-password':
      return (
        `Redis at ${url} refused the credentials (WRONGPASS: wrong user name or password, or the user is disabled). ` +
        'Fix the user and password in REDIS_URL (redis://user:password@host:port) or in redisOptions; retrying will not help.'
      );
    case 'no-password':
      return (
        `Redis at ${url} requires a password (NOAUTH) and none was given. ` +
        'Put it in REDIS_URL: redis://:password@host:port, or redis://user:password@host:port for an ACL user.'
      );
    case 'no-permission':
      return (
        `Redis at ${url} refused ${command ? `the command '${command}'` : 'a command'} for this ACL user (NOPERM). ` +
        "Grant the user the ACL rules Herald needs for this role (docs/security.md lists them), or connect as another user."
      );
  }
}
