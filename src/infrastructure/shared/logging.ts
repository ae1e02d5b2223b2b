import { createRequire } from 'node:module';
import type * as Pino from 'pino';
import type { Logger } from '../../domain/logger.js';

const requireFromHere = createRequire(import.meta.url);
let pinoModule: typeof Pino | undefined;

// pino (CommonJS, about 9 MiB of RSS with its transports' code) is required the first time a
// default logger or an error serialisation needs it: an app that passes its own logger, or
// `logger: false`, never loads it.
function loadPino(): typeof Pino {
  return (pinoModule ??= requireFromHere('pino') as typeof Pino);
}

/** A logger that writes nothing (for `logger: false`). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/**
 * The logger a bus uses: the given one, none for `false`, else a pino logger at
 * `LOG_LEVEL` (default `info`). Error serialisation and redaction of the usual
 * credential fields are configured so secrets do not reach the logs.
 */
export function resolveLogger(logger: Logger | false | undefined): Logger {
  if (logger === false) return silentLogger;
  if (logger) return logger;
  return loadPino().pino({
    name: 'herald',
    level: process.env.LOG_LEVEL ?? 'info',
    redact: { paths: ['password', '*.password', 'redisUrl', '*.redisUrl'], censor: '[redacted]' },
    serializers: { err: serializeError },
  });
}

/**
 * pino's error serializer, except that a cause whose message the error's own
 * message already holds is not appended again: `new NonRetryableError(e.message,
 * { cause: e })` logs its message once, not `"bounced: bounced"`. The stack
 * keeps every cause.
 */
export function serializeError(error: unknown): unknown {
  const serialized = loadPino().pino.stdSerializers.err(error as Error) as unknown;
  if (!(error instanceof Error) || typeof serialized !== 'object' || serialized === null) return serialized;
  let message = error.message;
  const seen = new Set<unknown>([error]);
  for (let cause = error.cause; cause instanceof Error && !seen.has(cause); cause = cause.cause) {
    seen.add(cause);
    if (cause.message !== '' && !message.includes(cause.message)) message += `: ${cause.message}`;
  }
  (serialized as { message: string }).message = message;
  return serialized;
}

/** The URL with any user name and password replaced, safe to log or print. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    if (parsed.username) parsed.username = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}
