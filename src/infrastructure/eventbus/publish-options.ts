import { MAX_ID_LENGTH, isEnvelopeId } from '../../domain/envelope-id.js';
import type { PublishOptions } from '../../domain/event-envelope.js';

/** @throws TypeError naming the first invalid publish option. */
export function validatePublishOptions(options: PublishOptions): void {
  id(options.correlationId, 'correlationId');
  id(options.causationId, 'causationId');
  const headers = options.headers;
  if (headers === undefined) return;
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw new TypeError('Expected `headers` to be an object of string values.');
  }
  for (const [key, value] of Object.entries(headers)) {
    if (typeof value !== 'string') throw new TypeError(`Expected header "${key}" to be a string, got ${typeof value}.`);
  }
}

function id(value: unknown, name: string): void {
  if (value === undefined) return;
  if (!isEnvelopeId(value)) {
    throw new TypeError(`Expected \`${name}\` to be a non-empty string of at most ${MAX_ID_LENGTH} characters, got ${JSON.stringify(value)}.`);
  }
}
