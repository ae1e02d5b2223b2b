import { HeraldError } from '../herald-error.js';

/**
 * Redis refused to switch to the database the URL names (`redis://host/99` on
 * a server with 16 databases). Herald stops instead of carrying on in
 * database 0, where other applications' keys may live.
 */
export class RedisDatabaseError extends HeraldError {
  readonly code = 'HERALD_REDIS_DATABASE';

  constructor(
    /** The URL with credentials masked. */
    readonly url: string,
    readonly database: number,
    options?: ErrorOptions,
  ) {
    super(
      `Redis at ${url} refused to select database ${database} (${reply(options?.cause)}). ` +
        'Use a database the server has (0 to 15 unless its `databases` setting says otherwise), or leave the /db part out of the URL for database 0.',
      options,
    );
  }
}

function reply(cause: unknown): string {
  return cause instanceof Error ? cause.message : 'SELECT failed';
}
