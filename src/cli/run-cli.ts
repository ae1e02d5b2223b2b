import { CommanderError } from 'commander';
import { RedisAuthError } from '../domain/errors/connection/redis-auth-error.js';
import { RedisConnectionError } from '../domain/errors/connection/redis-connection-error.js';
import { RedisDatabaseError } from '../domain/errors/connection/redis-database-error.js';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_REFUSED, EXIT_USAGE } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { type CliDeps, buildProgram } from './program.js';

/**
 * Runs `herald` with the arguments after the program name and resolves to
 * the exit code: 0 success, 1 operational error, 2 usage error.
 */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram(deps, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return report(error, deps.io, argv.includes('--json'));
  }
}

function report(error: unknown, io: CliIo, json: boolean): number {
  if (error instanceof CommanderError) return commanderExit(error);
  const { code, message, exitCode } = describe(error);
  io.stderr.write(`herald: ${message}\n`);
  if (json && (exitCode === EXIT_FAILED || exitCode === EXIT_REFUSED)) io.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
  return exitCode;
}

// Commander has already written its message (or the help) by now.
function commanderExit(error: CommanderError): number {
  switch (error.code) {
    case 'commander.helpDisplayed':
    case 'commander.version':
      return EXIT_OK;
    case 'commander.help':
      // Help shown because a subcommand was missing.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    default:
      return EXIT_USAGE;
  }
}

// Redis's refusal of a command (NOPERM), also inside a transaction (EXECABORT … NOPERM) or a script.
const NOT_PERMITTED = /\bNOPERM\b|user executing the script can't run this command/;

function describe(error: unknown): { code: string; message: string; exitCode: number } {
  if (error instanceof CliError) return { code: error.code, message: error.message, exitCode: error.exitCode };
  if (RedisConnectionError.is(error)) {
    const { url, cause } = error as RedisConnectionError;
    const why = cause instanceof Error && cause.message ? ` (${cause.message})` : '';
    return {
      code: 'redis-unavailable',
      message: `Cannot reach Redis at ${url}${why}. Check --redis-url (or REDIS_URL) and that Redis is running, then run the command again.`,
      exitCode: EXIT_FAILED,
    };
  }
  if (RedisAuthError.is(error)) return { code: 'redis-auth', message: (error as Error).message, exitCode: EXIT_FAILED };
  if (RedisDatabaseError.is(error)) return { code: 'redis-database', message: (error as Error).message, exitCode: EXIT_FAILED };
  if (error instanceof Error && NOT_PERMITTED.test(error.message)) {
    return {
      code: 'redis-auth',
      message: `Redis refused a command for this ACL user (${error.message}). Nothing more was done. Grant the user the rules of the herald CLI in docs/security.md, then run the command again.`,
      exitCode: EXIT_FAILED,
    };
  }
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    code: 'failed',
    message: `${text}. Nothing more was done; entries not reported as replayed or removed are still in the DLQ. Check Redis and run the command again.`,
    exitCode: EXIT_FAILED,
  };
}
