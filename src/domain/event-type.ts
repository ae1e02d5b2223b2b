const TYPE = /^[A-Za-z0-9._:-]+$/;
const PATTERN = /^[A-Za-z0-9._:*-]+$/;
const MAX_LENGTH = 200;

/** True for a valid event type name. */
export function isEventType(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_LENGTH && TYPE.test(value);
}

/** Throws a TypeError naming `where` unless `type` is a valid event type name. */
export function assertEventType(type: unknown, where: string): asserts type is string {
  if (!isEventType(type)) {
    throw new TypeError(
      `Expected ${where} to be an event type of 1-${MAX_LENGTH} characters from [A-Za-z0-9._:-], e.g. "user.registered"; got ${JSON.stringify(type)}.`,
    );
  }
}

/**
 * Throws a TypeError unless `pattern` is a type name or a pattern where `*`
 * matches any run of characters, dots included (`order.*`, `*`).
 */
export function assertTypePattern(pattern: unknown, where: string): asserts pattern is string {
  if (typeof pattern !== 'string' || pattern.length > MAX_LENGTH || !PATTERN.test(pattern)) {
    throw new TypeError(
      `Expected ${where} to be an event type or a pattern with "*" (e.g. "order.*"), from [A-Za-z0-9._:*-]; got ${JSON.stringify(pattern)}.`,
    );
  }
}

/** True when the subscription key contains a wildcard. */
export function isPattern(key: string): boolean {
  return key.includes('*');
}

/** Compiles a `*` pattern to an anchored RegExp with Redis glob semantics for `*`. */
export function patternToRegExp(pattern: string): RegExp {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.:-]/g, (c) => `\\${c}`))
    .join('.*');
  return new RegExp(`^${source}$`, 's');
}
