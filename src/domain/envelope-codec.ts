import { EnvelopeDecodeError } from './errors/envelope-decode-error.js';
import type { EventEnvelope } from './event-envelope.js';
import { MAX_ID_LENGTH, isEnvelopeId } from './envelope-id.js';
import { isEventType } from './event-type.js';

/** Default for `maxEnvelopeBytes`: 1 MiB. */
export const DEFAULT_MAX_ENVELOPE_BYTES = 1024 * 1024;

/**
 * How deep an envelope's JSON may nest, the envelope object itself being level
 * 1 (so a payload may nest 127 levels). Deeper text parses, but serialising it
 * again (a dead letter, a log line, a replay) overflows the stack: such input is
 * refused where it enters, so everything Herald holds can always be written.
 */
export const MAX_ENVELOPE_DEPTH = 128;

// ISO 8601 as Date#toISOString writes it, plus offsets and fewer fraction digits from other producers.
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Serialises an envelope to the JSON text that goes on the wire:
 * `JSON.stringify`, refusing a payload that JSON would drop or turn into
 * something else at the top level (receivers would dead-letter the envelope,
 * or see `null`). Plain data costs one `typeof` more than `JSON.stringify`;
 * only a payload with a `toJSON()` is encoded on its own (once), to check what
 * that returns.
 *
 * @throws TypeError when the payload is undefined, a function, a Symbol, NaN or
 *   ±Infinity, has a `toJSON()` that returns undefined, a function or a Symbol,
 *   nests deeper than {@link MAX_ENVELOPE_DEPTH} allows, or cannot be
 *   serialised at all (a cycle, a BigInt).
 */
export function encodeEnvelope(envelope: EventEnvelope): string {
  const payload: unknown = envelope.payload;
  const kind = typeof payload;
  if (kind === 'object' && payload !== null && typeof (payload as { toJSON?: unknown }).toJSON === 'function') {
    const { payload: _, ...head } = envelope;
    const text = stringify(envelope.type, payload);
    if (text === undefined) throw notCarried(envelope.type, payload);
    const headText = JSON.stringify(head);
    return checkedDepth(envelope.type, headText === '{}' ? `{"payload":${text}}` : `${headText.slice(0, -1)},"payload":${text}}`);
  }
  if (kind === 'undefined' || kind === 'function' || kind === 'symbol' || (kind === 'number' && !Number.isFinite(payload))) {
    throw notCarried(envelope.type, payload);
  }
  return checkedDepth(envelope.type, stringify(envelope.type, envelope)!);
}

function checkedDepth(type: string, text: string): string {
  if (!nestedDeeperThan(text, MAX_ENVELOPE_DEPTH)) return text;
  throw new TypeError(
    `The payload of "${type}" nests more than ${MAX_ENVELOPE_DEPTH - 1} levels deep, which receivers refuse (MAX_ENVELOPE_DEPTH); publish flatter data.`,
  );
}

function stringify(type: string, value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new TypeError(`The payload of "${type}" nests too deep to serialise (${error.message}); publish flatter data.`, { cause: error });
    }
    throw new TypeError(
      `The payload of "${type}" cannot be serialised to JSON (${(error as Error).message}); publish plain data without cycles or BigInt.`,
      { cause: error },
    );
  }
}

function notCarried(type: string, payload: unknown): TypeError {
  return new TypeError(
    `The payload of "${type}" is ${describePayload(payload)}, which JSON cannot carry; publish plain data (an object, an array, a string, a finite number, a boolean or null).`,
  );
}

function describePayload(payload: unknown): string {
  if (payload === undefined) return 'undefined';
  if (typeof payload === 'object' && payload !== null) return 'an object whose toJSON() returns undefined, a function or a Symbol';
  if (typeof payload === 'number') return String(payload);
  return `a ${typeof payload}`;
}

/**
 * Size of `text` in UTF-8 bytes, computed only when the length alone cannot
 * decide (a UTF-16 unit encodes to 1-3 bytes), because Buffer.byteLength costs
 * a full scan on every message.
 */
export function exceedsBytes(text: string, maxBytes: number): number | undefined {
  if (text.length * 3 <= maxBytes) return undefined;
  const bytes = text.length > maxBytes ? text.length : Buffer.byteLength(text, 'utf8');
  return bytes > maxBytes ? bytes : undefined;
}

/**
 * True when `text` (JSON) nests objects and arrays more than `maxDepth` levels
 * deep. Counting the brackets with indexOf settles almost every message (it
 * cannot nest deeper than it has brackets); only one with more brackets than
 * `maxDepth`, a batch frame for one, is scanned, character by character outside
 * strings: a string is jumped over with indexOf to its closing quote, as most of
 * an envelope's text is strings.
 */
export function nestedDeeperThan(text: string, maxDepth: number): boolean {
  let brackets = 0;
  for (let i = text.indexOf('{'); i !== -1 && brackets <= maxDepth; i = text.indexOf('{', i + 1)) brackets++;
  for (let i = text.indexOf('['); i !== -1 && brackets <= maxDepth; i = text.indexOf('[', i + 1)) brackets++;
  if (brackets <= maxDepth) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = closingQuote(text, i);
      // An unterminated string holds the rest; JSON.parse refuses the text.
      if (i === -1) return false;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/** Where the string opened by the quote at `open` ends: the next quote after an even run of backslashes, or -1. */
function closingQuote(text: string, open: number): number {
  let at = text.indexOf('"', open + 1);
  while (at !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
    if ((backslashes & 1) === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return -1;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * Parses and validates an envelope received from the wire. Never trusts the
 * input: every field's type and form is checked, unknown top-level fields are
 * kept (a producer one version ahead must not dead-letter everything), and
 * `__proto__`/`constructor` keys stay plain data (JSON.parse defines them as own
 * properties; nothing here assigns them through a setter).
 *
 * @throws EnvelopeDecodeError with a `reason` (`not-json`, `not-an-object`, `invalid-field`, `too-large`, `too-deep`).
 */
export function decodeEnvelope(raw: string, maxBytes = DEFAULT_MAX_ENVELOPE_BYTES): EventEnvelope {
  const bytes = exceedsBytes(raw, maxBytes);
  if (bytes !== undefined) {
    throw new EnvelopeDecodeError('too-large', `${bytes} bytes exceed maxEnvelopeBytes (${maxBytes})`);
  }
  if (nestedDeeperThan(raw, MAX_ENVELOPE_DEPTH)) throw tooDeep(MAX_ENVELOPE_DEPTH);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new EnvelopeDecodeError('not-json', (error as Error).message, undefined, { cause: error });
  }
  return envelopeOf(value);
}

/**
 * Validates one parsed element of a batch frame (a JSON array of envelopes) as
 * {@link decodeEnvelope} validates a whole message.
 *
 * @throws EnvelopeDecodeError with a `reason` (`not-an-object`, `invalid-field`).
 */
export function envelopeOf(value: unknown): EventEnvelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EnvelopeDecodeError('not-an-object', `expected a JSON object, got ${describe(value)}`);
  }
  validateEnvelope(value as Record<string, unknown>);
  return value as EventEnvelope;
}

/** The refusal of text nested deeper than `maxDepth` (an envelope, or a batch frame one level more). */
export function tooDeep(maxDepth: number): EnvelopeDecodeError {
  return new EnvelopeDecodeError(
    'too-deep',
    `the JSON nests more than ${maxDepth} levels deep; Herald refuses deeper envelopes (MAX_ENVELOPE_DEPTH, the envelope being level 1), whose dead letters and logs could not be written`,
  );
}

function validateEnvelope(v: Record<string, unknown>): void {
  requireId(v, 'id');
  if (!isEventType(v.type)) invalid('type', 'a type name of [A-Za-z0-9._:-]', v.type);
  const ts = v.timestamp;
  if (typeof ts !== 'string' || !ISO_TIMESTAMP.test(ts) || Number.isNaN(Date.parse(ts))) {
    invalid('timestamp', 'an ISO 8601 timestamp', ts);
  }
  requireId(v, 'correlationId');
  if (v.causationId !== undefined) requireId(v, 'causationId');
  if (v.source !== undefined && typeof v.source !== 'string') invalid('source', 'a string', v.source);
  if (!Object.hasOwn(v, 'payload') || v.payload === undefined) invalid('payload', 'present', undefined);
  if (v.headers !== undefined) validateHeaders(v.headers);
}

function requireId(v: Record<string, unknown>, field: string): void {
  const id = v[field];
  if (!isEnvelopeId(id)) {
    invalid(field, `a non-empty string of at most ${MAX_ID_LENGTH} characters`, id);
  }
}

function validateHeaders(headers: unknown): void {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    invalid('headers', 'an object of string values', headers);
  }
  for (const key of Object.keys(headers)) {
    const value = (headers as Record<string, unknown>)[key];
    if (typeof value !== 'string') invalid(`headers.${key}`, 'a string', value);
  }
}

function invalid(field: string, expected: string, got: unknown): never {
  throw new EnvelopeDecodeError('invalid-field', `"${field}" must be ${expected}, got ${describe(got)}`, field);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  return typeof value;
}
