import { copyAsJson, freezeDeep } from '../../domain/envelope-copy.js';
import { encodeEnvelope, exceedsBytes } from '../../domain/envelope-codec.js';
import { PayloadTooLargeError } from '../../domain/errors/payload-too-large-error.js';
import type { EventEnvelope } from '../../domain/event-envelope.js';
import type { EnvelopeSigner } from '../signing/envelope-signer.js';
import type { TransportEncoding, WireMessage } from '../transport/transport.js';

/**
 * The JSON text a bus publishes for `envelope`, signed when the bus signs (the
 * size limit counts the signature, as receivers measure what they receive).
 * @throws TypeError when the payload cannot be serialised to JSON.
 * @throws PayloadTooLargeError when the text exceeds `maxBytes`.
 */
export function encodeForWire(envelope: EventEnvelope, maxBytes: number, signer?: EnvelopeSigner): string {
  // encodeEnvelope refuses what JSON would change or drop, with a TypeError that names it.
  const text = encodeEnvelope(envelope);
  const raw = signer ? signer.sign(text) : text;
  const bytes = exceedsBytes(raw, maxBytes);
  if (bytes !== undefined) throw new PayloadTooLargeError(envelope.type, bytes, maxBytes);
  return raw;
}

/**
 * What the bus hands its transport for `envelope`, as the transport's encoding
 * asks. A frozen copy is what decoding the JSON text would give, frozen, with
 * the same refusals and size limit: it is built from the objects directly, and
 * only a payload the copy cannot decide on alone (possibly too large, very deep,
 * or one that fails) goes through the text, so its errors are the JSON path's.
 * @throws TypeError when the payload cannot be serialised to JSON.
 * @throws PayloadTooLargeError when its JSON text exceeds `maxBytes`.
 */
export function wireMessageOf(envelope: EventEnvelope, encoding: TransportEncoding, maxBytes: number, signer?: EnvelopeSigner): WireMessage {
  if (encoding === 'json') return encodeForWire(envelope, maxBytes, signer);
  if (encoding === 'none') return envelope;
  assertCarried(envelope);
  return copyAsJson(envelope, maxBytes) ?? freezeDeep(JSON.parse(encodeForWire(envelope, maxBytes)) as EventEnvelope);
}

/** The top-level refusals of {@link encodeEnvelope}, checked without encoding. */
function assertCarried(envelope: EventEnvelope): void {
  const payload: unknown = envelope.payload;
  const kind = typeof payload;
  if (kind === 'undefined' || kind === 'function' || kind === 'symbol' || (kind === 'number' && !Number.isFinite(payload))) {
    encodeEnvelope(envelope); // throws the TypeError that names it
  }
}
