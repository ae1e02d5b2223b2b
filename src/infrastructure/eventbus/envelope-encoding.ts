import { encodeEnvelope, exceedsBytes } from '../../domain/envelope-codec.js';
import { PayloadTooLargeError } from '../../domain/errors/payload-too-large-error.js';
import type { EventEnvelope } from '../../domain/event-envelope.js';
import type { EnvelopeSigner } from '../signing/envelope-signer.js';

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
