import { MAX_ID_LENGTH, isEnvelopeId } from '../../domain/envelope-id.js';
import type { PublishOptions } from '../../domain/event-envelope.js';

/**
 * Validates publish options and returns the headers to send: a copy of the
 * given object's own enumerable entries, so that what was checked is exactly
 * what goes on the wire (a getter or a hidden `toJSON` cannot change it later).
 *
 * @throws TypeError naming the first invalid publish option.
 */
export function validatePublishOptions(options: PublishOptions): Readonly<Record<string, string>> | undefined {
  id(options.correlationId, 'correlationId');
  id(options.causationId, 'causationId');
  return options.headers === undefined ? undefined : copyHeaders(options.headers);
}

/**
 * Only plain objects: JSON sends a Date, a String object or a class instance
 * with a `toJSON` as something other than its entries, and the receivers would
 * dead-letter the envelope. Object.fromEntries defines keys as own data
 * properties, so a `__proto__` header stays a header.
 */
function copyHeaders(headers: unknown): Readonly<Record<string, string>> {
  const proto: unknown = typeof headers === 'object' && headers !== null ? Object.getPrototypeOf(headers) : undefined;
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError(`Expected \`headers\` to be a plain object of string values (like { traceparent: "…" }), got ${kind(headers)}.`);
  }
  const entries = Object.entries(headers as object);
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw new TypeError(`Expected header "${key}" to be a string, got ${typeof value}.`);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value !== 'object') return typeof value;
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name ? `an instance of ${name}` : 'an object with a prototype of its own';
}

function id(value: unknown, name: string): void {
  if (value === undefined) return;
  if (!isEnvelopeId(value)) {
    throw new TypeError(`Expected \`${name}\` to be a non-empty string of at most ${MAX_ID_LENGTH} characters, got ${JSON.stringify(value)}.`);
  }
}

/** The publish options with the headers a contract returned (the same object when they did not change). */
export function withHeaders(options: PublishOptions | undefined, headers: PublishOptions['headers']): PublishOptions | undefined {
  return headers === options?.headers ? options : { ...options, ...(headers ? { headers } : {}) };
}
