import { pino } from 'pino';
import type { Logger } from '../../domain/logger.js';

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
  return pino({
    name: 'herald',
    level: process.env.LOG_LEVEL ?? 'info',
    redact: { paths: ['password', '*.password', 'redisUrl', '*.redisUrl'], censor: '[redacted]' },
  });
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
