import { RedisAuthError, type RedisAuthFailure } from '../../domain/errors/connection/redis-auth-error.js';
import { RedisDatabaseError } from '../../domain/errors/connection/redis-database-error.js';

/**
 * A copy of an error that is safe to keep as the `cause` of an error Herald
 * throws: name, message and code. ioredis puts the failed command on its
 * errors (`command.args`), and for `AUTH` those are the password, which
 * `util.inspect` and `console.error` print with the cause.
 */
export function safeCause(error: unknown): Error | undefined {
  if (error === undefined) return undefined;
  if (!(error instanceof Error)) return new Error(typeof error === 'string' ? error : 'non-Error value');
  const copy = new Error(error.message);
  copy.name = error.name;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') Object.assign(copy, { code });
  // A stack of this copy would point here; the reply's own stack points into ioredis's parser.
  copy.stack = `${error.name}: ${error.message}`;
  return copy;
}

/** True when ioredis reports that the SELECT of the URL's database failed. */
export function isDatabaseRefusal(error: unknown): boolean {
  return error instanceof Error && (commandOf(error) === 'select' || error.message.includes('DB index is out of range'));
}

/**
 * The typed error for a reply that retrying cannot fix (credentials,
 * permissions, the database index), or undefined for anything else (an
 * outage, a timeout), which Herald rides out.
 *
 * @param url - the URL with credentials masked.
 */
export function refusalOf(error: unknown, url: string, database = 0): RedisAuthError | RedisDatabaseError | undefined {
  if (!(error instanceof Error)) return undefined;
  // A Cluster client reports a refusal by every seed node as "Failed to refresh slots cache",
  // with the last node's reply kept beside it.
  const nodeError = (error as { lastNodeError?: unknown }).lastNodeError;
  if (nodeError instanceof Error) return refusalOf(nodeError, url, database);
  const reason = authFailure(error.message);
  if (reason !== undefined) {
    const command = reason === 'no-permission' ? refusedCommand(error) : undefined;
    return new RedisAuthError(reason, url, command, { cause: safeCause(error) });
  }
  if (isDatabaseRefusal(error)) return new RedisDatabaseError(url, database, { cause: safeCause(error) });
  return undefined;
}

// Matched anywhere in the message: ioredis prefixes a failed ready check with "Ready check failed: ".
function authFailure(message: string): RedisAuthFailure | undefined {
  if (/\bWRONGPASS\b|\binvalid password\b/.test(message)) return 'wrong-password';
  if (/\bNOAUTH\b/.test(message)) return 'no-password';
  if (/\bNOPERM\b|user executing the script can't run this command/.test(message)) return 'no-permission';
  return undefined;
}

function refusedCommand(error: Error): string | undefined {
  return /run the '([^']+)' command/.exec(error.message)?.[1] ?? commandOf(error);
}

function commandOf(error: Error): string | undefined {
  const name = (error as { command?: { name?: unknown } }).command?.name;
  return typeof name === 'string' ? name : undefined;
}
