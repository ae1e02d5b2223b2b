import { encodeEnvelope, exceedsBytes } from '../../domain/envelope-codec.js';
import { PayloadTooLargeError } from '../../domain/errors/payload-too-large-error.js';
import type { EventEnvelope } from '../../domain/event-envelope.js';

/**
 * The JSON text a bus publishes for `envelope`.
 * @throws TypeError when the payload cannot be serialised to JSON.
 * @throws PayloadTooLargeError when the text exceeds `maxBytes`.
 */
export function encodeForWire(envelope: EventEnvelope, maxBytes: number): string {
  // encodeEnvelope refuses what JSON would change or drop, with a TypeError that names it.
  const raw = encodeEnvelope(envelope);
  const bytes = exceedsBytes(raw, maxBytes);
  if (bytes !== undefined) throw new PayloadTooLargeError(envelope.type, bytes, maxBytes);
  return raw;
}
