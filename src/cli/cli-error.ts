/** Exit codes of `herald`. */
export const EXIT_OK = 0;
/** Something went wrong operationally: Redis unreachable, unknown id, a replay that did not succeed. */
export const EXIT_FAILED = 1;
/** The command line itself was wrong. */
export const EXIT_USAGE = 2;
/** Refused for safety: the prefix's keys may be another application's (`--force` overrides). */
export const EXIT_REFUSED = 3;

/** An error the CLI reports with a message that says what to do, and exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: typeof EXIT_FAILED | typeof EXIT_USAGE | typeof EXIT_REFUSED,
    /** Stable code in `--json` error documents, e.g. `not-found`. */
    readonly code: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A usage error (exit 2). */
export function usageError(message: string): CliError {
  return new CliError(message, EXIT_USAGE, 'usage');
}
